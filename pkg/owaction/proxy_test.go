package owaction_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

const testExecEnv = "assetcompute/action-test-v1"

type proxyFixture struct {
	url   string
	proxy *owaction.Proxy
	log   *testutil.SyncBuffer
}

// newProxy serves a Proxy with opts from an httptest server. The action log
// goes to fixture.log unless opts sets its own.
func newProxy(t *testing.T, opts owaction.ProxyOptions) *proxyFixture {
	t.Helper()
	log := &testutil.SyncBuffer{}
	if opts.Process.Log == nil {
		opts.Process.Log = log
	}
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	p := owaction.NewProxy(opts)
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.Close()
		_ = p.Close()
	})
	return &proxyFixture{url: srv.URL, proxy: p, log: log}
}

func (f *proxyFixture) post(t *testing.T, path string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(f.url+path, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// assertLogContains checks that the action log soon contains s: the log
// is copied from pipes and may arrive after the result.
func (f *proxyFixture) assertLogContains(t *testing.T, s, msg string) {
	t.Helper()
	assert.Eventually(t, func() bool { return strings.Contains(f.log.String(), s) }, 5*time.Second, 10*time.Millisecond,
		"%s: %q not in the log:\n%s", msg, s, f.log.String())
}

// init posts an /init with zip and env.
func (f *proxyFixture) init(t *testing.T, zip []byte, env map[string]any) (int, []byte) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"value": map[string]any{
		"code": base64.StdEncoding.EncodeToString(zip), "binary": true, "main": "main", "env": env,
	}})
	require.NoError(t, err)
	return f.post(t, "/init", body)
}

// initTestAction initialises the proxy with the test action and checks it
// succeeded.
func (f *proxyFixture) initTestAction(t *testing.T, env map[string]any) {
	t.Helper()
	status, body := f.init(t, testActionZip(t), env)
	require.Equal(t, http.StatusOK, status, "init: %s", body)
	assert.JSONEq(t, `{"ok":true}`, string(body))
}

// run posts a /run with params as value and the given activation fields.
func (f *proxyFixture) run(t *testing.T, params any, fields map[string]string) (int, []byte) {
	t.Helper()
	msg := map[string]any{"value": params}
	for k, v := range fields {
		msg[k] = v
	}
	body, err := json.MarshalIndent(msg, "", "  ") // the harness must make it one line
	require.NoError(t, err)
	return f.post(t, "/run", body)
}

// errorText decodes a proxy error answer {"error": "..."}.
func errorText(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "body: %s", body)
	return e.Error
}

// actionError decodes an action error result {"error": "...",
// "errorDetail": {"reason", "message"}}.
func actionError(t *testing.T, body []byte) (reason, message string) {
	t.Helper()
	var e struct {
		Error  string `json:"error"`
		Detail struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"errorDetail"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "body: %s", body)
	assert.Equal(t, e.Detail.Message, e.Error, "body: %s", body)
	return e.Detail.Reason, e.Detail.Message
}

type zipEntry struct {
	name string
	mode os.FileMode
	data string
}

func makeZip(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write([]byte(e.data))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// scriptZip is an action zip whose exec is a shell script.
func scriptZip(t *testing.T, script string) []byte {
	return makeZip(t,
		zipEntry{"exec", 0o755, script},
		zipEntry{"exec.env", 0o644, testExecEnv},
	)
}

func TestProxyRunBeforeInit(t *testing.T) {
	t.Parallel()
	f := newProxy(t, owaction.ProxyOptions{})
	status, body := f.run(t, map[string]string{}, nil)
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.Equal(t, "no action defined yet", errorText(t, body))
}

// TestProxyServesTheTestAction walks one proxy through the life of an
// action, in order: each subtest relies on the state the previous ones left.
// Sharing one action keeps the suite fast under the race detector.
func TestProxyServesTheTestAction(t *testing.T) {
	t.Parallel()
	testActionExec(t) // built here, or the test skipped in -short mode, before the subtests share it
	f := newProxy(t, owaction.ProxyOptions{
		ExecutionEnv: testExecEnv,
		Env:          map[string]string{"__OW_API_HOST": "https://ow.example"},
		Process:      owaction.ProcessOptions{MaxResultBytes: 16 << 20},
		RunTimeout:   20 * time.Second,
	})

	t.Run("inits only once", func(t *testing.T) {
		f.initTestAction(t, map[string]any{"STRING_VAR": "v", "NUMBER_VAR": 3, "OBJECT_VAR": map[string]int{"a": 1}})
		status, body := f.init(t, []byte("any zip"), nil) // refused before it is read, as in the runtime
		assert.Equal(t, http.StatusForbidden, status)
		assert.Equal(t, "Cannot initialize the action more than once.", errorText(t, body))
	})

	t.Run("runs with the activation environment and nothing else", func(t *testing.T) {
		deadline := time.Now().Add(time.Minute).UnixMilli()
		status, body := f.run(t, map[string]any{"mode": "echo", "n": 1}, map[string]string{
			"activation_id":  "act-1",
			"action_name":    "/ns/thumbnail",
			"namespace":      "ns",
			"api_key":        "user:pass",
			"transaction_id": "tx-1",
			"deadline":       fmt.Sprint(deadline),
		})
		require.Equal(t, http.StatusOK, status, "%s", body)
		var got struct {
			Params      map[string]any    `json:"params"`
			Env         map[string]string `json:"env"`
			Activation  map[string]any    `json:"activation"`
			CtxDeadline int64             `json:"ctxDeadline"`
		}
		require.NoError(t, json.Unmarshal(body, &got))

		assert.Equal(t, map[string]any{"mode": "echo", "n": float64(1)}, got.Params)
		assert.Equal(t, map[string]string{
			"__OW_ACTIVATION_ID":  "act-1",
			"__OW_ACTION_NAME":    "/ns/thumbnail",
			"__OW_NAMESPACE":      "ns",
			"__OW_API_KEY":        "user:pass",
			"__OW_TRANSACTION_ID": "tx-1",
			"__OW_DEADLINE":       fmt.Sprint(deadline),
			"__OW_API_HOST":       "https://ow.example",
			"__OW_EXECUTION_ENV":  testExecEnv,
			"__OW_WAIT_FOR_ACK":   "1",
			"STRING_VAR":          "v",
			"NUMBER_VAR":          "3",
			"OBJECT_VAR":          `{"a":1}`,
		}, got.Env, "only the __OW_ variables and the init env, no PATH or HOME")
		assert.Equal(t, map[string]any{
			"known": true, "id": "act-1", "actionName": "/ns/thumbnail", "namespace": "ns",
			"apiHost": "https://ow.example", "apiKey": "user:pass",
		}, got.Activation)
		assert.Equal(t, deadline, got.CtxDeadline)

		f.assertLogContains(t, `testaction stdout: mode "echo"`, "stdout reaches the log sink")
		f.assertLogContains(t, `"activationId":"act-1"`, "stderr reaches the log sink")
	})

	t.Run("recovers from a panic and serves the next run", func(t *testing.T) {
		status, body := f.run(t, map[string]string{"mode": "panic"}, nil)
		require.Equal(t, http.StatusOK, status, "%s", body)
		reason, message := actionError(t, body)
		assert.Equal(t, "GenericError", reason)
		assert.Contains(t, message, "testaction: boom")
		f.assertLogContains(t, "goroutine", "the stack is logged")

		status, body = f.run(t, map[string]string{"mode": "scalar"}, nil)
		require.Equal(t, http.StatusOK, status, "the next run still works: %s", body)
		assert.JSONEq(t, `{"result":42}`, string(body), "non-object values come back wrapped")
	})

	t.Run("keeps the reason of an action error", func(t *testing.T) {
		status, body := f.run(t, map[string]string{"mode": "error", "message": "bad JPEG header"}, nil)
		require.Equal(t, http.StatusOK, status, "%s", body)
		assert.JSONEq(t, `{"error":"testaction: bad JPEG header","errorDetail":{"reason":"SourceCorrupt","message":"testaction: bad JPEG header"}}`, string(body))
	})

	t.Run("a deadline 200 ms ahead gives a Timeout error", func(t *testing.T) {
		start := time.Now()
		deadline := start.Add(200 * time.Millisecond).UnixMilli()
		status, body := f.run(t, map[string]string{"mode": "sleep"}, map[string]string{"deadline": fmt.Sprint(deadline)})
		require.Equal(t, http.StatusOK, status, "%s", body)
		reason, message := actionError(t, body)
		assert.Equal(t, "Timeout", reason)
		assert.Contains(t, message, "deadline exceeded")
		assert.Less(t, time.Since(start), 5*time.Second)
	})

	t.Run("echoes a 5 MB line intact", func(t *testing.T) {
		big := strings.Repeat("0123456789abcdef", 5<<20/16)
		status, body := f.run(t, map[string]string{"mode": "echo", "big": big}, nil)
		require.Equal(t, http.StatusOK, status, "%.300s", body)
		var got struct {
			Params map[string]string `json:"params"`
		}
		require.NoError(t, json.Unmarshal(body, &got))
		assert.True(t, got.Params["big"] == big, "the 5 MB parameter comes back intact (%d bytes)", len(got.Params["big"]))
	})

	t.Run("stays dead after the action exits mid-run", func(t *testing.T) {
		status, body := f.run(t, map[string]any{"mode": "exit", "code": 3}, nil)
		assert.Equal(t, http.StatusBadGateway, status)
		assert.Contains(t, errorText(t, body), "exited during the run: exit status 3")

		status, body = f.run(t, map[string]string{"mode": "echo"}, nil)
		assert.Equal(t, http.StatusInternalServerError, status)
		assert.Equal(t, "no action defined yet", errorText(t, body), "as the Go runtime answers")

		status, _ = f.init(t, []byte("any zip"), nil)
		assert.Equal(t, http.StatusForbidden, status, "and it cannot be initialised again")
	})
}

func TestProxyRefusesTooLargeResults(t *testing.T) {
	t.Parallel()
	f := newProxy(t, owaction.ProxyOptions{Process: owaction.ProcessOptions{MaxResultBytes: 1000}})
	long := strings.Repeat("x", 2000)
	script := "#!/bin/sh\necho '{\"ok\":true}' >&3\nwhile read line; do\n" +
		"case \"$line\" in\n*huge*) echo '{\"d\":\"" + long + "\"}' >&3 ;;\n*) echo '{\"d\":\"small\"}' >&3 ;;\nesac\ndone\n"
	status, body := f.init(t, scriptZip(t, script), nil)
	require.Equal(t, http.StatusOK, status, "%s", body)

	status, body = f.run(t, map[string]string{"mode": "huge"}, nil)
	assert.Equal(t, http.StatusBadGateway, status)
	assert.Contains(t, errorText(t, body), "exceeded the allowed length")

	status, body = f.run(t, map[string]string{}, nil)
	require.Equal(t, http.StatusOK, status, "the action keeps serving: %s", body)
	assert.JSONEq(t, `{"d":"small"}`, string(body))
}

func TestProxyRefusesResultsThatAreNotObjects(t *testing.T) {
	t.Parallel()
	f := newProxy(t, owaction.ProxyOptions{})
	z := scriptZip(t, "#!/bin/sh\necho '{\"ok\":true}' >&3\nwhile read line; do echo '[1,2]' >&3; done\n")
	status, body := f.init(t, z, nil)
	require.Equal(t, http.StatusOK, status, "%s", body)

	for range 2 {
		status, body = f.run(t, map[string]string{}, nil)
		assert.Equal(t, http.StatusBadGateway, status)
		assert.Equal(t, "The action did not return a dictionary.", errorText(t, body))
	}
}

func TestProxyInitRefusesBadActions(t *testing.T) {
	t.Parallel()
	execOK := zipEntry{"exec", 0o755, "#!/bin/sh\necho '{\"ok\":true}' >&3\nwhile read line; do echo '{}' >&3; done\n"}
	envOK := zipEntry{"exec.env", 0o644, testExecEnv}
	tests := []struct {
		name       string
		body       []byte // used instead of a zip when set
		zip        []byte
		wantStatus int
		wantError  string
	}{
		{name: "a zip without exec.env", zip: makeZip(t, execOK), wantStatus: http.StatusBadGateway, wantError: "no exec.env"},
		{name: "a zip without exec", zip: makeZip(t, envOK), wantStatus: http.StatusBadGateway, wantError: "no exec file"},
		{name: "exec.env for another runtime", zip: makeZip(t, execOK, zipEntry{"exec.env", 0o644, "openwhisk/action-golang-v1.19"}),
			wantStatus: http.StatusBadGateway, wantError: "execution environment version mismatch"},
		{name: "a path traversal entry", zip: makeZip(t, execOK, envOK, zipEntry{"../../escaped", 0o644, "x"}),
			wantStatus: http.StatusBadGateway, wantError: "outside its root"},
		{name: "an absolute path entry", zip: makeZip(t, execOK, envOK, zipEntry{"/tmp/escaped", 0o644, "x"}),
			wantStatus: http.StatusBadGateway, wantError: "outside its root"},
		{name: "a symbolic link", zip: makeZip(t, execOK, envOK, zipEntry{"link", os.ModeSymlink | 0o777, "/etc/passwd"}),
			wantStatus: http.StatusBadGateway, wantError: "special file"},
		{name: "a zip over the size cap", zip: makeZip(t, execOK, envOK, zipEntry{"big", 0o644, strings.Repeat("z", 2<<10)}),
			wantStatus: http.StatusBadGateway, wantError: "size limit"},
		{name: "not a zip", zip: []byte("plain text"), wantStatus: http.StatusBadGateway, wantError: "zip"},
		{name: "an exec that exits at once", zip: makeZip(t, zipEntry{"exec", 0o755, "#!/bin/sh\nexit 7\n"}, envOK),
			wantStatus: http.StatusBadGateway, wantError: "exit status 7"},
		{name: "an exec that acknowledges wrongly", zip: makeZip(t, zipEntry{"exec", 0o755, "#!/bin/sh\necho '{\"ok\":false}' >&3\nsleep 30\n"}, envOK),
			wantStatus: http.StatusBadGateway, wantError: "did not initialize properly"},
		{name: "source code instead of a zip", body: []byte(`{"value":{"code":"package main","binary":false}}`),
			wantStatus: http.StatusBadGateway, wantError: "only binary"},
		{name: "no code", body: []byte(`{"value":{"main":"main"}}`),
			wantStatus: http.StatusForbidden, wantError: "Missing main/no code to execute."},
		{name: "code that is not base64", body: []byte(`{"value":{"code":"%%%","binary":true}}`),
			wantStatus: http.StatusBadRequest, wantError: "cannot decode the request"},
		{name: "a body that is not JSON", body: []byte(`{"value":`),
			wantStatus: http.StatusBadRequest, wantError: "Error unmarshaling request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			f := newProxy(t, owaction.ProxyOptions{ExecutionEnv: testExecEnv, MaxCodeBytes: 1 << 10, TempDir: tmp})
			var status int
			var body []byte
			if tt.body != nil {
				status, body = f.post(t, "/init", tt.body)
			} else {
				status, body = f.init(t, tt.zip, nil)
			}
			assert.Equal(t, tt.wantStatus, status, "%s", body)
			assert.Contains(t, errorText(t, body), tt.wantError)

			entries, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, entries, "a refused action leaves no directory behind")
			_, err = os.Stat(filepath.Join(filepath.Dir(tmp), "escaped"))
			assert.True(t, os.IsNotExist(err), "nothing escaped the action directory")

			status, _ = f.run(t, map[string]string{}, nil)
			assert.Equal(t, http.StatusInternalServerError, status, "no action after a refused init")
			execOnly := makeZip(t, execOK, envOK)
			status, body = f.init(t, execOnly, nil)
			assert.Equal(t, http.StatusOK, status, "a refused init can be retried: %s", body)
		})
	}
}

func TestProxyKillsAnActionThatNeverAcknowledges(t *testing.T) {
	t.Parallel()
	f := newProxy(t, owaction.ProxyOptions{Process: owaction.ProcessOptions{AckTimeout: 300 * time.Millisecond}})
	start := time.Now()
	status, body := f.init(t, scriptZip(t, "#!/bin/sh\nsleep 30\n"), nil)
	assert.Equal(t, http.StatusBadGateway, status)
	assert.Contains(t, errorText(t, body), "did not acknowledge its start within 300ms")
	assert.Less(t, time.Since(start), 5*time.Second, "the action and its sleep were killed")
}

func TestProxyRunTimeoutKillsTheAction(t *testing.T) {
	t.Parallel()
	f := newProxy(t, owaction.ProxyOptions{RunTimeout: 300 * time.Millisecond})
	f.initTestAction(t, nil)

	start := time.Now()
	status, body := f.run(t, map[string]string{"mode": "sleep"}, nil) // no deadline: sleeps forever
	assert.Equal(t, http.StatusBadGateway, status)
	assert.Contains(t, errorText(t, body), "did not answer in time")
	assert.Contains(t, errorText(t, body), context.DeadlineExceeded.Error())
	assert.Less(t, time.Since(start), 5*time.Second)

	status, _ = f.run(t, map[string]string{"mode": "echo"}, nil)
	assert.Equal(t, http.StatusInternalServerError, status, "the killed action is gone")
}

func TestProxyRoutes(t *testing.T) {
	t.Parallel()
	f := newProxy(t, owaction.ProxyOptions{})
	resp, err := http.Get(f.url + "/run")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	status, _ := f.post(t, "/other", []byte(`{}`))
	assert.Equal(t, http.StatusNotFound, status)

	status, body := f.post(t, "/run", []byte(`{"value":`))
	assert.Equal(t, http.StatusInternalServerError, status, "no action yet comes first: %s", body)
}

func TestProxyCloseRemovesTheAction(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	f := newProxy(t, owaction.ProxyOptions{TempDir: tmp})
	status, body := f.init(t, scriptZip(t, "#!/bin/sh\necho '{\"ok\":true}' >&3\nwhile read line; do echo '{}' >&3; done\n"), nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Len(t, entries, 1)

	require.NoError(t, f.proxy.Close())
	entries, err = os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries)

	status, _ = f.run(t, map[string]string{}, nil)
	assert.Equal(t, http.StatusServiceUnavailable, status)
}
