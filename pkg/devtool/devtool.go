package devtool

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/process"
	"github.com/assetcompute/assetcompute/pkg/transfer"
)

//go:embed assets
var assets embed.FS

// DefaultMaxUploadBytes is the default of Options.MaxUploadBytes.
const DefaultMaxUploadBytes = 256 << 20

// maxRequestBytes bounds the JSON bodies of the API (a processing request
// without a data: source is small).
const maxRequestBytes = 1 << 20

// maxRuns is how many runs are kept; older ones, and their outputs, are
// removed.
const maxRuns = 50

// Runner runs a processing request whose source and targets are local
// paths under Options.Dir: *process.Processor does.
type Runner interface {
	Run(ctx context.Context, req *api.Request) *process.Result
}

// Options configure a Handler.
type Options struct {
	// Runner runs the requests. Required.
	Runner Runner
	// Dir is a private directory (mode 0700) that holds the uploads, the
	// fetched sources and the outputs; the caller creates it and removes
	// it on exit. The Runner must accept local paths under it as sources
	// and targets. Required.
	Dir string
	// Addr is the address the handler is reached at (host:port, as
	// listened on). A loopback host turns the Host header check on; any
	// other host requires AuthKey.
	Addr string
	// AuthKey, UUID:KEY, is required from every request as HTTP Basic
	// credentials when set. Required when Addr is not a loopback address.
	AuthKey string
	// Deployed, when set, is a second Runner the page offers: the
	// deployed actions of `acs serve`, named DeployedName on the page.
	Deployed     Runner
	DeployedName string
	// AllowPrivate lets URL sources reach loopback, private and
	// link-local addresses (local mode); off, they are refused.
	AllowPrivate bool
	// MaxUploadBytes caps an uploaded or fetched source; default
	// DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// Logs, when set, holds the log records of each request, shown with
	// its results. Give the Runner a logger over Logs.Handler.
	Logs *LogStore
	// APIHost is the address copied into curl and wsk command lines;
	// default the page's own origin.
	APIHost string
	// Logger receives the handler's own logs; default slog.Default().
	Logger *slog.Logger
}

// Handler serves the devtool page and its API. Mount it at the root of a
// server, or under a prefix with http.StripPrefix.
type Handler struct {
	opts     Options
	token    string // the session token POSTs must carry
	hosts    bool   // check the Host header (loopback bind)
	mux      *http.ServeMux
	fetcher  *transfer.Client
	engine   *image.Engine
	logger   *slog.Logger
	sources  string // directories under Dir
	runsDir  string
	mu       sync.Mutex
	srcs     map[string]*sourceFile
	runs     map[string]*run
	runOrder []string
	seq      int
	running  sync.WaitGroup // the runs going on
	closing  chan struct{}  // closed by Close: the runs going on stop
	close    sync.Once
}

// New returns the handler of opts and writes the bundled samples into
// Options.Dir.
func New(opts Options) (*Handler, error) {
	if opts.Runner == nil {
		return nil, errors.New("devtool: a Runner is required")
	}
	if opts.Dir == "" {
		return nil, errors.New("devtool: a private directory is required")
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	loopback, err := isLoopbackAddr(opts.Addr)
	if err != nil {
		return nil, err
	}
	if u, k, ok := strings.Cut(opts.AuthKey, ":"); opts.AuthKey != "" && (!ok || u == "" || k == "") {
		return nil, errors.New("devtool: the auth key must be UUID:KEY")
	}
	if !loopback && opts.AuthKey == "" {
		return nil, fmt.Errorf("devtool: %s is not a loopback address: an auth key is required", opts.Addr)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("devtool: %w", err)
	}
	opts.Dir = dir
	fetcher, err := transfer.New(transfer.Options{AllowHTTP: true, AllowPrivateNetworks: opts.AllowPrivate,
		MaxSourceBytes: opts.MaxUploadBytes, Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("devtool: %w", err)
	}
	engine, err := image.New(image.Options{})
	if err != nil {
		return nil, fmt.Errorf("devtool: %w", err)
	}
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	h := &Handler{opts: opts, token: hex.EncodeToString(tok[:]), hosts: loopback, fetcher: fetcher, engine: engine,
		logger: opts.Logger, sources: filepath.Join(dir, "sources"), runsDir: filepath.Join(dir, "runs"),
		srcs: map[string]*sourceFile{}, runs: map[string]*run{}, closing: make(chan struct{})}
	for _, d := range []string{h.sources, h.runsDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("devtool: %w", err)
		}
	}
	if err := h.writeSamples(); err != nil {
		return nil, fmt.Errorf("devtool: samples: %w", err)
	}
	static, _ := fs.Sub(assets, "assets")
	files := http.FileServerFS(static)
	mux := http.NewServeMux()
	mux.Handle("GET /", h.page(files))
	mux.HandleFunc("GET /api/session", h.session)
	mux.HandleFunc("GET /api/profiles", h.profiles)
	mux.HandleFunc("GET /api/samples", h.listSamples)
	mux.HandleFunc("POST /api/sources", h.upload)
	mux.HandleFunc("POST /api/sources/url", h.fetchURL)
	mux.HandleFunc("POST /api/sources/sample", h.useSample)
	mux.HandleFunc("GET /api/sources/{id}/file", h.sourceFile)
	mux.HandleFunc("POST /api/validate", h.validate)
	mux.HandleFunc("POST /api/runs", h.startRun)
	mux.HandleFunc("GET /api/runs/{id}", h.getRun)
	mux.HandleFunc("GET /api/runs/{id}/files/{index}", h.outputFile)
	mux.HandleFunc("POST /api/compare", h.compare)
	h.mux = mux
	return h, nil
}

// Wait waits for the runs going on to end (a run goes on when the page
// that started it leaves).
func (h *Handler) Wait() { h.running.Wait() }

// Close stops the runs going on (each rendition not made yet fails with
// Timeout) and waits for them to end, so that their directory can be
// removed. A run started after Close stops at once.
func (h *Handler) Close() {
	h.close.Do(func() { close(h.closing) })
	h.running.Wait()
}

// Token returns the session token the page sends with every POST.
func (h *Handler) Token() string { return h.token }

// ServeHTTP checks the request (host, auth key, cross-site POSTs) and
// serves it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.allowed(w, r) {
		return
	}
	h.mux.ServeHTTP(w, r)
}

// page serves the static assets with the page's security headers.
func (h *Handler) page(files http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", pageCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// pageCSP is the policy of the page: its own scripts and styles only (the
// inline styles are a contact sheet's, shown in a sandboxed frame without
// scripts), pictures from itself and blob:/data: URLs, no framing of it.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"connect-src 'self'; frame-src blob:; child-src blob:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// session answers the page's session token.
func (h *Handler) session(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"token": h.token, "maxUploadBytes": h.opts.MaxUploadBytes, "allowPrivate": h.opts.AllowPrivate,
		"apiHost": h.opts.APIHost, "formats": api.BuiltinFormats(), "logs": h.opts.Logs != nil,
		"deployed": deployedName(h.opts),
	})
}

// deployedName is the page's name of the deployed runner, or "" without one.
func deployedName(o Options) string {
	switch {
	case o.Deployed == nil:
		return ""
	case o.DeployedName == "":
		return "deployed actions"
	}
	return o.DeployedName
}
