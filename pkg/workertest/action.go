package workertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// DefaultActivationTimeout is the deadline an activation gets when its
// context has none, the OpenWhisk default action time limit.
const DefaultActivationTimeout = 60 * time.Second

// LocalEnv is the environment that lets a worker read and write local
// files and reach local stand-ins over plain http, as `acs process` does.
// Never use it in production.
var LocalEnv = map[string]string{
	"ACS_ALLOW_LOCAL":            "true",
	"ACS_ALLOW_HTTP":             "true",
	"ACS_ALLOW_PRIVATE_NETWORKS": "true",
}

// ActionOptions configure an Action.
type ActionOptions struct {
	// Env is the action's environment. As in OpenWhisk nothing else is
	// passed: no PATH, no HOME.
	Env map[string]string
	// Log receives the action's stdout and stderr; default discarded.
	Log io.Writer
	// Timeout is the activation deadline used when the context of Handle
	// has none; default DefaultActivationTimeout.
	Timeout time.Duration
	// FilesDir, when set, is a folder whose files are linked into the
	// action's directory next to exec, as the files of the action zip are
	// extracted next to it (see scripts/build-actions.sh: actions/<name>/zip/).
	FilesDir string
	// Params are bound parameters merged into every activation's
	// parameters, as OpenWhisk merges an action's (and its package's)
	// bound parameters; the invocation's own keys win.
	Params map[string]json.RawMessage
}

// Action runs an action executable through the OpenWhisk action loop
// (package owaction's process harness), one activation per call, exactly
// as the OpenWhisk Go runtime runs it: parameters in on stdin, result out
// on fd 3, the activation deadline in the activation line. Processes are
// started on demand, reused between activations and replaced when they
// die, so concurrent calls run in parallel processes.
type Action struct {
	name string
	dir  string
	opts ActionOptions

	mu     sync.Mutex
	idle   []*owaction.Process
	closed bool
	// logs holds the latest output of each running process, for the
	// report of a crash.
	logs map[*owaction.Process]*crashLog
}

// NewAction returns an Action running the executable at exe under the
// given action name. The executable is linked (or copied) as `exec` into
// a private directory, its working directory, as the runtime does.
func NewAction(name, exe string, opts ActionOptions) (*Action, error) {
	abs, err := filepath.Abs(exe)
	if err != nil {
		return nil, fmt.Errorf("workertest: action %s: %w", name, err)
	}
	if st, err := os.Stat(abs); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("workertest: action %s: %s is not an executable file", name, exe)
	}
	dir, err := os.MkdirTemp("", "acs-action-")
	if err != nil {
		return nil, fmt.Errorf("workertest: action %s: %w", name, err)
	}
	if err := os.Symlink(abs, filepath.Join(dir, "exec")); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("workertest: action %s: %w", name, err)
	}
	if opts.FilesDir != "" {
		if err := linkFiles(opts.FilesDir, dir); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("workertest: action %s: %w", name, err)
		}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultActivationTimeout
	}
	return &Action{name: name, dir: dir, opts: opts}, nil
}

// Name returns the action's name.
func (a *Action) Name() string { return a.name }

// Invoke runs one activation with params and returns the result line. An
// application error ({"error": ...}) is returned as a result, for the
// caller to read (package invoke does). A process that dies or outlives
// the deadline is an error: an *api.Error with reason GenericError, or
// Timeout for the deadline.
func (a *Action) Invoke(ctx context.Context, params json.RawMessage) (json.RawMessage, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(a.opts.Timeout)
	}
	// The platform kills an activation at its deadline; so does this, a
	// little later, so the worker's own watchdog can answer first.
	runCtx, cancel := context.WithDeadline(context.Background(), deadline.Add(time.Second))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		if ctx.Err() == context.Canceled {
			cancel()
		}
	})
	defer stop()

	if len(a.opts.Params) > 0 {
		merged, err := mergeParams(params, a.opts.Params)
		if err != nil {
			return nil, api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("action %s: the parameters are not a JSON object", a.name))
		}
		params = merged
	}
	p, err := a.get(runCtx)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("action %s could not start", a.name))
	}
	id := newID()
	body, err := json.Marshal(owaction.Input{
		Value:         params,
		Namespace:     "guest",
		ActionName:    "/guest/" + a.name,
		ActivationID:  id,
		TransactionID: id,
		Deadline:      owaction.DeadlineString(deadline),
	})
	if err != nil {
		a.put(p)
		return nil, fmt.Errorf("workertest: encoding the activation: %w", err)
	}
	line, err := p.Run(runCtx, body)
	var crash string
	if err != nil && p.Exited() {
		crash = a.crashReport(p)
	}
	a.put(p)
	switch {
	case err == nil:
		return line, nil
	case errors.Is(err, context.DeadlineExceeded):
		return nil, api.Wrap(api.ReasonTimeout, err, fmt.Sprintf("action %s did not answer before the activation deadline and was killed", a.name))
	case errors.Is(err, owaction.ErrResultTooLarge):
		return nil, api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("action %s returned a result larger than the platform limit", a.name))
	default:
		msg := fmt.Sprintf("action %s crashed: %v", a.name, err)
		if crash != "" {
			msg += "\n" + crash
		}
		return nil, api.Wrap(api.ReasonGeneric, err, msg)
	}
}

// Handle is Invoke with the signature of an action-loop handler, so an
// Action can be registered with invoke.NewInProcess next to the built-in
// workers.
func (a *Action) Handle(ctx context.Context, params json.RawMessage) (any, error) {
	line, err := a.Invoke(ctx, params)
	if err != nil {
		return nil, err
	}
	return line, nil
}

// get returns an idle running process or starts one.
func (a *Action) get(ctx context.Context) (*owaction.Process, error) {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil, errors.New("workertest: action closed")
	}
	for len(a.idle) > 0 {
		p := a.idle[len(a.idle)-1]
		a.idle = a.idle[:len(a.idle)-1]
		if !p.Exited() {
			a.mu.Unlock()
			return p, nil
		}
		_ = p.Close()
		delete(a.logs, p)
	}
	a.mu.Unlock()
	tail := &crashLog{}
	var log io.Writer = tail
	if a.opts.Log != nil {
		log = io.MultiWriter(a.opts.Log, tail)
	}
	p, err := owaction.StartProcess(ctx, a.dir, a.opts.Env, owaction.ProcessOptions{Log: log})
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if a.logs == nil {
		a.logs = map[*owaction.Process]*crashLog{}
	}
	a.logs[p] = tail
	a.mu.Unlock()
	return p, nil
}

// crashReport returns the Go runtime's report of process p's crash, if
// its output holds one.
func (a *Action) crashReport(p *owaction.Process) string {
	a.mu.Lock()
	tail := a.logs[p]
	a.mu.Unlock()
	if tail == nil {
		return ""
	}
	return tail.report()
}

// put returns a process to the pool, or closes it when it has ended.
func (a *Action) put(p *owaction.Process) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || p.Exited() {
		_ = p.Close()
		delete(a.logs, p)
		return
	}
	a.idle = append(a.idle, p)
}

// Close stops the idle processes and removes the action's directory.
// Activations in progress end with an error.
func (a *Action) Close() error {
	a.mu.Lock()
	a.closed = true
	idle := a.idle
	a.idle = nil
	a.mu.Unlock()
	for _, p := range idle {
		_ = p.Close()
	}
	return os.RemoveAll(a.dir)
}

// linkFiles links the regular files of from into dir.
func linkFiles(from, dir string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || e.Name() == "exec" {
			continue
		}
		abs, err := filepath.Abs(filepath.Join(from, e.Name()))
		if err != nil {
			return err
		}
		if err := os.Symlink(abs, filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// mergeParams adds the bound parameters params lacks.
func mergeParams(params json.RawMessage, bound map[string]json.RawMessage) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(params, &m); err != nil {
		return nil, err
	}
	for k, v := range bound {
		if _, ok := m[k]; !ok {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
