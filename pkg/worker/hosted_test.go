package worker

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/logctx"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// Each result names the activation that made it, for the event's
// activationIds; outside an activation there is none.
func TestResultsNameTheActivation(t *testing.T) {
	srv := newPutServer(t)
	w, _ := newTestWorker(t, writePNG(t, 4, 4), nil)
	rs := []api.Rendition{rendition("a.png", "png", srv.URL+"/a.png"), rendition("b.bmp", "bmp", srv.URL+"/b.bmp")}
	ctx := logctx.WithActivationID(context.Background(), "0123abcd")
	res := w.Process(ctx, &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"}, Renditions: rs})
	require.Len(t, res.Renditions, 2)
	for _, r := range res.Renditions {
		assert.Equal(t, []string{"0123abcd"}, r.ActivationIDs, "%s (%s)", r.Name, r.Status)
	}
	res = w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"}, Renditions: rs[:1]})
	assert.Nil(t, res.Renditions[0].ActivationIDs)
}

// An embedded text rendition is a data: URI without a space in its media
// type (RFC 2397), which the transfer client reads back as a source.
func TestEmbeddedMediaTypeHasNoSpace(t *testing.T) {
	srv := newPutServer(t)
	w, _ := newTestWorker(t, func(_ context.Context, _ *Source, r *Rendition) error {
		return os.WriteFile(r.Path, []byte("héllo"), 0o644)
	}, nil)
	r := rendition("a.txt", "text", "")
	r.EmbedBinaryLimit = int64p(1000)
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"}, Renditions: []api.Rendition{r}})
	require.Equal(t, api.StatusCreated, res.Renditions[0].Status, res.Renditions[0].Message)
	data := res.Renditions[0].Data
	assert.True(t, strings.HasPrefix(data, "data:text/plain;charset=utf-8;base64,"), data)
	assert.NotContains(t, data, " ")

	client, err := transfer.New(transfer.Options{Logger: quiet})
	require.NoError(t, err)
	f, err := client.Fetch(context.Background(), api.Source{URL: data}, t.TempDir())
	require.NoError(t, err)
	back, err := os.ReadFile(f.Path)
	require.NoError(t, err)
	assert.Equal(t, "héllo", string(back))
	assert.Equal(t, "text/plain;charset=utf-8", f.ContentType)
}
