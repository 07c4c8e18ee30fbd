package worker

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/golden"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// goldenPNG is a 3x2 grey PNG, written byte for byte so the golden
// metadata (size, SHA-1) does not depend on an encoder.
var goldenPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x03\x00\x00\x00\x02\b\x00\x00\x00\x00\xb8\x1f9\xc6" +
	"\x00\x00\x00\x14IDATx\x9cbb```b8\xc1\x00\b\x00\x00\xff\xff\x01\xb0\x00\xcd;<\xa5\x91\x00\x00\x00\x00IEND\xaeB`\x82")

// goldenFunc makes the renditions of the golden worker request: a PNG, a
// PNG padded past the worker's limit, or a SourceCorrupt failure.
func goldenFunc(_ context.Context, _ *Source, r *Rendition) error {
	switch r.Name {
	case "corrupt.png":
		return api.Errorf(api.ReasonSourceCorrupt, "the source is not a decodable image")
	case "huge.png":
		return os.WriteFile(r.Path, append(bytes.Clone(goldenPNG), make([]byte, 200)...), 0o600)
	}
	return os.WriteFile(r.Path, goldenPNG, 0o600)
}

// goldenWorkerRequest has a created rendition (embedded), two too large
// for their delivery (over embedBinaryLimit without a target, over the
// worker's size limit) and one failed by the function.
const goldenWorkerRequest = `{"requestId":"req-golden","source":"data:text/plain;base64,aGVsbG8=","renditions":[
	{"name":"thumb.png","fmt":"png","width":3,"embedBinaryLimit":1000,"userData":{"slot":1}},
	{"name":"small.png","fmt":"png","embedBinaryLimit":10},
	{"name":"huge.png","fmt":"png","embedBinaryLimit":32768},
	{"name":"corrupt.png","fmt":"png","embedBinaryLimit":1000}]}`

// TestWorkerResultGolden pins the JSON shape of a worker result
// (testdata/worker_result.golden; -update rewrites it).
func TestWorkerResultGolden(t *testing.T) {
	w, _ := newTestWorker(t, goldenFunc, func(o *Options) {
		o.MaxRenditionBytes = 100
		// A clock that never moves: the step timings are all zero.
		o.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	})
	out, err := w.Handle(context.Background(), []byte(goldenWorkerRequest))
	require.NoError(t, err)
	golden.JSON(t, "worker_result.golden", out)
}
