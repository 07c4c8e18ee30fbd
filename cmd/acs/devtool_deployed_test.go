package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/workertest"
)

// actionZipOf builds the action in actions/name and zips it as exec.
func actionZipOf(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	exe, err := workertest.Build(ctx, filepath.Join("..", "..", "actions", name), filepath.Join(t.TempDir(), name))
	require.NoError(t, err)
	b, err := os.ReadFile(exe)
	require.NoError(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "exec", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// putEntity creates an entity of the controller at apiHost.
func putEntity(t *testing.T, apiHost, key, path string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPut, apiHost+"/api/v1/namespaces/guest/"+path+"?overwrite=true", bytes.NewReader(b))
	require.NoError(t, err)
	user, pass, _ := strings.Cut(key, ":")
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, path)
}

// The page of acs serve runs a request on the deployed process action,
// which fans it out to the deployed thumbnail action, and shows the
// renditions and the activations' logs.
func TestServeDevtoolRunsOnDeployedActions(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the action binaries")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	process, thumbnail := actionZipOf(t, ctx, "process"), actionZipOf(t, ctx, "thumbnail")

	const key = "2b6d1c1e-7f3a-4c55-9a0e-0d6f2f6b1c11:devtoolkey"
	apiHost, _ := startCommand(t, regexp.MustCompile(`APIHOST=(\S+)`), "serve", "--addr", "127.0.0.1:0", "--auth", key,
		"--action-env", "ACS_ALLOW_LOCAL=true", "--action-env", "ACS_ACTION_PREFIX=asset-compute/")
	base := apiHost + "/devtool/"
	token := devtoolSession(t, base)
	type view struct {
		Logs       []string
		Renditions []struct {
			Name, Status, Reason, Message string
			Output                        *struct{ Width, Height int }
		}
	}
	request := `{"renditions": [{"name": "a.png", "fmt": "png", "width": 80}, {"name": "b.jpg", "fmt": "jpg", "width": 120, "quality": 60}]}`

	// Nothing deployed yet: each rendition fails, naming the action.
	var rn view
	require.Equal(t, http.StatusOK, devtoolPost(t, base, token, "api/runs", map[string]string{"source": "sample-photo.jpg", "request": request, "with": "deployed"}, &rn))
	require.Len(t, rn.Renditions, 2)
	for _, r := range rn.Renditions {
		assert.Equal(t, "failed", r.Status)
		assert.Equal(t, "GenericError", r.Reason)
		assert.Contains(t, r.Message, "asset-compute/process")
	}

	putEntity(t, apiHost, key, "packages/asset-compute", map[string]any{})
	putEntity(t, apiHost, key, "actions/asset-compute/process", map[string]any{
		"exec":        map[string]any{"kind": "blackbox", "code": process, "binary": true},
		"annotations": []map[string]any{{"key": "provide-api-key", "value": true}}})
	putEntity(t, apiHost, key, "actions/asset-compute/thumbnail", map[string]any{
		"exec": map[string]any{"kind": "blackbox", "code": thumbnail, "binary": true}})

	require.Equal(t, http.StatusOK, devtoolPost(t, base, token, "api/runs", map[string]string{"source": "sample-photo.jpg", "request": request, "with": "deployed"}, &rn))
	require.Len(t, rn.Renditions, 2)
	for i, want := range [][2]int{{80, 53}, {120, 80}} {
		r := rn.Renditions[i]
		require.Equal(t, "created", r.Status, "%s: %s %s", r.Name, r.Reason, r.Message)
		require.NotNil(t, r.Output)
		assert.Equal(t, want, [2]int{r.Output.Width, r.Output.Height}, r.Name)
	}
	logs := strings.Join(rn.Logs, "\n")
	assert.Contains(t, logs, "of process", "the process activation's logs")
	assert.Contains(t, logs, "of thumbnail", "the worker activation's logs")
}
