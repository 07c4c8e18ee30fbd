package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/assetcompute/assetcompute/pkg/acapi"
	"github.com/assetcompute/assetcompute/pkg/journal"
)

// Defaults of [AssetComputeOptions].
const (
	DefaultProcessAction     = "asset-compute/process"
	DefaultMaxInFlight       = 16
	DefaultRetryAfter        = acapi.DefaultRetryAfter
	DefaultJournalRetryAfter = acapi.DefaultJournalRetryAfter
	journalPrefix            = acapi.JournalPrefix
)

// AssetComputeOptions configures the Asset Compute HTTP API (POST
// /register, /unregister, /process and the event journals; package
// acapi). The API is off unless Verifier is set.
type AssetComputeOptions struct {
	// Verifier validates the bearer token of every call; nil turns the API
	// off (404).
	Verifier TokenVerifier
	// ProcessAction is the action /process invokes, with the request as its
	// parameters. Default: DefaultProcessAction.
	ProcessAction string
	// MaxInFlight bounds the /process requests running at once; beyond it
	// /process answers 429 with Retry-After. Default: DefaultMaxInFlight.
	MaxInFlight int
	// RetryAfter is the Retry-After of a 429. Default: DefaultRetryAfter.
	RetryAfter time.Duration
	// JournalRetryAfter is the retry-after of a journal read, how long a
	// client waits before polling again when there was nothing new.
	// Default: DefaultJournalRetryAfter.
	JournalRetryAfter time.Duration
	// Journal bounds each registered client's journal (events kept, their
	// age) in the default in-memory store. Defaults:
	// journal.DefaultMaxEvents, journal.DefaultMaxAge.
	Journal journal.Options
	// Store keeps the registrations and journals; nil is an in-memory
	// store bounded by Journal (journal.NewS3 keeps them in S3 instead).
	Store journal.Store
}

// The token verification of package acapi, under the names this package
// has always exported.
type (
	// TokenVerifier is acapi.TokenVerifier.
	TokenVerifier = acapi.TokenVerifier
	// StaticTokens is acapi.StaticTokens.
	StaticTokens = acapi.StaticTokens
)

// Errors of a [TokenVerifier] (acapi.ErrTokenInvalid and
// acapi.ErrTokenForbidden).
var (
	ErrTokenInvalid   = acapi.ErrTokenInvalid
	ErrTokenForbidden = acapi.ErrTokenForbidden
)

// NewStaticTokens returns a verifier accepting tokens; empty entries are
// ignored (acapi.NewStaticTokens).
func NewStaticTokens(tokens ...string) *StaticTokens { return acapi.NewStaticTokens(tokens...) }

// Type names the tests of this package use.
type (
	journalPage = acapi.JournalPage
	pageInfo    = acapi.PageInfo
)

// newACAPI returns the API handler of s, or nil when the API is off.
func newACAPI(s *Server, opts AssetComputeOptions) *acapi.Handler {
	if opts.Verifier == nil {
		return nil
	}
	if opts.ProcessAction == "" {
		opts.ProcessAction = DefaultProcessAction
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	store := opts.Store
	if store == nil {
		store = journal.NewMemory(opts.Journal)
	}
	h, err := acapi.New(acapi.Options{
		Verifier:          opts.Verifier,
		Store:             store,
		Runner:            &localRunner{s: s, store: store, action: opts.ProcessAction, inFlight: make(chan struct{}, opts.MaxInFlight)},
		BaseURL:           s.apiHost,
		RetryAfter:        opts.RetryAfter,
		JournalRetryAfter: opts.JournalRetryAfter,
		MaxBodyBytes:      int64(s.opts.MaxPayloadBytes),
		Logger:            s.opts.Logger,
	})
	if err != nil { // every option is set above
		panic(err)
	}
	return h
}

// serveAssetCompute routes a call of the Asset Compute API.
func (s *Server) serveAssetCompute(w http.ResponseWriter, r *http.Request) {
	if s.acapi == nil {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	s.acapi.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), apiRequestKey{}, r)))
}

// apiRequestKey is the context key of the API request, whose host the
// process activations are given as their API host.
type apiRequestKey struct{}

// requestFrom returns the API request of ctx, or nil.
func requestFrom(ctx context.Context) *http.Request {
	r, _ := ctx.Value(apiRequestKey{}).(*http.Request)
	return r
}

// isAssetComputePath reports whether path is one of the API's.
func isAssetComputePath(path string) bool { return acapi.IsPath(path) }

// localRunner runs /process requests as activations of this server and
// appends their events to the journal when they end.
type localRunner struct {
	s        *Server
	store    journal.Store
	action   string
	inFlight chan struct{} // a slot per running request
}

// Start implements acapi.Runner.
func (l *localRunner) Start(ctx context.Context, req acapi.Request) (string, error) {
	s := l.s
	t, ok := s.resolve(l.action)
	if !ok {
		return "", fmt.Errorf("the process action %s is not deployed", l.action)
	}
	select {
	case l.inFlight <- struct{}{}:
	default:
		return "", acapi.ErrBusy
	}
	var params map[string]json.RawMessage
	_ = json.Unmarshal(req.Params, &params)
	inv := invocation{id: newActivationID(), target: t, params: params, apiHost: s.apiHost(requestFrom(ctx))}
	if !s.track(func() {
		defer func() { <-l.inFlight }()
		rec := <-s.activate(inv)
		evs := acapi.ActivationEvents(rec.act.ActivationID, rec.act.Response.Status, rec.act.Response.Result, req, time.Now())
		if err := l.store.Append(s.ctx, req.JournalID, evs...); err != nil {
			s.opts.Logger.Error("asset compute api: appending events failed", "requestId", req.RequestID, "error", err)
		}
	}) {
		<-l.inFlight
		return "", errors.New("the server is stopping")
	}
	return inv.id, nil
}

// track runs f in a goroutine the server waits for on Close; false when
// the server is stopping.
func (s *Server) track(f func()) bool {
	s.runMu.RLock()
	defer s.runMu.RUnlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}
