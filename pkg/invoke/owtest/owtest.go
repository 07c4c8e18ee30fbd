// Package owtest is a fake OpenWhisk controller for tests: an httptest
// server that answers the REST routes the invoker and the event sinks use,
// with the status codes and JSON shapes of a real controller.
//
//	POST /api/v1/namespaces/{ns}/actions/{name}?blocking=true&result=true
//	     200 result | 202 {"activationId"} | 404 | 429 | 502 {"error": ...}
//	POST /api/v1/namespaces/{ns}/actions/{name}?blocking=false
//	     202 {"activationId"}
//	GET  /api/v1/namespaces/{ns}/activations/{id}
//	     404 until the activation is done, then its record
//	POST /api/v1/namespaces/{ns}/triggers/{name}
//	     202 {"activationId"} | 404
package owtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Reply is what an action's behaviour asks the controller to answer to one
// blocking invocation.
type Reply struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Body is the JSON body (for 200, the action's result); marshalled.
	Body any
	// Raw, when set, is sent as the body verbatim (garbage results).
	Raw string
	// Delay is how long the controller takes to answer.
	Delay time.Duration
	// Async makes the controller answer 202 with an activation id at once;
	// the activation record appears after Delay with Body as its result,
	// successful unless Failed.
	Async  bool
	Failed bool
}

// Behaviour decides the reply to the n-th (0-based) blocking invocation of
// an action.
type Behaviour func(n int, params json.RawMessage) Reply

// Call is one request the controller received.
type Call struct {
	Method, Path, Query, Auth string
	Body                      json.RawMessage
}

// Controller is a fake OpenWhisk controller.
type Controller struct {
	*httptest.Server

	mu          sync.Mutex
	actions     map[string]Behaviour
	counts      map[string]int
	activations map[string]activation
	triggers    map[string]bool
	calls       []Call
	seq         int
}

type activation struct {
	ready  time.Time
	result any
	ok     bool
}

// New starts a controller; it is closed when the test ends.
func New(t testing.TB) *Controller {
	c := &Controller{actions: map[string]Behaviour{}, counts: map[string]int{},
		activations: map[string]activation{}, triggers: map[string]bool{}}
	c.Server = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.Close)
	return c
}

// Action registers an action (name relative to the namespace, such as
// "thumbnail" or "pkg/thumbnail").
func (c *Controller) Action(name string, b Behaviour) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.actions[name] = b
}

// Trigger registers a trigger.
func (c *Controller) Trigger(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.triggers[name] = true
}

// Calls returns the requests received so far.
func (c *Controller) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Call(nil), c.calls...)
}

// Count returns how many blocking invocations an action received.
func (c *Controller) Count(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[name]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (c *Controller) newID() string {
	c.seq++
	return fmt.Sprintf("%032x", c.seq)
}

func (c *Controller) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.calls = append(c.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Body: body})
	c.mu.Unlock()

	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/namespaces/")
	if !ok {
		writeJSON(w, 404, map[string]any{"error": "The requested resource does not exist.", "code": "x"})
		return
	}
	_, rest, _ = strings.Cut(rest, "/")
	kind, name, _ := strings.Cut(rest, "/")
	switch {
	case kind == "actions" && r.Method == http.MethodPost:
		c.invoke(w, r, name, body)
	case kind == "activations" && r.Method == http.MethodGet:
		c.activation(w, name)
	case kind == "triggers" && r.Method == http.MethodPost:
		c.mu.Lock()
		known := c.triggers[name]
		id := c.newID()
		c.mu.Unlock()
		if !known {
			writeJSON(w, 404, map[string]any{"error": "The requested resource does not exist.", "code": "t"})
			return
		}
		writeJSON(w, 202, map[string]any{"activationId": id})
	default:
		writeJSON(w, 404, map[string]any{"error": "The requested resource does not exist.", "code": "y"})
	}
}

func (c *Controller) invoke(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	c.mu.Lock()
	b, ok := c.actions[name]
	n := c.counts[name]
	c.counts[name]++
	id := c.newID()
	c.mu.Unlock()
	if !ok {
		writeJSON(w, 404, map[string]any{"error": "The requested resource does not exist.", "code": "a"})
		return
	}
	if r.URL.Query().Get("blocking") != "true" {
		c.mu.Lock()
		c.activations[id] = activation{ready: time.Now(), result: map[string]any{}, ok: true}
		c.mu.Unlock()
		writeJSON(w, 202, map[string]any{"activationId": id})
		return
	}
	rep := b(n, body)
	if rep.Async {
		c.mu.Lock()
		c.activations[id] = activation{ready: time.Now().Add(rep.Delay), result: rep.Body, ok: !rep.Failed}
		c.mu.Unlock()
		writeJSON(w, 202, map[string]any{"activationId": id})
		return
	}
	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	status := rep.Status
	if status == 0 {
		status = 200
	}
	if rep.Raw != "" {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, rep.Raw)
		return
	}
	writeJSON(w, status, rep.Body)
}

func (c *Controller) activation(w http.ResponseWriter, id string) {
	c.mu.Lock()
	a, ok := c.activations[id]
	c.mu.Unlock()
	if !ok || time.Now().Before(a.ready) {
		writeJSON(w, 404, map[string]any{"error": "The requested resource does not exist.", "code": "b"})
		return
	}
	status := "success"
	if !a.ok {
		status = "application error"
	}
	writeJSON(w, 200, map[string]any{
		"activationId": id, "namespace": "guest", "name": "action",
		"response": map[string]any{"status": status, "statusCode": 0, "success": a.ok, "result": a.result},
	})
}
