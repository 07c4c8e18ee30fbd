package builtin

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// runRendition makes one rendition of source with handler (an action's
// handler, such as Handlers(...)[ThumbnailAction]), the deployment
// settings params added to the activation's parameters, and returns its
// result and the local file it was written to (a target of the test's
// own). The rendition map is not changed.
func runRendition(t *testing.T, handler invoke.Handler, source string, rendition, params map[string]any) (api.RenditionResult, string) {
	t.Helper()
	r := map[string]any{}
	for k, v := range rendition {
		r[k] = v
	}
	out := filepath.Join(t.TempDir(), "out."+r["fmt"].(string))
	r["name"], r["target"] = filepath.Base(out), out
	p := map[string]any{"requestId": "r", "source": source, "renditions": []any{r}}
	for k, v := range params {
		p[k] = v
	}
	raw, err := json.Marshal(p)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := handler(ctx, raw)
	require.NoError(t, err)
	rr := res.(*api.WorkerResult).Renditions
	require.Len(t, rr, 1)
	return rr[0], out
}

// testHandlers returns the built-in actions' handlers as Handlers builds
// them, with a transfer client allowing local files and logs discarded;
// o's other fields (TempDir, Parallelism, limits) are kept.
func testHandlers(t testing.TB, o worker.Options) map[string]invoke.Handler {
	t.Helper()
	return testHandlersWith(t, o, image.Options{})
}

// testHandlersWith is testHandlers with the image engine's options.
func testHandlersWith(t testing.TB, o worker.Options, imageOpts image.Options) map[string]invoke.Handler {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tc, err := transfer.New(transfer.Options{AllowLocal: true, Logger: logger})
	require.NoError(t, err)
	o.Transfer, o.Logger = tc, logger
	handlers, err := Handlers(o, imageOpts)
	require.NoError(t, err)
	return handlers
}
