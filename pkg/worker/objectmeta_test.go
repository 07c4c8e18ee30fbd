package worker

import (
	"context"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

// recordingTransfer serves a fixed source and records each Put's options
// by target URL.
type recordingTransfer struct {
	mu   sync.Mutex
	puts map[string]transfer.PutOptions
}

func (r *recordingTransfer) Fetch(_ context.Context, _ api.Source, dir string) (*transfer.Fetched, error) {
	p := dir + ".bin"
	if err := os.WriteFile(p, []byte("source bytes"), 0o600); err != nil {
		return nil, err
	}
	return &transfer.Fetched{Path: p, Size: 12}, nil
}

func (r *recordingTransfer) Put(_ context.Context, target api.Target, _ string, opts transfer.PutOptions) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.puts[target.URL] = opts
	return nil
}

func TestUploadsCarryRequestAndRenditionMetadata(t *testing.T) {
	tests := []struct {
		name      string
		requestID string
		batch     bool
		want      map[string]map[string]string // by target URL
	}{
		{"one function per rendition", "se-0123", false, map[string]map[string]string{
			"s3://b/r/a.png": {api.ObjectMetaRequestID: "se-0123", api.ObjectMetaRendition: "a.png"},
			"s3://b/r/b.png": {api.ObjectMetaRequestID: "se-0123", api.ObjectMetaRendition: "b.png"},
		}},
		{"batch function", "req-9", true, map[string]map[string]string{
			"s3://b/r/a.png": {api.ObjectMetaRequestID: "req-9", api.ObjectMetaRendition: "a.png"},
			"s3://b/r/b.png": {api.ObjectMetaRequestID: "req-9", api.ObjectMetaRendition: "b.png"},
		}},
		{"no requestId: only the rendition name", "", false, map[string]map[string]string{
			"s3://b/r/a.png": {api.ObjectMetaRendition: "a.png"},
			"s3://b/r/b.png": {api.ObjectMetaRendition: "b.png"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := &recordingTransfer{puts: map[string]transfer.PutOptions{}}
			opts := Options{Transfer: tr, TempDir: t.TempDir(), Logger: quiet}
			var (
				w   *Worker
				err error
			)
			if tc.batch {
				one := writePNG(t, 8, 8)
				w, err = NewBatch(func(ctx context.Context, src *Source, rs []*Rendition) []error {
					errs := make([]error, len(rs))
					for i, r := range rs {
						errs[i] = one(ctx, src, r)
					}
					return errs
				}, opts)
			} else {
				w, err = New(writePNG(t, 8, 8), opts)
			}
			require.NoError(t, err)
			res := w.Process(context.Background(), &api.WorkerRequest{
				RequestID: tc.requestID,
				Source:    api.Source{URL: "s3://b/in.png"},
				Renditions: []api.Rendition{
					rendition("a.png", "png", "s3://b/r/a.png"),
					rendition("b.png", "png", "s3://b/r/b.png"),
				},
			})
			for _, r := range res.Renditions {
				require.Equal(t, api.StatusCreated, r.Status, r.Message)
			}
			got := map[string]map[string]string{}
			for url, o := range tr.puts {
				assert.Equal(t, "image/png", o.ContentType)
				got[url] = o.Metadata
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestRenditionMetadataStoredInS3: through a real transfer client, an s3://
// rendition ends up with x-amz-meta-acs-request-id and acs-rendition, which
// Client.Stat reads back.
func TestRenditionMetadataStoredInS3(t *testing.T) {
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("assets"))
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	client, err := transfer.New(transfer.Options{
		AllowLocal: true, AllowHTTP: true, AllowPrivateNetworks: true, Attempts: 1, Logger: quiet,
		S3: transfer.S3Options{Endpoint: srv.URL, Region: "us-east-1", PathStyle: true, AccessKeyID: "AKIATEST", SecretAccessKey: "secret"},
	})
	require.NoError(t, err)
	w, err := New(writePNG(t, 10, 10), Options{Transfer: client, TempDir: t.TempDir(), Logger: quiet})
	require.NoError(t, err)

	src := "data:text/plain;base64,aGVsbG8="
	res := w.Process(context.Background(), &api.WorkerRequest{
		RequestID:  "se-abc",
		Source:     api.Source{URL: src},
		Renditions: []api.Rendition{rendition("thumb é.png", "png", "s3://assets/renditions/x.jpg/thumb é.png")},
	})
	require.Equal(t, api.StatusCreated, res.Renditions[0].Status, res.Renditions[0].Message)

	info, err := client.Stat(context.Background(), "s3://assets/renditions/x.jpg/thumb é.png")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"acs-request-id": "se-abc", "acs-rendition": "thumb é.png"}, info.Metadata)
	assert.Equal(t, res.Renditions[0].Metadata["repo:size"], info.Size)
}
