// Package acapi is the Asset Compute HTTP API that the hosted service's
// clients (@adobe/asset-compute-client) call: POST /register, /unregister
// and /process, and GET of a client's event journal. [Handler] serves it
// over net/http; acs serve mounts it for local use (in-memory journals,
// activations run in the same process), and the asset-compute/acapi
// OpenWhisk web action serves it in production ([Web], journals in S3,
// activations started through the OpenWhisk API).
//
// Every call carries Authorization: Bearer <token>, checked by a
// [TokenVerifier], and /register, /unregister and /process also
// x-api-key and x-gw-ims-org-id, which identify the client. Tokens are
// never logged nor echoed.
package acapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/journal"
)

// Defaults of [Options].
const (
	DefaultRetryAfter        = 5 * time.Second
	DefaultJournalRetryAfter = time.Second
	DefaultMaxBodyBytes      = 1 << 20
	// JournalPrefix is the path of the journals, followed by a journal id.
	JournalPrefix = "/events/journal/"
)

// Request is a /process request of a registered client.
type Request struct {
	// JournalID is the client's journal, where the events must go.
	JournalID string
	// RequestID identifies the request (x-request-id, or generated).
	RequestID string
	// Params are the process action's parameters: requestId, source,
	// renditions and userData.
	Params json.RawMessage
	// Renditions are the requested renditions, as sent.
	Renditions []json.RawMessage
	// UserData is the request's userData, as sent.
	UserData json.RawMessage
}

// ErrBusy is returned (wrapped) by a [Runner] that cannot take a request
// now; the API answers 429 with Retry-After.
var ErrBusy = errors.New("too many requests in flight; retry later")

// Runner runs /process requests.
type Runner interface {
	// Start begins running the process action for req and returns the
	// activation id. When the activation ends, its events (or one
	// rendition_failed per rendition, see ActivationEvents) must be
	// appended to req.JournalID: by the runner itself, or by its Collect
	// when it implements [Collector]. An error wrapping ErrBusy is a 429;
	// any other a 503 with the error's message.
	Start(ctx context.Context, req Request) (activationID string, err error)
}

// Collector is implemented by a [Runner] that appends the events of ended
// activations lazily: the handler calls Collect before reading a journal.
type Collector interface {
	Collect(ctx context.Context, journalID string) error
}

// Options configures a [Handler].
type Options struct {
	// Verifier validates bearer tokens. Required.
	Verifier TokenVerifier
	// Store keeps the registrations and journals. Required.
	Store journal.Store
	// Runner runs /process requests. Required.
	Runner Runner
	// BaseURL returns the absolute URL the API is served at for r, without
	// a trailing slash: journal URLs are built on it, and the Link header
	// on its path. Required.
	BaseURL func(r *http.Request) string
	// RetryAfter is the Retry-After of a 429. Default: DefaultRetryAfter.
	RetryAfter time.Duration
	// JournalRetryAfter is the retry-after of a journal read, how long a
	// client waits before polling again. Default: DefaultJournalRetryAfter.
	JournalRetryAfter time.Duration
	// MaxBodyBytes caps a request body (413 beyond).
	// Default: DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Logger gets one line per call (never a token). Default: discarded.
	Logger *slog.Logger
}

// Handler serves the API; paths are relative to the API's base: /register,
// /unregister, /process and JournalPrefix+ID.
type Handler struct{ opts Options }

// New returns a handler.
func New(opts Options) (*Handler, error) {
	if opts.Verifier == nil || opts.Store == nil || opts.Runner == nil || opts.BaseURL == nil {
		return nil, errors.New("acapi: a verifier, a store, a runner and a base URL are required")
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = DefaultRetryAfter
	}
	if opts.JournalRetryAfter <= 0 {
		opts.JournalRetryAfter = DefaultJournalRetryAfter
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{opts: opts}, nil
}

// IsPath reports whether path is one of the API's.
func IsPath(path string) bool {
	switch path {
	case "/register", "/unregister", "/process":
		return true
	}
	return strings.HasPrefix(path, JournalPrefix)
}

// Response is the body of the API's answers other than journal reads.
type Response struct {
	OK           bool   `json:"ok"`
	RequestID    string `json:"requestId"`
	Journal      string `json:"journal,omitempty"`
	ActivationID string `json:"activationId,omitempty"`
	Message      string `json:"message,omitempty"`
}

// JournalPage is a 200 answer of a journal, as Adobe I/O Events shapes it.
type JournalPage struct {
	Events []journal.Entry `json:"events"`
	Page   PageInfo        `json:"_page"`
}

// PageInfo tells the last position of a page and how many events it holds.
type PageInfo struct {
	Last  string `json:"last"`
	Count int    `json:"count"`
}

// client identifies a registered client.
type client struct{ org, apiKey string }

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// MaxRequestIDLen is the longest x-request-id a client may choose.
const MaxRequestIDLen = 128

// RequestID returns the request id of a call whose x-request-id header is
// sent, as the hosted service does: sent itself when it is 1 to
// MaxRequestIDLen visible ASCII characters (it then reaches the answer's
// X-Request-Id header, the body's requestId, the events and the logs),
// otherwise a new random id.
func RequestID(sent string) string {
	if sent == "" || len(sent) > MaxRequestIDLen {
		return newID()
	}
	for i := 0; i < len(sent); i++ {
		if sent[i] <= ' ' || sent[i] > '~' {
			return newID()
		}
	}
	return sent
}

// ServeHTTP implements http.Handler. Every answer carries the call's
// request id in its X-Request-Id header (and, but for journal reads, in
// the body's requestId).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := RequestID(r.Header.Get("x-request-id"))
	w.Header().Set("X-Request-Id", requestID)
	path := r.URL.Path
	if !IsPath(path) {
		h.refuse(w, r, http.StatusNotFound, requestID, "no such API path: "+path)
		return
	}
	if strings.HasPrefix(path, JournalPrefix) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET")
			h.refuse(w, r, http.StatusMethodNotAllowed, requestID, "only GET is accepted")
			return
		}
		h.serveJournal(w, r, strings.TrimPrefix(path, JournalPrefix), requestID)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		h.refuse(w, r, http.StatusMethodNotAllowed, requestID, "only POST is accepted")
		return
	}
	c, ok := h.auth(w, r, requestID, true)
	if !ok {
		return
	}
	ctx := r.Context()
	switch path {
	case "/register":
		id, err := h.opts.Store.Register(ctx, c.org, c.apiKey)
		if err != nil {
			h.storeFailed(w, r, requestID, err)
			return
		}
		h.log(r, http.StatusOK, requestID, "registered")
		writeJSON(w, http.StatusOK, Response{OK: true, RequestID: requestID, Journal: h.opts.BaseURL(r) + JournalPrefix + id})
	case "/unregister":
		gone, err := h.opts.Store.Unregister(ctx, c.org, c.apiKey)
		if err != nil {
			h.storeFailed(w, r, requestID, err)
			return
		}
		if !gone {
			h.refuse(w, r, http.StatusNotFound, requestID, "this organisation and API key are not registered")
			return
		}
		h.log(r, http.StatusOK, requestID, "unregistered")
		writeJSON(w, http.StatusOK, Response{OK: true, RequestID: requestID})
	case "/process":
		h.process(w, r, c, requestID)
	}
}

// auth checks the bearer token, and with needClient the x-api-key and
// x-gw-ims-org-id headers; on failure it has answered 401 or 403. The
// token is never logged nor echoed.
func (h *Handler) auth(w http.ResponseWriter, r *http.Request, requestID string, needClient bool) (client, bool) {
	c := client{org: r.Header.Get("x-gw-ims-org-id"), apiKey: r.Header.Get("x-api-key")}
	if c.org == "" {
		c.org = r.Header.Get("x-ims-org-id")
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		h.refuse(w, r, http.StatusUnauthorized, requestID, "an access token is required: Authorization: Bearer <token>")
		return c, false
	}
	if needClient && c.apiKey == "" {
		h.refuse(w, r, http.StatusUnauthorized, requestID, "an API key is required: x-api-key")
		return c, false
	}
	if needClient && c.org == "" {
		h.refuse(w, r, http.StatusUnauthorized, requestID, "an organisation is required: x-gw-ims-org-id")
		return c, false
	}
	switch err := h.opts.Verifier.Verify(r.Context(), token, c.org, c.apiKey); {
	case err == nil:
		return c, true
	case errors.Is(err, ErrTokenForbidden):
		h.refuse(w, r, http.StatusForbidden, requestID, ErrTokenForbidden.Error())
	default:
		h.refuse(w, r, http.StatusUnauthorized, requestID, ErrTokenInvalid.Error())
	}
	return c, false
}

// refuse answers a call with an error status and message.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, requestID, msg string) {
	h.log(r, status, requestID, msg)
	writeJSON(w, status, Response{OK: false, RequestID: requestID, Message: msg})
}

// storeFailed answers 503 for a store that failed; the cause is logged,
// not shown (it names buckets and keys).
func (h *Handler) storeFailed(w http.ResponseWriter, r *http.Request, requestID string, err error) {
	h.opts.Logger.LogAttrs(r.Context(), slog.LevelError, "asset compute api: journal store failed",
		slog.String("requestId", requestID), slog.String("error", err.Error()))
	w.Header().Set("Retry-After", h.seconds(h.opts.RetryAfter))
	h.refuse(w, r, http.StatusServiceUnavailable, requestID, "the journal store is not available; retry later")
}

// log logs one call: its path, status, organisation and request id, never
// its token.
func (h *Handler) log(r *http.Request, status int, requestID, msg string) {
	h.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, "asset compute api",
		slog.String("path", r.URL.Path), slog.Int("status", status),
		slog.String("requestId", requestID), slog.String("org", r.Header.Get("x-gw-ims-org-id")),
		slog.String("message", msg))
}

func (h *Handler) seconds(d time.Duration) string {
	return strconv.Itoa(int(max(d.Round(time.Second)/time.Second, 1)))
}

// processRequest is the body of POST /process.
type processRequest struct {
	Source     json.RawMessage `json:"source"`
	Renditions json.RawMessage `json:"renditions"`
	UserData   json.RawMessage `json:"userData,omitempty"`
}

// process answers POST /process: it starts the process action with the
// request through the runner.
func (h *Handler) process(w http.ResponseWriter, r *http.Request, c client, requestID string) {
	ctx := r.Context()
	id, ok, err := h.opts.Store.Lookup(ctx, c.org, c.apiKey)
	if err != nil {
		h.storeFailed(w, r, requestID, err)
		return
	}
	if !ok {
		h.refuse(w, r, http.StatusBadRequest, requestID, "this organisation and API key are not registered: POST /register first")
		return
	}
	body, err := readBody(w, r, h.opts.MaxBodyBytes)
	if err != nil {
		status := http.StatusBadRequest
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		h.refuse(w, r, status, requestID, err.Error())
		return
	}
	var pr processRequest
	if err := json.Unmarshal(body, &pr); err != nil {
		h.refuse(w, r, http.StatusBadRequest, requestID, "the request is not a JSON object: "+err.Error())
		return
	}
	var renditions []json.RawMessage
	if json.Unmarshal(pr.Renditions, &renditions) != nil || len(renditions) == 0 {
		h.refuse(w, r, http.StatusBadRequest, requestID, "renditions must be a non-empty array")
		return
	}
	params := map[string]json.RawMessage{"renditions": pr.Renditions}
	params["requestId"], _ = json.Marshal(requestID)
	if len(pr.Source) > 0 {
		params["source"] = pr.Source
	}
	if len(pr.UserData) > 0 {
		params["userData"] = pr.UserData
	}
	raw, _ := json.Marshal(params)
	act, err := h.opts.Runner.Start(ctx, Request{JournalID: id, RequestID: requestID, Params: raw,
		Renditions: renditions, UserData: pr.UserData})
	switch {
	case errors.Is(err, ErrBusy):
		w.Header().Set("Retry-After", h.seconds(h.opts.RetryAfter))
		h.refuse(w, r, http.StatusTooManyRequests, requestID, ErrBusy.Error())
		return
	case err != nil:
		h.refuse(w, r, http.StatusServiceUnavailable, requestID, err.Error())
		return
	}
	h.log(r, http.StatusOK, requestID, "processing "+act)
	writeJSON(w, http.StatusOK, Response{OK: true, RequestID: requestID, ActivationID: act})
}

// readBody reads a request body of at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, fmt.Errorf("the request body is larger than %d bytes: %w", limit, err)
	case err != nil:
		return nil, fmt.Errorf("cannot read the request body: %w", err)
	}
	return b, nil
}

// serveJournal answers GET JournalPrefix+ID[?since=POS|latest=true][&limit=N]:
// 200 {"events": [{"position", "event"}], "_page": {"last", "count"}} or
// 204, both with Link rel="next" and retry-after.
func (h *Handler) serveJournal(w http.ResponseWriter, r *http.Request, id, requestID string) {
	c, ok := h.auth(w, r, requestID, false)
	if !ok {
		return
	}
	ctx := r.Context()
	owner, err := h.opts.Store.Owner(ctx, id)
	if errors.Is(err, journal.ErrNoJournal) {
		h.refuse(w, r, http.StatusNotFound, requestID, "no such journal (unregistered, or never registered)")
		return
	}
	if err != nil {
		h.storeFailed(w, r, requestID, err)
		return
	}
	if c.org != "" && c.org != owner {
		h.refuse(w, r, http.StatusForbidden, requestID, "this journal belongs to another organisation")
		return
	}
	if col, ok := h.opts.Runner.(Collector); ok {
		if err := col.Collect(ctx, id); err != nil {
			// The events stay pending; this read goes on with what is there.
			h.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "asset compute api: collecting ended activations failed",
				slog.String("requestId", requestID), slog.String("error", err.Error()))
		}
	}
	q := r.URL.Query()
	limit := 100
	if v, err := strconv.Atoi(q.Get("limit")); err == nil {
		limit = v
	}
	limit = min(max(limit, 1), 1000)
	since := q.Get("since")
	first := false
	if m, ok := h.opts.Store.(journal.ReadMarker); ok {
		if first, err = m.MarkRead(ctx, id); err != nil {
			h.storeFailed(w, r, requestID, err)
			return
		}
	}
	var entries []journal.Entry
	var next string
	switch {
	case since == "" && q.Get("latest") == "true" && first:
		// The journal's first read ever: every event in it was appended
		// for this client since it registered, before its reader started
		// (a fast first request); it reads them from the oldest kept.
		next = "0"
	case since == "" && q.Get("latest") == "true":
		next, err = h.opts.Store.Latest(ctx, id)
	default:
		entries, next, err = h.opts.Store.Read(ctx, id, since, limit)
	}
	switch {
	case errors.Is(err, journal.ErrBadPosition):
		h.refuse(w, r, http.StatusBadRequest, requestID, "since is not a position of this journal")
		return
	case err != nil:
		h.storeFailed(w, r, requestID, err)
		return
	}
	nextQ := url.Values{"since": {next}}
	if q.Has("limit") {
		nextQ.Set("limit", strconv.Itoa(limit))
	}
	base := ""
	if u, err := url.Parse(h.opts.BaseURL(r)); err == nil {
		base = strings.TrimSuffix(u.Path, "/")
	}
	w.Header().Set("Link", "<"+base+JournalPrefix+id+"?"+nextQ.Encode()+`>; rel="next"`)
	w.Header().Set("Retry-After", h.seconds(h.opts.JournalRetryAfter))
	if len(entries) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	for i := range entries {
		entries[i].Event = HostedEvent(entries[i].Event)
	}
	writeJSON(w, http.StatusOK, JournalPage{Events: entries, Page: PageInfo{Last: next, Count: len(entries)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
