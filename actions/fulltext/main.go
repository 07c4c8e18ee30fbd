// Command fulltext is the OpenWhisk action that makes text renditions:
// clean UTF-8 text from PDF, Office, OpenDocument, HTML, RTF, EPUB, e-mail
// and plain text sources (package text), and by OCR from images and PDFs
// without a text layer (packages ocr and ocrsource).
package main

import (
	"github.com/assetcompute/assetcompute/pkg/builtin/fulltext"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	worker.Main(fulltext.Func(text.Options{}))
}
