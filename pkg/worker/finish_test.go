package worker

import (
	"context"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// settingMetadata returns a function that writes a small output and sets
// one metadata key.
func settingMetadata(key string, value any) RenditionFunc {
	return func(_ context.Context, _ *Source, r *Rendition) error {
		r.Metadata[key] = value
		return os.WriteFile(r.Path, []byte("output"), 0o644)
	}
}

func TestBadMetadataFailsItsRenditionWithoutUploading(t *testing.T) {
	srv := newPutServer(t)
	cases := []struct {
		name  string
		key   string
		value any
		msg   string
	}{
		{"dc:format a number", "dc:format", 42, `rendition metadata dc:format must be a media type string such as "image/png", got 42 (int)`},
		{"dc:format a list", "dc:format", []string{"image/png"}, "dc:format must be a media type string"},
		{"dc:format not a media type", "dc:format", "png", `got "png" (string)`},
		{"dc:format with a header break", "dc:format", "image/png\r\nX-Evil: 1", "dc:format must be a media type string"},
		{"dc:format nil", "dc:format", nil, "got null"},
		{"repo:size a string", "repo:size", "12", `repo:size must be an integer of at least 0, got "12" (string)`},
		{"repo:size negative", "repo:size", -1, "got -1 (int)"},
		{"repo:size a fraction", "repo:size", 1.5, "got 1.5 (float64)"},
		{"repo:sha1 a number", "repo:sha1", 7, "repo:sha1 must be a string"},
		{"tiff:imageWidth a string", "tiff:imageWidth", "40", "tiff:imageWidth must be an integer"},
		{"tiff:imageHeight NaN", "tiff:imageHeight", math.NaN(), "tiff:imageHeight must be an integer"},
		{"repo:encoding a bool", "repo:encoding", true, "repo:encoding must be a string"},
		{"a func", "acme:callback", func() {}, "rendition metadata acme:callback cannot be written as JSON (a value of type func())"},
		{"a channel", "acme:queue", make(chan int), "acme:queue cannot be written as JSON"},
		{"an infinity", "acme:score", math.Inf(1), "acme:score cannot be written as JSON (+Inf (float64))"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := newTestWorker(t, settingMetadata(tc.key, tc.value), nil)
			before := srv.uploads.Load()
			res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"},
				Renditions: []api.Rendition{
					rendition("bad.bin", "", srv.URL+"/bad"),
					{Name: "embedded.bin", EmbedBinaryLimit: int64p(1000)},
				}})
			require.Len(t, res.Renditions, 2)
			for _, r := range res.Renditions {
				assert.Equal(t, api.StatusFailed, r.Status)
				assert.Equal(t, api.ReasonGeneric, r.Reason)
				assert.Contains(t, r.Message, tc.msg)
				assert.Empty(t, r.Data)
			}
			assert.Equal(t, before, srv.uploads.Load(), "a rendition with bad metadata is not uploaded")
		})
	}
}

func TestGoodMetadataOverridesTheLifecycle(t *testing.T) {
	srv := newPutServer(t)
	fn := func(_ context.Context, _ *Source, r *Rendition) error {
		r.Metadata["dc:format"] = "application/vnd.acme+json; charset=utf-8"
		r.Metadata["tiff:imageWidth"] = int64(640)
		r.Metadata["tiff:imageHeight"] = 480.0
		r.Metadata["repo:encoding"] = "utf-8"
		r.Metadata["acme:tags"] = map[string]any{"labels": []string{"cat"}}
		return os.WriteFile(r.Path, []byte(`{"labels":["cat"]}`), 0o644)
	}
	w, _ := newTestWorker(t, fn, nil)
	res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"},
		Renditions: []api.Rendition{rendition("tags.json", "", srv.URL+"/tags")}})
	require.Equal(t, api.StatusCreated, res.Renditions[0].Status, res.Renditions[0].Message)
	assert.Equal(t, "application/vnd.acme+json; charset=utf-8", res.Renditions[0].Metadata["dc:format"])
	srv.mu.Lock()
	defer srv.mu.Unlock()
	assert.Equal(t, "application/vnd.acme+json; charset=utf-8", srv.ctypes["/tags"], "the worker's dc:format is the upload's Content-Type")
}

// panickingTransfer fetches like a real client and panics on Put.
type panickingTransfer struct{ *transfer.Client }

func (panickingTransfer) Put(context.Context, api.Target, string, transfer.PutOptions) error {
	panic("the storage client panicked")
}

func TestPanicWhileFinishingFailsOnlyThatRendition(t *testing.T) {
	srv := newPutServer(t)
	client, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 1, Logger: quiet})
	require.NoError(t, err)
	for _, batch := range []bool{false, true} {
		opts := Options{Transfer: panickingTransfer{client}, TempDir: t.TempDir(), Logger: quiet}
		write := func(r *Rendition) error { return os.WriteFile(r.Path, []byte("output"), 0o644) }
		var w *Worker
		if batch {
			w, err = NewBatch(func(_ context.Context, _ *Source, rs []*Rendition) []error {
				errs := make([]error, len(rs))
				for i, r := range rs {
					errs[i] = write(r)
				}
				return errs
			}, opts)
		} else {
			w, err = New(func(_ context.Context, _ *Source, r *Rendition) error { return write(r) }, opts)
		}
		require.NoError(t, err)
		res := w.Process(context.Background(), &api.WorkerRequest{Source: api.Source{URL: srv.URL + "/src"},
			Renditions: []api.Rendition{
				rendition("uploaded.txt", "text", srv.URL+"/up"),
				{Name: "embedded.txt", Fmt: "text", EmbedBinaryLimit: int64p(1000)},
			}})
		require.Len(t, res.Renditions, 2)
		assert.Equal(t, api.StatusFailed, res.Renditions[0].Status, "batch=%v", batch)
		assert.Equal(t, api.ReasonGeneric, res.Renditions[0].Reason)
		assert.Contains(t, res.Renditions[0].Message, `worker failed while finishing rendition "uploaded.txt": panic: the storage client panicked`)
		assert.Equal(t, api.StatusCreated, res.Renditions[1].Status, "the batch-mate that needs no upload is made, batch=%v", batch)
	}
}
