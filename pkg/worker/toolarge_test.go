package worker

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// TestTooLargeRenditionsReportTheirSize checks that every way a made
// rendition is too large ends in one RenditionTooLarge result whose
// metadata has repo:size, the rendition's size, while other upload
// failures carry no metadata.
func TestTooLargeRenditionsReportTheirSize(t *testing.T) {
	refuse := func(code int) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				_, _ = w.Write([]byte("source bytes"))
				return
			}
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(code)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	tooLarge, broken := refuse(http.StatusRequestEntityTooLarge), refuse(http.StatusBadRequest)
	png := pngBytes(t, 60, 40)
	size := int64(len(png))

	multipart := rendition("multi.png", "png", "")
	multipart.Target = api.Target{URLs: []string{tooLarge.URL + "/1", tooLarge.URL + "/2"}, MaxPartSize: size/2 - 1}
	noTarget := rendition("embed.png", "png", "")
	noTarget.EmbedBinaryLimit = int64p(10)
	tests := []struct {
		name      string
		r         api.Rendition
		mod       func(*Options)
		reason    api.Reason
		wantInMsg string
	}{
		{"the target answers 413", rendition("a.png", "png", tooLarge.URL+"/a.png?X-Amz-Signature=s"), nil, api.ReasonRenditionTooLarge, "413"},
		{"a multipart target whose parts cannot hold it", multipart, nil, api.ReasonRenditionTooLarge, "maxPartSize"},
		{"over MaxRenditionBytes", rendition("a.png", "png", tooLarge.URL+"/a.png"), func(o *Options) { o.MaxRenditionBytes = size - 1 }, api.ReasonRenditionTooLarge, "limit"},
		{"over embedBinaryLimit without a target", noTarget, nil, api.ReasonRenditionTooLarge, "embedBinaryLimit"},
		{"another upload failure", rendition("a.png", "png", broken.URL+"/a.png"), nil, api.ReasonGeneric, "400"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := newTestWorker(t, writePNG(t, 60, 40), tc.mod)
			res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: tooLarge.URL + "/src"}, Renditions: []api.Rendition{tc.r}})
			require.Len(t, res.Renditions, 1)
			got := res.Renditions[0]
			assert.Equal(t, api.StatusFailed, got.Status)
			assert.Equal(t, tc.reason, got.Reason)
			assert.Contains(t, got.Message, tc.wantInMsg)
			assert.NotContains(t, got.Message, "X-Amz-Signature")
			if tc.reason != api.ReasonRenditionTooLarge {
				assert.Nil(t, got.Metadata)
				return
			}
			assert.Equal(t, map[string]any{"repo:size": size}, got.Metadata)
		})
	}
}
