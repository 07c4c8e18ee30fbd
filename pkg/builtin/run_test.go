package builtin

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
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
