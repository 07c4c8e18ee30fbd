package process

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/golden"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/events"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// goldenPNG is a 3x2 grey PNG, written byte for byte so the golden
// metadata (size, SHA-1) does not depend on an encoder.
var goldenPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x03\x00\x00\x00\x02\b\x00\x00\x00\x00\xb8\x1f9\xc6" +
	"\x00\x00\x00\x14IDATx\x9cbb```b8\xc1\x00\b\x00\x00\xff\xff\x01\xb0\x00\xcd;<\xa5\x91\x00\x00\x00\x00IEND\xaeB`\x82")

// goldenTime is the clock of the golden results.
var goldenTime = time.Date(2025, 3, 9, 12, 34, 56, 0, time.UTC)

// downSink refuses every event.
type downSink struct{}

func (downSink) Name() string { return "webhook https://hooks.example.com/acs" }

func (downSink) Deliver(context.Context, api.Event) error {
	return errors.New("the webhook answered 503 Service Unavailable")
}

// goldenProcessor runs the built-in thumbnail action as a real worker
// (which embeds its renditions, fails one too large for embedBinaryLimit,
// one over its size limit and one the function refuses), a custom worker
// whose action fails, and a sink that delivers nothing.
func goldenProcessor(t *testing.T) *Processor {
	t.Helper()
	client, err := transfer.New(transfer.Options{Attempts: 1, Logger: quiet})
	require.NoError(t, err)
	w, err := worker.New(func(_ context.Context, _ *worker.Source, r *worker.Rendition) error {
		switch r.Name {
		case "corrupt.png":
			return api.Errorf(api.ReasonSourceCorrupt, "the source is not a decodable image")
		case "huge.png":
			return os.WriteFile(r.Path, append(bytes.Clone(goldenPNG), make([]byte, 200)...), 0o600)
		}
		return os.WriteFile(r.Path, goldenPNG, 0o600)
	}, worker.Options{Transfer: client, TempDir: t.TempDir(), Logger: quiet, MaxRenditionBytes: 100,
		Now: stoppedClock})
	require.NoError(t, err)
	return newProcessor(t, map[string]invoke.Handler{
		api.ActionThumbnail: w.Handle,
		"tagger": func(context.Context, json.RawMessage) (any, error) {
			return nil, errors.New("the tagger crashed")
		},
	}, func(o *Options) {
		o.AllowedWorkers = []string{"tagger"}
		o.Now = func() time.Time { return goldenTime }
		o.Sinks = []events.Sink{downSink{}}
	})
}

const goldenRequest = `{"requestId":"req-golden","source":"data:text/plain;base64,aGVsbG8=","userData":{"job":7},"renditions":[
	{"name":"thumb.png","fmt":"png","width":3,"embedBinaryLimit":1000,"userData":{"slot":1}},
	{"name":"small.png","fmt":"png","embedBinaryLimit":10},
	{"name":"huge.png","fmt":"png","embedBinaryLimit":32768},
	{"name":"corrupt.png","fmt":"png","embedBinaryLimit":1000},
	{"name":"tags","worker":"tagger","target":"https://store.example.com/tags.json?X-Amz-Signature=secret"},
	{"name":"evil","worker":"evil","target":"s3://bucket/evil"}]}`

// TestProcessResultGolden pins the JSON shape of a process result with
// created and failed events, RenditionTooLarge with repo:size, and
// undelivered events (testdata/process_result.golden; -update rewrites
// it).
func TestProcessResultGolden(t *testing.T) {
	res := goldenProcessor(t).Process(context.Background(), []byte(goldenRequest))
	golden.JSON(t, "process_result.golden", res)
}

// TestRejectedResultGolden pins the result of a request invalid as a
// whole: one failed event per rendition it names.
func TestRejectedResultGolden(t *testing.T) {
	res := goldenProcessor(t).Process(context.Background(),
		[]byte(`{"requestId":"req-rejected","renditions":[{"name":"a.png","fmt":"png","target":"s3://bucket/a.png"}]}`))
	golden.JSON(t, "rejected_result.golden", res)
}

// stoppedClock is a clock that never moves, so the workers' step timings
// in the golden results are all zero.
func stoppedClock() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
