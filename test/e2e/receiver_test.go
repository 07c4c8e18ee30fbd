package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// webhookSecret signs the events the deployment posts to the receiver.
const webhookSecret = "e2e-webhook-secret-5b1f"

// event is the part of an Asset Compute event the test checks.
type event struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	RequestID   string         `json:"requestId"`
	Source      string         `json:"source"`
	Rendition   map[string]any `json:"rendition"`
	Metadata    map[string]any `json:"metadata"`
	ErrorReason string         `json:"errorReason"`
	ErrorMsg    string         `json:"errorMessage"`
}

// name is the rendition's name.
func (e event) name() string {
	s, _ := e.Rendition["name"].(string)
	return s
}

// delivery is one POST received by the event receiver.
type delivery struct {
	At      time.Time
	ID      string // X-ACS-Event-Id
	Valid   bool   // signature and timestamp verified as docs/events.md says
	Problem string // why not valid, or why the body is not an event
	Body    []byte
	Event   event
}

// receiver is the signed-webhook receiver of docs/events.md: it verifies
// each request over the raw body, then stores the event under its id if
// that id is new (deduplication), and answers 204.
type receiver struct {
	srv    *httptest.Server
	caFile string // PEM of the server's self-signed certificate

	mu         sync.Mutex
	deliveries []delivery
	events     map[string]event // by id: what a deduplicating consumer keeps
	firstAt    map[string]time.Time
}

// startReceiver starts the receiver on https://127.0.0.1:PORT (process
// only posts to https webhooks) and writes its certificate to a file that
// the action processes get as SSL_CERT_FILE.
func startReceiver(t testing.TB) *receiver {
	t.Helper()
	r := &receiver{events: map[string]event{}, firstAt: map[string]time.Time{}}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	r.caFile = filepath.Join(t.TempDir(), "receiver-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.srv.Certificate().Raw})
	if err := os.WriteFile(r.caFile, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return r
}

// URL is where the deployment posts events.
func (r *receiver) URL() string { return r.srv.URL + "/acs-events" }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, ok, problem := verifyWebhook(req, []byte(webhookSecret))
	d := delivery{At: time.Now(), ID: req.Header.Get("X-ACS-Event-Id"), Valid: ok, Problem: problem, Body: body}
	if ok {
		if err := json.Unmarshal(body, &d.Event); err != nil {
			d.Valid, d.Problem = false, "body is not an event: "+err.Error()
		} else if d.Event.ID != d.ID {
			d.Valid, d.Problem = false, "X-ACS-Event-Id "+d.ID+" differs from the body's id "+d.Event.ID
		}
	}
	r.mu.Lock()
	r.deliveries = append(r.deliveries, d)
	if d.Valid {
		if _, seen := r.events[d.ID]; !seen {
			r.events[d.ID] = d.Event
			r.firstAt[d.ID] = d.At
		}
	}
	r.mu.Unlock()
	if !d.Valid {
		http.Error(w, problem, http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// verifyWebhook is the recipe of docs/events.md, "Verifying a webhook
// request": read the raw body, check the timestamp is within five minutes,
// recompute hex(HMAC-SHA256(secret, timestamp + "." + body)) and compare it
// with X-ACS-Signature in constant time.
func verifyWebhook(r *http.Request, secret []byte) ([]byte, bool, string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, false, "read body: " + err.Error()
	}
	ts := r.Header.Get("X-ACS-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return body, false, "X-ACS-Timestamp is not Unix seconds"
	}
	if age := time.Since(time.Unix(sec, 0)); age > 5*time.Minute || age < -5*time.Minute {
		return body, false, "timestamp too far from now"
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-ACS-Signature"))) {
		return body, false, "bad signature"
	}
	return body, true, ""
}

// snapshot returns every delivery and the deduplicated events so far.
func (r *receiver) snapshot() ([]delivery, map[string]event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := make(map[string]event, len(r.events))
	for k, v := range r.events {
		evs[k] = v
	}
	return append([]delivery(nil), r.deliveries...), evs
}

// forRequest returns the deduplicated events of one request, by rendition
// name, and how many deliveries the request had.
func (r *receiver) forRequest(requestID string) (map[string]event, int) {
	ds, evs := r.snapshot()
	out := map[string]event{}
	for _, e := range evs {
		if e.RequestID == requestID {
			out[e.name()] = e
		}
	}
	n := 0
	for _, d := range ds {
		if d.Valid && d.Event.RequestID == requestID {
			n++
		}
	}
	return out, n
}
