// Command metadata is the OpenWhisk action that makes xmp and
// machine-metadata-json renditions. See package meta.
package main

import (
	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	worker.Main(builtin.Metadata(meta.Options{}))
}
