// Command metadata is the OpenWhisk action that makes xmp and
// machine-metadata-json renditions. See package meta.
//
// It reads https:// and s3:// sources in byte ranges
// (worker.Options.RangedSource), so only the parts that hold metadata are
// transferred.
package main

import (
	"github.com/assetcompute/assetcompute/pkg/builtin/metadata"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	worker.MainWith(metadata.Func(meta.Options{}), configure)
}

// configure adjusts the default worker options: metadata extraction reads
// the source in byte ranges.
func configure(o *worker.Options) { o.RangedSource = true }
