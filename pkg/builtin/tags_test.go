package builtin

import (
	"bytes"
	"context"
	"encoding/json"
	stdimage "image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/analysis"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// tagsSecret is the provider key the tests configure: it must never reach
// a rendition, an event or a log.
const tagsSecret = "sk-live-TAGS-SECRET-0042"

// tagHandlers builds the actions in local mode (loopback allowed, as for
// `acs process`), logging into logs.
func tagHandlers(t *testing.T, logs io.Writer) map[string]invoke.Handler {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tc, err := transfer.New(transfer.Options{AllowLocal: true, AllowHTTP: true, AllowPrivateNetworks: true, Logger: logger})
	require.NoError(t, err)
	handlers, err := Handlers(worker.Options{Transfer: tc, Logger: logger, TempDir: t.TempDir()}, image.Options{})
	require.NoError(t, err)
	return handlers
}

// runBatch runs renditions (each given a local target in a new
// directory) in one activation, and returns the results and the output
// paths.
func runBatch(t *testing.T, handler invoke.Handler, source string, params map[string]any, renditions ...map[string]any) ([]api.RenditionResult, []string) {
	t.Helper()
	dir := t.TempDir()
	var rs []any
	var outs []string
	for i, r := range renditions {
		out := filepath.Join(dir, string(rune('a'+i))+"."+r["fmt"].(string))
		r["name"], r["target"] = filepath.Base(out), out
		rs = append(rs, r)
		outs = append(outs, out)
	}
	p := map[string]any{"requestId": "r", "source": source, "renditions": rs}
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
	require.Len(t, rr, len(renditions))
	return rr, outs
}

// redBlue writes a 1200x600 picture, red on the left 70 %, blue on the
// right.
func redBlue(t *testing.T) string {
	img := stdimage.NewNRGBA(stdimage.Rect(0, 0, 1200, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 1200; x++ {
			c := color.NRGBA{220, 0, 0, 255}
			if x >= 840 {
				c = color.NRGBA{0, 0, 230, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return writeImage(t, t.TempDir(), "redblue.png", img, 0)
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// tagServer is the example-tagger contract: it checks it gets a small
// JPEG, not the source, and answers labels.
func tagServer(t *testing.T, calls *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		assert.Equal(t, "Bearer "+tagsSecret, r.Header.Get("Authorization"))
		assert.Equal(t, "image/jpeg", r.Header.Get("Content-Type"))
		body, _ := io.ReadAll(r.Body)
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(body))
		if assert.NoError(t, err, "the provider gets a JPEG") {
			assert.LessOrEqual(t, max(cfg.Width, cfg.Height), analysis.MaxSide, "a bounded picture, not the source")
		}
		io.WriteString(w, `{"labels":[{"name":"Flag","score":0.95},{"name":"Banner","score":0.7},{"name":"cat","score":0.4},{"name":"Red","score":0.9}],"focus":{"x":0,"y":0,"w":10,"h":10}}`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAnalysisTags(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	handlers := tagHandlers(t, logs)
	thumb := handlers[ThumbnailAction]
	source := redBlue(t)

	t.Run("local tags without a provider", func(t *testing.T) {
		rr, outs := runBatch(t, thumb, source, nil, map[string]any{"fmt": "analysis", "features": []string{"tags"}})
		require.Equal(t, api.StatusCreated, rr[0].Status, rr[0].Message)
		rep := readJSON(t, outs[0])
		assert.Equal(t, []any{"red", "blue"}, rep["acs-ai:tags"])
		assert.Equal(t, []any{1.0, 1.0}, rep["acs-ai:tagConfidences"])
		assert.Equal(t, []any{"colour", "colour"}, rep["acs-ai:tagSources"])
		assert.Equal(t, []any{"tags"}, rep["acs-ai:features"])
		assert.NotContains(t, rep, "acs-ai:colours", "colours were not asked for")
		assert.NotContains(t, rep, "acs-ai:tagProvider")
	})

	t.Run("provider tags merged with the local ones", func(t *testing.T) {
		var calls atomic.Int32
		srv := tagServer(t, &calls)
		params := map[string]any{"taggingProvider": "http", "taggingEndpoint": srv.URL + "/tag?token=abc", "taggingKey": tagsSecret}
		rr, outs := runBatch(t, thumb, source, params,
			map[string]any{"fmt": "analysis", "features": []string{"colours", "tags"}, "threshold": 0.6, "maxTags": 4},
			map[string]any{"fmt": "machine-metadata-json", "analysis": []string{"tags"}, "threshold": 0.6, "maxTags": 4},
			map[string]any{"fmt": "xmp", "analysis": []string{"tags"}, "threshold": 0.6, "maxTags": 4})
		for _, r := range rr {
			require.Equal(t, api.StatusCreated, r.Status, r.Message)
		}
		assert.Equal(t, int32(1), calls.Load(), "one provider call for the renditions of an activation")
		rep := readJSON(t, outs[0])
		assert.Equal(t, []any{"red", "blue", "flag", "banner"}, rep["acs-ai:tags"])
		assert.Equal(t, []any{1.0, 1.0, 0.95, 0.7}, rep["acs-ai:tagConfidences"])
		assert.Equal(t, []any{"colour", "colour", "http", "http"}, rep["acs-ai:tagSources"])
		assert.Equal(t, "http", rep["acs-ai:tagProvider"])
		assert.Contains(t, rep, "acs-ai:colours")

		md := readJSON(t, outs[1])
		assert.Equal(t, []any{"red", "blue", "flag", "banner"}, md["dc:subject"])
		assert.Equal(t, []any{"red", "blue", "flag", "banner"}, md["acs-ai:tags"])
		assert.Equal(t, []any{1.0, 1.0, 0.95, 0.7}, md["acs-ai:tagConfidences"])
		assert.Equal(t, "image/png", md["dc:format"], "the source's own metadata is kept")
		assert.EqualValues(t, 1200, md["tiff:ImageWidth"])

		x, err := os.ReadFile(outs[2])
		require.NoError(t, err)
		assert.Contains(t, string(x), `xmlns:acs-ai="http://ns.assetcompute.io/acs-ai/1.0/"`)
		assert.Contains(t, string(x), "<rdf:li>banner</rdf:li>")
		assert.Contains(t, string(x), "<acs-ai:tagConfidences>")
		assert.Equal(t, "application/rdf+xml", rr[2].Metadata["dc:format"])
	})

	t.Run("tags only when named: the picture stays here otherwise", func(t *testing.T) {
		var calls atomic.Int32
		srv := tagServer(t, &calls)
		params := map[string]any{"taggingProvider": "http", "taggingEndpoint": srv.URL, "taggingKey": tagsSecret}
		rr, outs := runBatch(t, thumb, source, params, map[string]any{"fmt": "analysis"})
		require.Equal(t, api.StatusCreated, rr[0].Status, rr[0].Message)
		rep := readJSON(t, outs[0])
		assert.Zero(t, calls.Load())
		assert.NotContains(t, rep, "acs-ai:tags")
		assert.NotContains(t, rep["acs-ai:features"], "tags")
		assert.Contains(t, rep, "acs-ai:colourTags")
	})

	t.Run("misconfigured provider: local features still succeed", func(t *testing.T) {
		params := map[string]any{"taggingProvider": "google-vision"}
		rr, outs := runBatch(t, thumb, source, params,
			map[string]any{"fmt": "analysis", "features": []string{"colours", "hashes", "tags"}},
			map[string]any{"fmt": "jpg", "width": 100})
		require.Equal(t, api.StatusCreated, rr[0].Status, rr[0].Message)
		require.Equal(t, api.StatusCreated, rr[1].Status, rr[1].Message)
		rep := readJSON(t, outs[0])
		assert.Equal(t, []any{"red", "blue"}, rep["acs-ai:tags"])
		assert.Contains(t, rep, "acs-ai:pHash")
		assert.Equal(t, "google-vision", rep["acs-ai:tagProvider"])
		assert.Equal(t, "GenericError", rep["acs-ai:tagProviderReason"])
		assert.Contains(t, rep["acs-ai:tagProviderError"], "set taggingKey (an API key) or taggingToken")
		assert.Contains(t, rr[0].Metadata["acs:warnings"], "tags: "+rep["acs-ai:tagProviderError"].(string))
		keys, err := os.ReadFile(filepath.Join("..", "meta", "KEYS.md"))
		require.NoError(t, err)
		for k := range rep {
			assert.Contains(t, string(keys), "| `"+k+"` |", "KEYS.md does not document %s", k)
		}
	})

	t.Run("a key echoed by a failing provider is never shown", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":{"message":"key `+r.Header.Get("Authorization")+` is not valid"}}`)
		}))
		defer srv.Close()
		params := map[string]any{"taggingProvider": "http", "taggingEndpoint": srv.URL, "taggingKey": tagsSecret}
		rr, outs := runBatch(t, thumb, source, params, map[string]any{"fmt": "analysis", "features": []string{"tags"}})
		require.Equal(t, api.StatusCreated, rr[0].Status, rr[0].Message)
		rep, err := os.ReadFile(outs[0])
		require.NoError(t, err)
		event, err := json.Marshal(rr[0])
		require.NoError(t, err)
		assert.Contains(t, string(rep), "check taggingKey")
		assert.Contains(t, string(rep), "(redacted)")
		for _, text := range []string{string(rep), string(event), logs.String()} {
			assert.NotContains(t, text, tagsSecret)
		}
	})
}

func TestMetadataActionRefusesMergedAnalysis(t *testing.T) {
	t.Parallel()
	handlers := tagHandlers(t, io.Discard)
	rr, outs := runBatch(t, handlers[MetadataAction], redBlue(t), nil, map[string]any{"fmt": "xmp", "analysis": []string{"colours"}})
	assert.Equal(t, api.StatusFailed, rr[0].Status)
	assert.Equal(t, api.ReasonGeneric, rr[0].Reason)
	assert.True(t, strings.Contains(rr[0].Message, "thumbnail action"), rr[0].Message)
	assert.NoFileExists(t, outs[0])
}
