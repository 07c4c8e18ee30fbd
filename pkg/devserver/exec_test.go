package devserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInvokeEcho(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{ActionEnv: map[string]string{"EXTRA": "yes"}})
	ts.putAction("echo", "echo", map[string]any{"annotations": kv("provide-api-key", true), "limits": map[string]int{"timeout": 7000}})
	ts.putAction("nokey", "echo", nil)

	start := time.Now()
	status, res := ts.invoke("echo", map[string]any{"x": 1})
	require.Equal(t, http.StatusOK, status, "%v", res)
	assert.Equal(t, map[string]any{"x": float64(1)}, res["params"])
	env := res["env"].(map[string]any)
	assert.Equal(t, ts.url, env["__OW_API_HOST"])
	assert.Equal(t, ts.Auth(), env["__OW_API_KEY"])
	assert.Equal(t, "guest", env["__OW_NAMESPACE"])
	assert.Equal(t, "/guest/echo", env["__OW_ACTION_NAME"])
	assert.Len(t, env["__OW_ACTIVATION_ID"], 32)
	assert.Equal(t, "yes", env["EXTRA"])
	var deadline int64
	require.NoError(t, json.Unmarshal([]byte(env["__OW_DEADLINE"].(string)), &deadline))
	assert.InDelta(t, start.Add(7*time.Second).UnixMilli(), deadline, 3000)

	status, res = ts.invoke("nokey", nil)
	require.Equal(t, http.StatusOK, status, "%v", res)
	env = res["env"].(map[string]any)
	assert.NotContains(t, env, "__OW_API_KEY")
	assert.NotContains(t, env, "__OW_API_HOST")

	// A warm process serves the next activation.
	_, a := ts.invoke("echo", nil)
	_, b := ts.invoke("echo", nil)
	assert.Equal(t, a["pid"], b["pid"])

	// Non-blocking: 202 with an id, then the record with its logs.
	status, out := ts.do("POST", "/api/v1/namespaces/_/actions/echo", map[string]any{"log": "hello log"})
	require.Equal(t, http.StatusAccepted, status, "%s", out)
	var accepted struct{ ActivationID string }
	require.NoError(t, json.Unmarshal(out, &accepted))
	act := ts.waitActivation(accepted.ActivationID)
	assert.Equal(t, "success", act.Response.Status)
	assert.True(t, act.Response.Success)
	// Each line is labelled with the stream it was written to.
	require.Eventually(t, func() bool {
		_, out := ts.do("GET", "/api/v1/namespaces/_/activations/"+accepted.ActivationID+"/logs", nil)
		return strings.Contains(string(out), "stdout: hello log") && strings.Contains(string(out), "stderr: on stderr: hello log")
	}, 5*time.Second, 10*time.Millisecond)
	_, out = ts.do("GET", "/api/v1/namespaces/_/activations/"+accepted.ActivationID+"/logs", nil)
	assert.NotContains(t, string(out), "stdout: on stderr", "stderr is not logged as stdout")
	status, out = ts.do("GET", "/api/v1/namespaces/_/activations/"+accepted.ActivationID+"/result", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(out), `"status":"success"`)

	// Blocking without result=true: the record.
	status, out = ts.do("POST", "/api/v1/namespaces/_/actions/echo?blocking=true", nil)
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, json.Unmarshal(out, &act))
	assert.Equal(t, "echo", act.Name)
	assert.Equal(t, 0, act.StatusCode)

	// Listing, with a name filter, docs and limit.
	status, out = ts.do("GET", "/api/v1/namespaces/_/activations?name=nokey&docs=true&limit=5", nil)
	require.Equal(t, http.StatusOK, status)
	var list []Activation
	require.NoError(t, json.Unmarshal(out, &list))
	require.Len(t, list, 1)
	assert.Equal(t, "nokey", list[0].Name)
	status, out = ts.do("GET", "/api/v1/namespaces/_/activations?limit=2&skip=1", nil)
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, json.Unmarshal(out, &list))
	assert.Len(t, list, 2)
}

func TestApplicationError(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	ts.putAction("echo", "echo", nil)
	status, res := ts.invoke("echo", map[string]any{"fail": "no good"})
	assert.Equal(t, http.StatusBadGateway, status)
	assert.Contains(t, string(mustJSON(res["error"])), "no good")

	status, out := ts.do("POST", "/api/v1/namespaces/_/actions/echo?blocking=true", map[string]any{"fail": "no good"})
	assert.Equal(t, http.StatusBadGateway, status)
	var act Activation
	require.NoError(t, json.Unmarshal(out, &act))
	assert.Equal(t, statusApplication, act.Response.Status)
	assert.False(t, act.Response.Success)
}

func TestFaults(t *testing.T) {
	t.Parallel()
	// The actions that must start get the default acknowledgement timeout,
	// which a busy machine does not miss; only the one that never
	// acknowledges runs on a server that gives up after 500 ms.
	ts := newTestServer(t, Options{MaxPayloadBytes: 1 << 20})
	ts.putAction("echo", "echo", nil)
	ts.putAction("big", "big", nil)
	ts.putAction("loop", "loop", map[string]any{"limits": map[string]int{"timeout": 300}})

	t.Run("never acks", func(t *testing.T) {
		ts := newTestServer(t, Options{AckTimeout: 500 * time.Millisecond})
		ts.putAction("noack", "noack", nil)
		status, out := ts.do("POST", "/api/v1/namespaces/_/actions/noack?blocking=true", nil)
		require.Equal(t, http.StatusBadGateway, status, "%s", out)
		var act Activation
		require.NoError(t, json.Unmarshal(out, &act))
		assert.Equal(t, statusDeveloper, act.Response.Status)
		assert.Contains(t, string(act.Response.Result), "initialize")
	})
	t.Run("crash mid-activation, then a fresh process", func(t *testing.T) {
		_, first := ts.invoke("echo", nil)
		status, out := ts.do("POST", "/api/v1/namespaces/_/actions/echo?blocking=true", map[string]any{"crash": true})
		require.Equal(t, http.StatusBadGateway, status, "%s", out)
		var act Activation
		require.NoError(t, json.Unmarshal(out, &act))
		assert.Equal(t, statusDeveloper, act.Response.Status)
		assert.Contains(t, string(act.Response.Result), "exited unexpectedly")
		status, next := ts.invoke("echo", nil)
		require.Equal(t, http.StatusOK, status, "%v", next)
		assert.NotEqual(t, first["pid"], next["pid"])
	})
	t.Run("2 MB result", func(t *testing.T) {
		status, res := ts.invoke("big", nil)
		assert.Equal(t, http.StatusBadGateway, status)
		assert.Contains(t, res["error"], "exceeded the allowed length")
	})
	t.Run("loops forever, killed at its timeout", func(t *testing.T) {
		start := time.Now()
		status, out := ts.do("POST", "/api/v1/namespaces/_/actions/loop?blocking=true", nil)
		require.Equal(t, http.StatusBadGateway, status, "%s", out)
		assert.Less(t, time.Since(start), 5*time.Second)
		var act Activation
		require.NoError(t, json.Unmarshal(out, &act))
		assert.Equal(t, statusDeveloper, act.Response.Status)
		assert.JSONEq(t, `{"error":"The action exceeded its time limits of 300 milliseconds."}`, string(act.Response.Result))
		assert.JSONEq(t, "true", string(act.Annotations.get(annotationTimeout)))
		ts.mu.RLock()
		pool := ts.pools["loop"]
		ts.mu.RUnlock()
		assert.Zero(t, pool.idleCount(), "the timed-out process is discarded")
	})
	t.Run("parameters over 1 MB", func(t *testing.T) {
		status, out := ts.do("POST", "/api/v1/namespaces/_/actions/echo?blocking=true", map[string]string{"p": strings.Repeat("y", 1<<20)})
		assert.Equal(t, http.StatusRequestEntityTooLarge, status, "%s", out)
		assert.Contains(t, string(out), `"code":413`)
	})
	t.Run("blocking past the wait gives 202", func(t *testing.T) {
		short := newTestServer(t, Options{BlockingWait: 200 * time.Millisecond})
		short.putAction("echo", "echo", nil)
		status, out := short.do("POST", "/api/v1/namespaces/_/actions/echo?blocking=true&result=true", map[string]any{"sleep": 1000})
		require.Equal(t, http.StatusAccepted, status, "%s", out)
		var accepted struct{ ActivationID string }
		require.NoError(t, json.Unmarshal(out, &accepted))
		act := short.waitActivation(accepted.ActivationID)
		assert.True(t, act.Response.Success)
	})
}

func TestIdleProcessesAreReaped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{IdleTimeout: 100 * time.Millisecond})
	ts.putAction("echo", "echo", nil)
	status, _ := ts.invoke("echo", nil)
	require.Equal(t, http.StatusOK, status)
	ts.mu.RLock()
	pool := ts.pools["echo"]
	ts.mu.RUnlock()
	require.Eventually(t, func() bool { return pool.idleCount() == 0 }, 3*time.Second, 20*time.Millisecond)
	status, _ = ts.invoke("echo", nil)
	require.Equal(t, http.StatusOK, status)
}

func TestConcurrentBlockingInvocations(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{PoolSize: 4})
	ts.putAction("echo", "echo", nil)
	const n = 200
	var wg sync.WaitGroup
	results := make([]map[string]any, n)
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() {
			statuses[i], results[i] = ts.invoke("echo", map[string]any{"i": i, "sleep": 5})
		})
	}
	wg.Wait()
	pids := map[any]bool{}
	for i := range n {
		require.Equal(t, http.StatusOK, statuses[i], "%d: %v", i, results[i])
		assert.Equal(t, float64(i), results[i]["params"].(map[string]any)["i"])
		pids[results[i]["pid"]] = true
	}
	assert.LessOrEqual(t, len(pids), 4, "at most PoolSize processes")
	status, out := ts.do("GET", "/api/v1/namespaces/_/activations?limit=200", nil)
	require.Equal(t, http.StatusOK, status)
	var list []activationSummary
	require.NoError(t, json.Unmarshal(out, &list))
	assert.Len(t, list, n)
}

func TestUpdateReplacesProcesses(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{})
	ts.putAction("a", "echo", nil)
	_, first := ts.invoke("a", nil)
	ts.putAction("a", "noop", nil)
	status, res := ts.invoke("a", nil)
	require.Equal(t, http.StatusOK, status)
	assert.Empty(t, res, "the new code runs")
	assert.NotEqual(t, first["pid"], res["pid"])
}

func TestCloseStopsProcesses(t *testing.T) {
	t.Parallel()
	s, err := New(t.Context(), Options{TempDir: t.TempDir()})
	require.NoError(t, err)
	hs := httptest.NewServer(s)
	defer hs.Close()
	ts := &testServer{Server: s, url: hs.URL, t: t}
	ts.putAction("echo", "echo", nil)
	ts.putAction("loop", "loop", nil)
	_, res := ts.invoke("echo", nil)
	pid := int(res["pid"].(float64))
	// One activation in flight when the server stops.
	status, out := ts.do("POST", "/api/v1/namespaces/_/actions/loop", nil)
	require.Equal(t, http.StatusAccepted, status, "%s", out)
	var accepted struct{ ActivationID string }
	require.NoError(t, json.Unmarshal(out, &accepted))
	s.mu.RLock()
	loop := s.pools["loop"]
	s.mu.RUnlock()
	require.Eventually(t, func() bool { return len(loop.slots) == 1 }, 30*time.Second, time.Millisecond, "the activation holds a process")

	require.NoError(t, s.Close())
	assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "the warm process is gone")
	rec, ok := s.store.get(accepted.ActivationID)
	require.True(t, ok, "the interrupted activation is recorded")
	assert.Equal(t, statusInternal, rec.act.Response.Status)
	_, err = os.Stat(s.root)
	assert.True(t, os.IsNotExist(err), "the unpacked actions are removed")
}

func TestUpdateWhileQueued(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, Options{PoolSize: 1})
	ts.putAction("a", "echo", nil)
	actionZip(t, "noop") // zip before the clock starts
	ts.mu.RLock()
	pool := ts.pools["a"]
	ts.mu.RUnlock()
	// The first activation holds the only process until release exists.
	release := filepath.Join(t.TempDir(), "release")
	first := make(chan int, 1)
	go func() {
		status, _ := ts.invoke("a", map[string]any{"waitFor": release})
		first <- status
	}()
	require.Eventually(t, func() bool { return len(pool.slots) == 1 }, 30*time.Second, time.Millisecond, "the first holds the only process")
	queued := make(chan map[string]any, 1)
	go func() {
		_, res := ts.invoke("a", map[string]any{"queued": true})
		queued <- res
	}()
	require.Eventually(t, func() bool { return pool.waiting.Load() == 1 }, 30*time.Second, time.Millisecond, "the second waits for the process")
	ts.putAction("a", "noop", nil)
	require.NoError(t, os.WriteFile(release, nil, 0o600))
	assert.Equal(t, http.StatusOK, <-first)
	assert.Empty(t, <-queued, "the queued activation ran the new code")
}
