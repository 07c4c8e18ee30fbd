// Command worker is the Go equivalent of the worker that
// `aio app add action` generates from @adobe/generator-add-action-asset-compute:
// it fails an empty source with SourceCorrupt and otherwise copies the
// source to the rendition unchanged. The generator's own test cases,
// test/asset-compute/worker/, run against it with `acs test-worker`.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	worker.Main(copySource)
}

// copySource copies the source to the rendition, refusing an empty one.
func copySource(ctx context.Context, src *worker.Source, r *worker.Rendition) error {
	in, err := os.Open(src.Path)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	if st.Size() == 0 {
		return api.Errorf(api.ReasonSourceCorrupt, "source file is empty")
	}
	out, err := os.Create(r.Path)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return fmt.Errorf("worker: copying the source: %w", err)
	}
	return out.Close()
}
