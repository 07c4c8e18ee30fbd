package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// TestActionThroughRuntimeProtocol builds the real thumbnail action, zips it
// with exec.env as OpenWhisk expects, and drives it through /init and /run
// as the OpenWhisk Go runtime does.
func TestActionThroughRuntimeProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the action binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "exec")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	zip, err := owaction.ZipAction(bin, "openwhisk/action-golang-v1.24")
	require.NoError(t, err)

	// A storage stand-in: serves the source and records the upload.
	source, err := os.ReadFile(filepath.Join("..", "..", "examples", "samples", "portrait-rotated.jpg"))
	require.NoError(t, err)
	var mu sync.Mutex
	uploaded := map[string][]byte{}
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			_, _ = w.Write(source)
		case http.MethodPut:
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			uploaded[r.URL.Path] = b
			mu.Unlock()
		}
	}))
	defer storage.Close()

	proxy := owaction.NewProxy(owaction.ProxyOptions{ExecutionEnv: "openwhisk/action-golang-v1.24"})
	runtime := httptest.NewServer(proxy)
	defer runtime.Close()

	initBody, _ := json.Marshal(map[string]any{"value": map[string]any{
		"code": base64.StdEncoding.EncodeToString(zip), "binary": true, "main": "main",
		// The storage stand-in listens on loopback, which production refuses.
		"env": map[string]string{"ACS_ALLOW_HTTP": "true", "ACS_ALLOW_PRIVATE_NETWORKS": "true"},
	}})
	resp, err := http.Post(runtime.URL+"/init", "application/json", bytes.NewReader(initBody))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	call := func(params api.WorkerRequest) api.WorkerResult {
		runBody, _ := json.Marshal(map[string]any{
			"value": params, "activation_id": "a1", "action_name": "/guest/acs/thumbnail", "namespace": "guest",
			"deadline": strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10),
		})
		resp, err := http.Post(runtime.URL+"/run", "application/json", bytes.NewReader(runBody))
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
		var res api.WorkerResult
		require.NoError(t, json.Unmarshal(body, &res), string(body))
		return res
	}

	width := 120
	res := call(api.WorkerRequest{RequestID: "r1", Source: api.Source{URL: storage.URL + "/in/portrait.jpg"},
		Renditions: []api.Rendition{{Name: "t.png", Fmt: "png", Width: &width, Target: api.Target{URL: storage.URL + "/out/t.png?sig=x"}}}})
	require.Len(t, res.Renditions, 1)
	require.Equal(t, api.StatusCreated, res.Renditions[0].Status, res.Renditions[0].Message)
	cfg, format, err := image.DecodeConfig(bytes.NewReader(uploaded["/out/t.png"]))
	require.NoError(t, err)
	assert.Equal(t, "png", format)
	assert.Equal(t, [2]int{120, 160}, [2]int{cfg.Width, cfg.Height}, "EXIF orientation applied, aspect kept")

	// A watermark image is fetched through the action's transfer client,
	// under the same rules as the source (here the same stand-in).
	res = call(api.WorkerRequest{RequestID: "r3", Source: api.Source{URL: storage.URL + "/in/portrait.jpg"},
		Renditions: []api.Rendition{{Name: "w.jpg", Fmt: "jpg", Width: &width, Target: api.Target{URL: storage.URL + "/out/w.jpg"},
			Watermark: &api.Watermark{Image: storage.URL + "/in/logo.jpg", Scale: 0.5}, Interlace: true}}})
	require.Len(t, res.Renditions, 1)
	require.Equal(t, api.StatusCreated, res.Renditions[0].Status, res.Renditions[0].Message)
	cfg, format, err = image.DecodeConfig(bytes.NewReader(uploaded["/out/w.jpg"]))
	require.NoError(t, err)
	assert.Equal(t, "jpeg", format)
	assert.Equal(t, [2]int{120, 160}, [2]int{cfg.Width, cfg.Height})

	// The same warm process serves another activation, and a bad source
	// fails its rendition instead of the process.
	res = call(api.WorkerRequest{RequestID: "r2", Source: api.Source{URL: "ftp://example.com/x.jpg"},
		Renditions: []api.Rendition{{Name: "t.png", Fmt: "png", Target: api.Target{URL: storage.URL + "/out/t2.png"}}}})
	require.Len(t, res.Renditions, 1)
	assert.Equal(t, api.ReasonSourceUnsupported, res.Renditions[0].Reason)
}
