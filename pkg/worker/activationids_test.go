package worker

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/logctx"
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
