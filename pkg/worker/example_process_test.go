package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// A Go test of a custom worker can run its function through the whole
// lifecycle with New and Process, and assert what `acs test-worker` does not
// compare: the errorMessage of a failure. The example also shows how a
// rendition that is not a built-in fmt sets its media type: the lifecycle
// sniffs the output (JSON sniffs as text/plain), so the function sets
// dc:format, which becomes the event's dc:format, the type of the embedded
// data: URI and the Content-Type of the upload.
func ExampleWorker_Process() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "words.txt")
	_ = os.WriteFile(src, []byte("one two three"), 0o644)

	count := func(ctx context.Context, s *worker.Source, r *worker.Rendition) error {
		var in struct {
			Unit string `json:"unit"`
		}
		if err := r.Decode(&in); err != nil {
			return err
		}
		if in.Unit != "bytes" {
			return api.Errorf(api.ReasonRenditionFormatUnsupported, "unit %q: use bytes", in.Unit)
		}
		out, _ := json.Marshal(map[string]int64{"bytes": s.Size})
		r.Metadata["dc:format"] = "application/json"
		return os.WriteFile(r.Path, out, 0o644)
	}

	client, err := transfer.New(transfer.Options{AllowLocal: true}) // local files, as acs process
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := worker.New(count, worker.Options{Transfer: client, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, unit := range []string{"bytes", "words"} {
		req, err := api.DecodeWorkerRequest(fmt.Appendf(nil,
			`{"requestId":"r1","source":%q,"renditions":[{"name":"count.json","worker":"counter","unit":%q,"embedBinaryLimit":1000}]}`, src, unit))
		if err != nil {
			fmt.Println(err)
			return
		}
		r := w.Process(context.Background(), req).Renditions[0]
		if r.Status == api.StatusCreated {
			fmt.Println(r.Status, r.Metadata["dc:format"], r.Data)
		} else {
			fmt.Println(r.Status, r.Reason, r.Message)
		}
	}
	// Output:
	// created application/json data:application/json;base64,eyJieXRlcyI6MTN9
	// failed RenditionFormatUnsupported unit "words": use bytes
}
