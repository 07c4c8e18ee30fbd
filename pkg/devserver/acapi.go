package devserver

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/journal"
)

// Defaults of [AssetComputeOptions].
const (
	DefaultProcessAction     = "asset-compute/process"
	DefaultMaxInFlight       = 16
	DefaultRetryAfter        = 5 * time.Second
	DefaultJournalRetryAfter = time.Second
	journalPrefix            = "/events/journal/"
)

// AssetComputeOptions configures the Asset Compute HTTP API (POST
// /register, /unregister, /process and the event journals). The API is off
// unless Verifier is set.
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
	// age). Defaults: journal.DefaultMaxEvents, journal.DefaultMaxAge.
	Journal journal.Options
}

func (o AssetComputeOptions) withDefaults() AssetComputeOptions {
	if o.ProcessAction == "" {
		o.ProcessAction = DefaultProcessAction
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if o.JournalRetryAfter <= 0 {
		o.JournalRetryAfter = DefaultJournalRetryAfter
	}
	return o
}

// TokenVerifier validates the bearer token of an Asset Compute API call
// made for an organisation (x-gw-ims-org-id) and API key (x-api-key).
type TokenVerifier interface {
	// Verify returns nil when token may call the API for org and apiKey,
	// ErrTokenInvalid when the token is not valid at all, and
	// ErrTokenForbidden when it is valid but not for org or apiKey.
	Verify(ctx context.Context, token, org, apiKey string) error
}

// Errors of a [TokenVerifier].
var (
	ErrTokenInvalid   = errors.New("the bearer token is not valid")
	ErrTokenForbidden = errors.New("the bearer token is not allowed for this organisation or API key")
)

// StaticTokens is a [TokenVerifier] for local use: it accepts the tokens of
// a fixed list, for any organisation and API key.
type StaticTokens struct{ tokens [][]byte }

// NewStaticTokens returns a verifier accepting tokens; empty entries are
// ignored.
func NewStaticTokens(tokens ...string) *StaticTokens {
	v := &StaticTokens{}
	for _, t := range tokens {
		if t = strings.TrimSpace(t); t != "" {
			v.tokens = append(v.tokens, []byte(t))
		}
	}
	return v
}

// Verify implements [TokenVerifier], comparing in constant time.
func (v *StaticTokens) Verify(_ context.Context, token, _, _ string) error {
	ok := 0
	for _, t := range v.tokens {
		ok |= subtle.ConstantTimeCompare([]byte(token), t)
	}
	if ok != 1 {
		return ErrTokenInvalid
	}
	return nil
}

// acAPI is the state of the Asset Compute API.
type acAPI struct {
	opts AssetComputeOptions

	mu       sync.Mutex
	clients  map[acClient]*registration // by org and API key
	journals map[string]*registration   // by journal id

	inFlight chan struct{} // a slot per running /process request
}

// acClient identifies a registered client.
type acClient struct{ org, apiKey string }

// registration is a registered client and its journal.
type registration struct {
	client  acClient
	id      string
	journal *journal.Journal
}

func newACAPI(opts AssetComputeOptions) *acAPI {
	if opts.Verifier == nil {
		return nil
	}
	opts = opts.withDefaults()
	return &acAPI{
		opts:     opts,
		clients:  map[acClient]*registration{},
		journals: map[string]*registration{},
		inFlight: make(chan struct{}, opts.MaxInFlight),
	}
}

// acResponse is the body of the API's answers.
type acResponse struct {
	OK           bool   `json:"ok"`
	RequestID    string `json:"requestId"`
	Journal      string `json:"journal,omitempty"`
	ActivationID string `json:"activationId,omitempty"`
	Message      string `json:"message,omitempty"`
}

// isAssetComputePath reports whether path is one of the API's.
func isAssetComputePath(path string) bool {
	switch path {
	case "/register", "/unregister", "/process":
		return true
	}
	return strings.HasPrefix(path, journalPrefix)
}

// serveAssetCompute routes a call of the Asset Compute API.
func (s *Server) serveAssetCompute(w http.ResponseWriter, r *http.Request) {
	api := s.acapi
	if api == nil {
		writeError(w, http.StatusNotFound, msgNotFound)
		return
	}
	requestID := r.Header.Get("x-request-id")
	if requestID == "" || len(requestID) > 128 {
		requestID = newActivationID()
	}
	path := r.URL.Path
	if strings.HasPrefix(path, journalPrefix) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		s.serveJournal(w, r, strings.TrimPrefix(path, journalPrefix), requestID)
		return
	}
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	client, ok := s.acAuth(w, r, requestID, true)
	if !ok {
		return
	}
	switch path {
	case "/register":
		reg := api.register(client)
		s.acLog(r, http.StatusOK, requestID, "registered")
		writeJSON(w, http.StatusOK, acResponse{OK: true, RequestID: requestID, Journal: s.journalURL(r, reg.id)})
	case "/unregister":
		if !api.unregister(client) {
			s.acRefuse(w, r, http.StatusNotFound, requestID, "this organisation and API key are not registered")
			return
		}
		s.acLog(r, http.StatusOK, requestID, "unregistered")
		writeJSON(w, http.StatusOK, acResponse{OK: true, RequestID: requestID})
	case "/process":
		s.acProcess(w, r, client, requestID)
	}
}

// acAuth checks the bearer token, and with needClient the x-api-key and
// x-gw-ims-org-id headers; on failure it has answered 401 or 403. The
// token is never logged nor echoed.
func (s *Server) acAuth(w http.ResponseWriter, r *http.Request, requestID string, needClient bool) (acClient, bool) {
	c := acClient{org: r.Header.Get("x-gw-ims-org-id"), apiKey: r.Header.Get("x-api-key")}
	if c.org == "" {
		c.org = r.Header.Get("x-ims-org-id")
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		s.acRefuse(w, r, http.StatusUnauthorized, requestID, "an access token is required: Authorization: Bearer <token>")
		return c, false
	}
	if needClient && c.apiKey == "" {
		s.acRefuse(w, r, http.StatusUnauthorized, requestID, "an API key is required: x-api-key")
		return c, false
	}
	if needClient && c.org == "" {
		s.acRefuse(w, r, http.StatusUnauthorized, requestID, "an organisation is required: x-gw-ims-org-id")
		return c, false
	}
	switch err := s.acapi.opts.Verifier.Verify(r.Context(), token, c.org, c.apiKey); {
	case err == nil:
		return c, true
	case errors.Is(err, ErrTokenForbidden):
		s.acRefuse(w, r, http.StatusForbidden, requestID, ErrTokenForbidden.Error())
	default:
		s.acRefuse(w, r, http.StatusUnauthorized, requestID, ErrTokenInvalid.Error())
	}
	return c, false
}

// acRefuse answers an API call with an error status and message.
func (s *Server) acRefuse(w http.ResponseWriter, r *http.Request, status int, requestID, msg string) {
	s.acLog(r, status, requestID, msg)
	writeJSON(w, status, acResponse{OK: false, RequestID: requestID, Message: msg})
}

// acLog logs one API call: its path, status, organisation and API key,
// never its token.
func (s *Server) acLog(r *http.Request, status int, requestID, msg string) {
	s.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, "asset compute api",
		slog.String("path", r.URL.Path), slog.Int("status", status),
		slog.String("requestId", requestID), slog.String("org", r.Header.Get("x-gw-ims-org-id")),
		slog.String("message", msg))
}

// register returns the client's registration, creating it the first time.
func (a *acAPI) register(c acClient) *registration {
	a.mu.Lock()
	defer a.mu.Unlock()
	if reg, ok := a.clients[c]; ok {
		return reg
	}
	reg := &registration{client: c, id: newActivationID() + newActivationID(), journal: journal.New(a.opts.Journal)}
	a.clients[c] = reg
	a.journals[reg.id] = reg
	return reg
}

// unregister forgets the client and its journal.
func (a *acAPI) unregister(c acClient) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	reg, ok := a.clients[c]
	if ok {
		delete(a.clients, c)
		delete(a.journals, reg.id)
	}
	return ok
}

// registration returns the client's registration.
func (a *acAPI) registration(c acClient) (*registration, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	reg, ok := a.clients[c]
	return reg, ok
}

// journalURL returns the absolute URL of a journal.
func (s *Server) journalURL(r *http.Request, id string) string {
	return s.apiHost(r) + journalPrefix + id
}

// processRequest is the body of POST /process.
type processRequest struct {
	Source     json.RawMessage `json:"source"`
	Renditions json.RawMessage `json:"renditions"`
	UserData   json.RawMessage `json:"userData,omitempty"`
}

// acProcess answers POST /process: it invokes the process action with the
// request and appends the activation's events to the client's journal.
func (s *Server) acProcess(w http.ResponseWriter, r *http.Request, c acClient, requestID string) {
	api := s.acapi
	reg, ok := api.registration(c)
	if !ok {
		s.acRefuse(w, r, http.StatusBadRequest, requestID, "this organisation and API key are not registered: POST /register first")
		return
	}
	var req processRequest
	body, ok := readBody(w, r, int64(s.opts.MaxPayloadBytes))
	if !ok {
		return
	}
	if err := json.Unmarshal(body, &req); err != nil {
		s.acRefuse(w, r, http.StatusBadRequest, requestID, "the request is not a JSON object: "+err.Error())
		return
	}
	var renditions []json.RawMessage
	if json.Unmarshal(req.Renditions, &renditions) != nil || len(renditions) == 0 {
		s.acRefuse(w, r, http.StatusBadRequest, requestID, "renditions must be a non-empty array")
		return
	}
	t, ok := s.resolve(api.opts.ProcessAction)
	if !ok {
		s.acRefuse(w, r, http.StatusServiceUnavailable, requestID, "the process action "+api.opts.ProcessAction+" is not deployed")
		return
	}
	select {
	case api.inFlight <- struct{}{}:
	default:
		w.Header().Set("Retry-After", strconv.Itoa(int(max(api.opts.RetryAfter.Round(time.Second)/time.Second, 1))))
		s.acRefuse(w, r, http.StatusTooManyRequests, requestID, "too many requests in flight; retry later")
		return
	}
	params := map[string]json.RawMessage{
		"requestId":  mustJSON(requestID),
		"renditions": req.Renditions,
	}
	if len(req.Source) > 0 {
		params["source"] = req.Source
	}
	if len(req.UserData) > 0 {
		params["userData"] = req.UserData
	}
	inv := invocation{id: newActivationID(), target: t, params: params, apiHost: s.apiHost(r)}
	if !s.track(func() {
		defer func() { <-api.inFlight }()
		rec := <-s.activate(inv)
		for _, ev := range activationEvents(rec, requestID, renditions, req.UserData) {
			reg.journal.Append(ev)
		}
	}) {
		<-api.inFlight
		s.acRefuse(w, r, http.StatusServiceUnavailable, requestID, "the server is stopping")
		return
	}
	s.acLog(r, http.StatusOK, requestID, "processing "+inv.id)
	writeJSON(w, http.StatusOK, acResponse{OK: true, RequestID: requestID, ActivationID: inv.id})
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

// activationEvents returns the events of a process activation: those of
// its result, or, when the activation failed without events, one
// rendition_failed event per requested rendition, so that every rendition
// ends in an event.
func activationEvents(rec *record, requestID string, renditions []json.RawMessage, userData json.RawMessage) []json.RawMessage {
	resp := rec.act.Response
	var result struct {
		Events []json.RawMessage `json:"events"`
		Error  json.RawMessage   `json:"error"`
	}
	_ = json.Unmarshal(resp.Result, &result)
	if len(result.Events) > 0 {
		return result.Events
	}
	msg := "the process activation " + rec.act.ActivationID + " ended with " + resp.Status
	var text string
	if json.Unmarshal(result.Error, &text) == nil && text != "" {
		msg += ": " + text
	}
	date := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	out := make([]json.RawMessage, 0, len(renditions))
	for _, rendition := range renditions {
		ev := map[string]any{
			"type":         "rendition_failed",
			"date":         date,
			"requestId":    requestID,
			"rendition":    rendition,
			"errorReason":  "GenericError",
			"errorMessage": msg,
		}
		if len(userData) > 0 {
			ev["userData"] = userData
		}
		out = append(out, mustJSON(ev))
	}
	return out
}

// journalPage is a 200 answer of a journal, as Adobe I/O Events shapes it.
type journalPage struct {
	Events []journal.Entry `json:"events"`
	Page   pageInfo        `json:"_page"`
}

// pageInfo tells the last position of a page and how many events it holds.
type pageInfo struct {
	Last  string `json:"last"`
	Count int    `json:"count"`
}

// serveJournal answers GET /events/journal/ID[?since=POS|latest=true][&limit=N]:
// 200 {"events": [{"position", "event"}], "_page": {"last", "count"}} or 204, both with Link rel="next"
// and retry-after.
func (s *Server) serveJournal(w http.ResponseWriter, r *http.Request, id, requestID string) {
	api := s.acapi
	client, ok := s.acAuth(w, r, requestID, false)
	if !ok {
		return
	}
	api.mu.Lock()
	reg, ok := api.journals[id]
	api.mu.Unlock()
	if !ok {
		s.acRefuse(w, r, http.StatusNotFound, requestID, "no such journal (unregistered, or never registered)")
		return
	}
	if client.org != "" && client.org != reg.client.org {
		s.acRefuse(w, r, http.StatusForbidden, requestID, "this journal belongs to another organisation")
		return
	}
	q := r.URL.Query()
	limit := min(max(queryInt(r, "limit", journal.DefaultPageSize), 1), 1000)
	since := q.Get("since")
	var (
		entries []journal.Entry
		next    string
	)
	if since == "" && q.Get("latest") == "true" {
		next = reg.journal.Latest()
	} else if entries, next, ok = reg.journal.Read(since, limit); !ok {
		s.acRefuse(w, r, http.StatusBadRequest, requestID, "since is not a position of this journal")
		return
	}
	nextQ := url.Values{"since": {next}}
	if q.Has("limit") {
		nextQ.Set("limit", strconv.Itoa(limit))
	}
	w.Header().Set("Link", "<"+journalPrefix+id+"?"+nextQ.Encode()+`>; rel="next"`)
	w.Header().Set("Retry-After", strconv.Itoa(int(max(api.opts.JournalRetryAfter.Round(time.Second)/time.Second, 1))))
	if len(entries) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, journalPage{Events: entries, Page: pageInfo{Last: next, Count: len(entries)}})
}
