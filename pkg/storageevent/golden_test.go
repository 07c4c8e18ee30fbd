package storageevent

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/golden"
)

// TestOutputGolden pins the JSON shape of the action's output: the
// request of a one-object notification and the batch of a notification
// with several objects, some skipped (testdata/*.golden; -update rewrites
// them).
func TestOutputGolden(t *testing.T) {
	profile := `{"renditions":[{"fmt":"png","width":319},{"fmt":"xmp","name":"meta.xmp"}],"userData":{"tenant":"t1"}}`
	for sample, name := range map[string]string{"s3_put.json": "request.golden", "s3_multi.json": "batch.golden"} {
		t.Run(name, func(t *testing.T) {
			res, err := Handle(context.Background(), mergeParams(t, readSample(t, sample), profile))
			require.NoError(t, err)
			golden.JSON(t, name, res)
		})
	}
}
