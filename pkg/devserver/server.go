package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/acapi"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// Defaults of [Options].
const (
	DefaultNamespace       = "guest"
	DefaultPoolSize        = 4
	DefaultIdleTimeout     = 10 * time.Minute
	DefaultBlockingWait    = 60 * time.Second
	DefaultMaxActivations  = 10000
	DefaultMaxStoreBytes   = 256 << 20
	DefaultMaxPayloadBytes = 1 << 20  // OpenWhisk's parameter and result limit
	DefaultMaxRequestBytes = 64 << 20 // action create bodies (base64 zips)
	maxSequenceLength      = 50
)

// Options configures a [Server]. The zero value is usable; zero values mean
// the defaults.
type Options struct {
	// Auth is the namespace key "UUID:KEY"; generated when empty (see
	// Server.Auth).
	Auth string
	// Namespace is the one namespace served. Default: guest.
	Namespace string
	// APIHost is what actions annotated provide-api-key receive as
	// __OW_API_HOST, e.g. "http://127.0.0.1:3233". When empty, the scheme
	// and host of the request that caused the activation are used.
	APIHost string
	// PoolSize bounds the processes running at once per action; further
	// activations of the action queue. Default: DefaultPoolSize.
	PoolSize int
	// IdleTimeout is how long an idle warm process is kept.
	// Default: DefaultIdleTimeout.
	IdleTimeout time.Duration
	// BlockingWait is how long a blocking invocation waits before answering
	// 202 with the activation id. Default: DefaultBlockingWait.
	BlockingWait time.Duration
	// AckTimeout bounds an action process's start acknowledgement.
	// Default: owaction.DefaultAckTimeout.
	AckTimeout time.Duration
	// MaxActivations is how many activation records are kept.
	// Default: DefaultMaxActivations.
	MaxActivations int
	// MaxStoreBytes bounds the results and logs of the activation records
	// kept; the oldest are dropped first. Default: DefaultMaxStoreBytes.
	MaxStoreBytes int64
	// MaxPayloadBytes caps invocation parameters (413 beyond) and results
	// (an error result beyond). Default: DefaultMaxPayloadBytes.
	MaxPayloadBytes int
	// MaxRequestBytes caps entity create and update bodies.
	// Default: DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// MaxCodeBytes caps the decompressed size of an action zip.
	// Default: DefaultMaxCodeBytes.
	MaxCodeBytes int64
	// ActionEnv is added to the environment of every action process.
	ActionEnv map[string]string
	// TempDir is where action zips are unpacked. Default: os.TempDir().
	TempDir string
	// Logger receives one line per activation and per Asset Compute API
	// call (never a token). Default: discarded.
	Logger *slog.Logger
	// AssetCompute configures the Asset Compute HTTP API; it is off unless
	// AssetCompute.Verifier is set.
	AssetCompute AssetComputeOptions
}

func (o Options) withDefaults() Options {
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.PoolSize <= 0 {
		o.PoolSize = DefaultPoolSize
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.BlockingWait <= 0 {
		o.BlockingWait = DefaultBlockingWait
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = owaction.DefaultAckTimeout
	}
	if o.MaxActivations <= 0 {
		o.MaxActivations = DefaultMaxActivations
	}
	if o.MaxStoreBytes <= 0 {
		o.MaxStoreBytes = DefaultMaxStoreBytes
	}
	if o.MaxPayloadBytes <= 0 {
		o.MaxPayloadBytes = DefaultMaxPayloadBytes
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.MaxCodeBytes <= 0 {
		o.MaxCodeBytes = DefaultMaxCodeBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Server is the local controller, an http.Handler. Create it with New and
// stop it with Close.
type Server struct {
	opts   Options
	ctx    context.Context // activations run under it; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // running activations and the janitor

	runMu   sync.RWMutex // orders wg.Add of new activations before Close's wg.Wait
	closing bool         // guarded by runMu
	root    string       // directory of unpacked actions

	mu       sync.RWMutex
	packages map[string]*Package // by name
	actions  map[string]*Action  // by "NAME" or "PKG/NAME"
	pools    map[string]*actionPool
	triggers map[string]*Trigger
	rules    map[string]*Rule

	store *activationStore
	acapi *acapi.Handler // nil when the Asset Compute API is off
}

// New returns a server. ctx bounds its life: when ctx is done the server
// stops as if Close had been called.
func New(ctx context.Context, opts Options) (*Server, error) {
	opts = opts.withDefaults()
	if opts.Auth == "" {
		key, err := NewKey()
		if err != nil {
			return nil, err
		}
		opts.Auth = key
	}
	if !validKey(opts.Auth) {
		return nil, fmt.Errorf("devserver: the key must have the form UUID:KEY")
	}
	root, err := os.MkdirTemp(opts.TempDir, "acs-serve-")
	if err != nil {
		return nil, fmt.Errorf("devserver: creating the action directory: %w", err)
	}
	s := &Server{
		opts:     opts,
		root:     root,
		packages: map[string]*Package{},
		actions:  map[string]*Action{},
		pools:    map[string]*actionPool{},
		triggers: map[string]*Trigger{},
		rules:    map[string]*Rule{},
		store:    newActivationStore(opts.MaxActivations, opts.MaxStoreBytes),
	}
	s.acapi = newACAPI(s, opts.AssetCompute)
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(1)
	go s.janitor()
	return s, nil
}

// Auth returns the namespace key.
func (s *Server) Auth() string { return s.opts.Auth }

// Namespace returns the namespace served.
func (s *Server) Namespace() string { return s.opts.Namespace }

// Close kills every action process, waits for the activations in flight to
// end and removes the unpacked actions. It is idempotent.
func (s *Server) Close() error {
	s.runMu.Lock()
	s.closing = true
	s.runMu.Unlock()
	s.cancel()
	s.mu.Lock()
	pools := s.pools
	s.pools = map[string]*actionPool{}
	s.mu.Unlock()
	for _, p := range pools {
		p.close()
	}
	s.wg.Wait()
	for _, p := range pools { // processes released after the first pass
		p.close()
	}
	if err := os.RemoveAll(s.root); err != nil {
		return fmt.Errorf("devserver: removing %s: %w", s.root, err)
	}
	return nil
}

// janitor closes idle processes past the idle timeout, and everything when
// the server's context ends.
func (s *Server) janitor() {
	defer s.wg.Done()
	period := min(max(s.opts.IdleTimeout/4, 10*time.Millisecond), time.Minute)
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			for _, p := range s.poolList() {
				p.reap(time.Now().Add(time.Hour))
			}
			return
		case now := <-t.C:
			for _, p := range s.poolList() {
				p.reap(now.Add(-s.opts.IdleTimeout))
			}
		}
	}
}

// poolList returns the current pools.
func (s *Server) poolList() []*actionPool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*actionPool, 0, len(s.pools))
	for _, p := range s.pools {
		out = append(out, p)
	}
	return out
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/" || path == "" || path == "/api/v1" || path == "/api/v1/":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		s.serveInfo(w, r)
	case isAssetComputePath(path):
		s.serveAssetCompute(w, r)
	case strings.HasPrefix(path, "/api/v1/web/"):
		s.serveWeb(w, r, strings.TrimPrefix(path, "/api/v1/web/"))
	case path == "/api/v1/namespaces" || path == "/api/v1/namespaces/":
		if !s.checkAuth(w, r) {
			return
		}
		if r.Method != http.MethodGet {
			methodNotAllowed(w, "GET")
			return
		}
		writeJSON(w, http.StatusOK, []string{s.opts.Namespace})
	case strings.HasPrefix(path, "/api/v1/namespaces/"):
		if !s.checkAuth(w, r) {
			return
		}
		s.serveNamespace(w, r, strings.TrimPrefix(path, "/api/v1/namespaces/"))
	case strings.HasPrefix(path, "/runtime/namespaces/"):
		if !s.checkAuth(w, r) {
			return
		}
		s.serveRuntimeAPI(w, r, strings.TrimPrefix(path, "/runtime/namespaces/"))
	default:
		writeError(w, http.StatusNotFound, msgNotFound)
	}
}

// serveNamespace routes NS/COLLECTION[/REST].
func (s *Server) serveNamespace(w http.ResponseWriter, r *http.Request, rest string) {
	ns, rest, _ := strings.Cut(rest, "/")
	if !s.ownNamespace(ns) {
		writeError(w, http.StatusForbidden, fmt.Sprintf("The supplied authentication is not authorized to access '%s'.", ns))
		return
	}
	collection, name, _ := strings.Cut(rest, "/")
	switch collection {
	case "":
		s.serveNamespaceSummary(w, r)
	case "actions":
		s.serveActions(w, r, name)
	case "packages":
		s.servePackages(w, r, name)
	case "activations":
		s.serveActivations(w, r, name)
	case "triggers":
		s.serveTriggers(w, r, name)
	case "rules":
		s.serveRules(w, r, name)
	case "logForwarding":
		s.serveLogForwarding(w, r, name)
	default:
		writeError(w, http.StatusNotFound, msgNotFound)
	}
}

// ownNamespace reports whether ns names the served namespace.
func (s *Server) ownNamespace(ns string) bool { return ns == "_" || ns == s.opts.Namespace }

// apiHost returns what actions receive as __OW_API_HOST.
func (s *Server) apiHost(r *http.Request) string {
	if s.opts.APIHost != "" {
		return s.opts.APIHost
	}
	if r == nil {
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
