package owaction

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Default limits of a [Proxy].
const (
	// DefaultMaxRequestBytes caps /init and /run bodies.
	DefaultMaxRequestBytes = 64 << 20
	// DefaultMaxCodeBytes caps the decompressed content of an action zip.
	DefaultMaxCodeBytes = 512 << 20
)

// ProxyOptions configures a [Proxy]. The zero value is ready to use; zero
// or negative sizes mean "default".
type ProxyOptions struct {
	// ExecutionEnv, when set, is the runtime's OW_EXECUTION_ENV: the trimmed
	// content of the zip's exec.env must equal it, and the action sees it as
	// __OW_EXECUTION_ENV. When empty, exec.env must still be present but any
	// content is accepted.
	ExecutionEnv string
	// Env holds variables given to the action besides the init env, such as
	// __OW_API_HOST; the init env wins on conflicts.
	Env map[string]string
	// Process tunes the action process (log sink, acknowledgement timeout,
	// result size limit).
	Process ProcessOptions
	// RunTimeout bounds each /run on top of the request's context; when it
	// expires the action is killed, as the OpenWhisk invoker does when an
	// activation exceeds its time limit. Zero means no bound.
	RunTimeout time.Duration
	// MaxRequestBytes caps request bodies. Default: DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// MaxCodeBytes caps the decompressed size of the action zip.
	// Default: DefaultMaxCodeBytes.
	MaxCodeBytes int64
	// TempDir is where action directories are created. Default: os.TempDir().
	TempDir string
}

func (o ProxyOptions) withDefaults() ProxyOptions {
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.MaxCodeBytes <= 0 {
		o.MaxCodeBytes = DefaultMaxCodeBytes
	}
	return o
}

// Proxy is an http.Handler that speaks the action container protocol of the
// OpenWhisk Go runtime ("actionloop" proxy) for one action:
//
//   - POST /init with {"value": {"code": "<base64 zip>", "binary": true,
//     "main": "main", "env": {...}}} unzips the action into a temporary
//     directory, checks exec and exec.env, starts exec as a [Process] and
//     answers 200 {"ok":true}. Init succeeds at most once: later calls get
//     403 {"error":"Cannot initialize the action more than once."}. A failed
//     init answers 502 (400 for an undecodable request, 403 for missing
//     code) and may be retried.
//   - POST /run forwards its body (an activation: {"value": {...},
//     "activation_id": ..., "deadline": ...}) as one line and answers 200
//     with the action's result object.
//
// Errors are answered as {"error": "<text>"}, with the runtime's status codes
// and texts where the runtime has them:
//
//   - /run before a successful /init: 500 "no action defined yet".
//   - the process ended while idle: 500 "command exited".
//   - a result line that is not a JSON object: 502 "The action did not
//     return a dictionary." (newer runtimes also accept arrays; Asset
//     Compute actions always return objects, so this harness is stricter).
//   - a result larger than ProcessOptions.MaxResultBytes: 502; the process
//     keeps serving.
//   - the process exited during the run, or RunTimeout or the request's
//     context expired and it was killed: 502 with the exit status. The
//     runtime answers 400 "command exited" here; 502 says better that the
//     action, not the request, failed. Like the runtime, which drops its
//     executor, the proxy then stays dead: later /run calls get 500 "no
//     action defined yet" and /init still gets 403. In OpenWhisk the
//     invoker throws such a container away.
//
// Requests are served one at a time. Unlike the runtime the proxy never
// writes the XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX log sentinels.
type Proxy struct {
	opts ProxyOptions

	reqMu sync.Mutex // serialises requests

	mu          sync.Mutex // guards the fields below
	initialized bool
	closed      bool
	proc        *Process
	dir         string
}

// NewProxy returns a Proxy with no action. Call Close when done with it.
func NewProxy(opts ProxyOptions) *Proxy {
	return &Proxy{opts: opts.withDefaults()}
}

// ServeHTTP serves POST /init and POST /run.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/init", "/run":
	default:
		sendError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s", r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		sendError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s needs POST, not %s", r.URL.Path, r.Method))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.opts.MaxRequestBytes))
	if err != nil {
		sendError(w, http.StatusBadRequest, fmt.Sprintf("Error reading request body: %v", err))
		return
	}

	p.reqMu.Lock()
	defer p.reqMu.Unlock()
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		sendError(w, http.StatusServiceUnavailable, "the proxy is closed")
		return
	}
	if r.URL.Path == "/init" {
		p.serveInit(r.Context(), w, body)
	} else {
		p.serveRun(r.Context(), w, body)
	}
}

type initRequest struct {
	Value struct {
		Code   string                     `json:"code"`
		Binary bool                       `json:"binary"`
		Main   string                     `json:"main"`
		Env    map[string]json.RawMessage `json:"env"`
	} `json:"value"`
}

func (p *Proxy) serveInit(ctx context.Context, w http.ResponseWriter, body []byte) {
	p.mu.Lock()
	initialized := p.initialized
	p.mu.Unlock()
	if initialized {
		sendError(w, http.StatusForbidden, "Cannot initialize the action more than once.")
		return
	}
	var req initRequest
	if err := json.Unmarshal(body, &req); err != nil {
		sendError(w, http.StatusBadRequest, fmt.Sprintf("Error unmarshaling request: %v", err))
		return
	}
	if req.Value.Code == "" {
		sendError(w, http.StatusForbidden, "Missing main/no code to execute.")
		return
	}
	if !req.Value.Binary {
		sendError(w, http.StatusBadGateway, "cannot start action: only binary (zip) actions are supported, not source code")
		return
	}
	code, err := base64.StdEncoding.DecodeString(req.Value.Code)
	if err != nil {
		sendError(w, http.StatusBadRequest, "cannot decode the request: "+err.Error())
		return
	}

	dir, err := os.MkdirTemp(p.opts.TempDir, "owaction-")
	if err != nil {
		sendError(w, http.StatusInternalServerError, fmt.Sprintf("cannot create the action directory: %v", err))
		return
	}
	proc, err := p.install(ctx, dir, code, req.Value.Env)
	if err != nil {
		_ = os.RemoveAll(dir)
		sendError(w, http.StatusBadGateway, "cannot start action: "+err.Error())
		return
	}
	p.mu.Lock()
	p.initialized, p.proc, p.dir = true, proc, dir
	p.mu.Unlock()
	sendJSON(w, http.StatusOK, []byte(`{"ok":true}`))
}

// install unzips code into dir, checks it and starts the action.
func (p *Proxy) install(ctx context.Context, dir string, code []byte, initEnv map[string]json.RawMessage) (*Process, error) {
	if err := Unzip(code, dir, p.opts.MaxCodeBytes); err != nil {
		return nil, err
	}
	exe := filepath.Join(dir, ExecName)
	if fi, err := os.Stat(exe); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the action zip has no %s file at its root", ExecName)
	}
	execEnv, err := os.ReadFile(filepath.Join(dir, ExecEnvName))
	if err != nil {
		return nil, fmt.Errorf("the action zip has no %s file at its root: %w", ExecEnvName, err)
	}
	if want := p.opts.ExecutionEnv; want != "" && strings.TrimSpace(string(execEnv)) != want {
		if log := p.opts.Process.Log; log != nil {
			fmt.Fprintf(log, "Expected exec.env should start with %s\nActual value: %s\n", want, execEnv)
		}
		return nil, fmt.Errorf("execution environment version mismatch: exec.env says %.100q, the runtime is %q", strings.TrimSpace(string(execEnv)), want)
	}
	if err := os.Chmod(exe, 0o755); err != nil {
		return nil, fmt.Errorf("making %s executable: %w", ExecName, err)
	}
	return StartProcess(ctx, dir, p.actionEnv(initEnv), p.opts.Process)
}

// actionEnv merges the proxy's env, __OW_EXECUTION_ENV and the init env.
// Init env values that are not strings are passed as their JSON text, as
// the runtime does.
func (p *Proxy) actionEnv(initEnv map[string]json.RawMessage) map[string]string {
	env := make(map[string]string, len(p.opts.Env)+len(initEnv)+1)
	for k, v := range p.opts.Env {
		env[k] = v
	}
	if p.opts.ExecutionEnv != "" {
		env["__OW_EXECUTION_ENV"] = p.opts.ExecutionEnv
	}
	for k, raw := range initEnv {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			env[k] = s
		} else {
			env[k] = string(raw)
		}
	}
	return env
}

func (p *Proxy) serveRun(ctx context.Context, w http.ResponseWriter, body []byte) {
	p.mu.Lock()
	proc := p.proc
	p.mu.Unlock()
	if proc == nil {
		sendError(w, http.StatusInternalServerError, "no action defined yet")
		return
	}
	if proc.Exited() {
		sendError(w, http.StatusInternalServerError, "command exited")
		return
	}
	if p.opts.RunTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.opts.RunTimeout)
		defer cancel()
	}

	result, err := proc.Run(ctx, body)
	switch {
	case errors.Is(err, ErrInvalidActivation):
		sendError(w, http.StatusBadRequest, fmt.Sprintf("Error unmarshaling request: %v", errors.Unwrap(err)))
	case errors.Is(err, ErrResultTooLarge):
		sendError(w, http.StatusBadGateway, "The action produced a response that exceeded the allowed length: "+err.Error())
	case err != nil:
		// The process is dead or was killed: drop it, as the runtime does.
		_ = proc.Close()
		p.mu.Lock()
		p.proc = nil
		p.mu.Unlock()
		sendError(w, http.StatusBadGateway, err.Error())
	case !isJSONObject(result):
		sendError(w, http.StatusBadGateway, "The action did not return a dictionary.")
	default:
		sendJSON(w, http.StatusOK, result)
	}
}

// isJSONObject reports whether b is one valid JSON object.
func isJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r")
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// Close stops the action process and removes its directory. Requests after
// Close get 503. Close always returns nil; the error is for io.Closer.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	proc := p.proc
	p.mu.Unlock()
	if proc != nil {
		_ = proc.Close() // interrupts a run in progress
	}
	p.reqMu.Lock() // wait for that run to answer
	defer p.reqMu.Unlock()
	p.mu.Lock()
	dir := p.dir
	p.proc, p.dir = nil, ""
	p.mu.Unlock()
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	return nil
}

// sendJSON writes b and a newline as an application/json response.
func sendJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)+1))
	w.WriteHeader(status)
	_, _ = w.Write(b)
	_, _ = w.Write([]byte("\n"))
}

// sendError answers {"error": cause} with status.
func sendError(w http.ResponseWriter, status int, cause string) {
	b, err := json.Marshal(struct {
		Error string `json:"error"`
	}{cause})
	if err != nil {
		b = []byte(`{"error":"cannot encode the error"}`)
	}
	sendJSON(w, status, b)
}
