// Command fulltext is the OpenWhisk action that makes text renditions:
// clean UTF-8 text from PDF, Office, OpenDocument, HTML, RTF, EPUB, e-mail
// and plain text sources. See package text.
package main

import (
	"github.com/assetcompute/assetcompute/pkg/builtin/fulltext"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	worker.Main(fulltext.Func(text.Options{}))
}
