package main

import (
	"bytes"
	"context"
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

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// startCommand runs acs with args until the test ends and returns the
// first match of re in its standard output.
func startCommand(t *testing.T, re *regexp.Regexp, args ...string) (string, *testutil.SyncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, nil, &stdout, &stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			assert.Equal(t, exitOK, code, stderr.String())
		case <-time.After(20 * time.Second):
			t.Errorf("acs %s did not stop", args[0])
		}
	})
	var m []string
	require.Eventually(t, func() bool {
		m = re.FindStringSubmatch(stdout.String())
		return m != nil
	}, 20*time.Second, 10*time.Millisecond, "acs %v printed no address: %s", args, stderr.String())
	return m[1], &stderr
}

// devtoolSession reads the page's session token at base (ending in /).
func devtoolSession(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "api/session")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var s struct{ Token string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&s))
	require.NotEmpty(t, s.Token)
	return s.Token
}

// devtoolPost posts v to base+path with the token and decodes the answer.
func devtoolPost(t *testing.T, base, token, path string, v, out any) int {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("X-Devtool-Token", token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
	return resp.StatusCode
}

func TestDevtoolCommandRunsRequestsInProcess(t *testing.T) {
	base, _ := startCommand(t, regexp.MustCompile(`open (http://127\.0\.0\.1:\d+/)`), "devtool", "-addr", "127.0.0.1:0")
	token := devtoolSession(t, base)

	var rn struct {
		Renditions []struct {
			Name, Status, Reason, Message string
			Output                        *struct{ Width, Height int }
		}
	}
	require.Equal(t, http.StatusOK, devtoolPost(t, base, token, "api/runs", map[string]string{"source": "sample-photo.jpg",
		"request": `{"renditions": [{"name": "a.png", "fmt": "png", "width": 96},
			{"name": "w.png", "fmt": "png", "width": 96, "watermark": {"image": "https://127.0.0.1:9/w.png"}}]}`}, &rn))
	require.Len(t, rn.Renditions, 2)
	assert.Equal(t, "created", rn.Renditions[0].Status, rn.Renditions[0].Message)
	require.NotNil(t, rn.Renditions[0].Output)
	assert.Equal(t, 96, rn.Renditions[0].Output.Width)
	// Without -local, a URL in the request cannot reach this machine.
	assert.Equal(t, "failed", rn.Renditions[1].Status)
	assert.Contains(t, rn.Renditions[1].Message, "127.0.0.1 is not a public address")

	var p struct{ Reason string }
	assert.Equal(t, http.StatusBadRequest, devtoolPost(t, base, token, "api/sources/url", map[string]string{"url": base + "app.css"}, &p))
	assert.Equal(t, "SourceUnsupported", p.Reason)
}

func TestDevtoolCommandRemovesItsDirectory(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr testutil.SyncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"devtool", "-addr", "127.0.0.1:0"}, nil, &stdout, &stderr) }()
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), "open http://") }, 20*time.Second, 10*time.Millisecond)
	dirs, _ := filepath.Glob(filepath.Join(tmp, "acs-devtool-*"))
	require.Len(t, dirs, 1, "the page keeps its files in one private directory")
	info, err := os.Stat(dirs[0])
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitOK, code)
	case <-time.After(20 * time.Second):
		t.Fatal("acs devtool did not stop")
	}
	_, err = os.Stat(dirs[0])
	assert.True(t, os.IsNotExist(err), "removed on exit")
}

func TestDevtoolCommandNeedsAnAuthKeyOffLoopback(t *testing.T) {
	t.Setenv(devtoolAuthEnv, "")
	var out, errb bytes.Buffer
	assert.Equal(t, exitInvalid, run(context.Background(), []string{"devtool", "-addr", "0.0.0.0:0"}, nil, &out, &errb))
	assert.Contains(t, errb.String(), "auth key")
	assert.Equal(t, exitInvalid, run(context.Background(), []string{"devtool", "extra"}, nil, &out, &errb))
}

func TestServeMountsTheDevtool(t *testing.T) {
	apiHost, _ := startCommand(t, regexp.MustCompile(`APIHOST=(\S+)`), "serve", "--addr", "127.0.0.1:0")
	token := devtoolSession(t, apiHost+"/devtool/")
	var v struct {
		OK     bool
		Errors []struct{ Path string }
	}
	require.Equal(t, http.StatusOK, devtoolPost(t, apiHost+"/devtool/", token, "api/validate", map[string]string{"request": `{"renditions": [{"fmt": "png", "quality": 50}]}`}, &v))
	assert.False(t, v.OK)
	require.Len(t, v.Errors, 1)
	assert.Equal(t, "renditions[0].quality", v.Errors[0].Path)
	resp, err := http.Get(apiHost + "/devtool/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")
}
