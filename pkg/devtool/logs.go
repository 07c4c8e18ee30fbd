package devtool

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/logctx"
)

// Bounds of a LogStore.
const (
	maxLogRequests = 50
	maxLogLines    = 2000
)

// LogStore keeps the log records of the last requests, by request id, so
// the page can show a run's logs beside its results.
type LogStore struct {
	mu    sync.Mutex
	lines map[string][]string
	order []string
}

// NewLogStore returns an empty store.
func NewLogStore() *LogStore { return &LogStore{lines: map[string][]string{}} }

// Lines returns the lines logged for the request id.
func (s *LogStore) Lines(requestID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines[requestID]...)
}

// Add appends lines to the log of the request id (the logs of activations
// that ran elsewhere).
func (s *LogStore) Add(requestID string, lines ...string) {
	for _, l := range lines {
		s.add(requestID, l)
	}
}

// add appends a line to the request's log.
func (s *LogStore) add(requestID, line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.lines[requestID]
	if !ok {
		s.order = append(s.order, requestID)
		for len(s.order) > maxLogRequests {
			delete(s.lines, s.order[0])
			s.order = s.order[1:]
		}
	}
	if len(l) < maxLogLines {
		s.lines[requestID] = append(l, line)
	}
}

// Handler returns a slog.Handler that keeps the records carrying a
// request id (attribute requestId, which package logctx adds) at level
// Info and above, and passes every record on to next (nil: none).
func (s *LogStore) Handler(next slog.Handler) slog.Handler {
	return &captureHandler{store: s, next: next}
}

// captureHandler is the handler of LogStore.Handler.
type captureHandler struct {
	store  *LogStore
	next   slog.Handler
	attrs  []slog.Attr
	prefix string // the open groups, "a.b."
}

// Enabled implements slog.Handler.
func (c *captureHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || (c.next != nil && c.next.Enabled(ctx, l))
}

// Handle implements slog.Handler.
func (c *captureHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelInfo {
		var b strings.Builder
		b.WriteString(r.Time.Format(time.TimeOnly + ".000"))
		b.WriteString(" " + r.Level.String() + " " + r.Message)
		id := logctx.RequestID(ctx)
		each := func(prefix string, a slog.Attr) {
			if a.Key == logctx.KeyRequestID {
				id = a.Value.String()
				return
			}
			b.WriteString(" " + prefix + a.Key + "=" + a.Value.String())
		}
		for _, a := range c.attrs {
			each("", a)
		}
		r.Attrs(func(a slog.Attr) bool { each(c.prefix, a); return true })
		if id != "" {
			c.store.add(id, b.String())
		}
	}
	if c.next != nil && c.next.Enabled(ctx, r.Level) {
		return c.next.Handle(ctx, r)
	}
	return nil
}

// WithAttrs implements slog.Handler.
func (c *captureHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *c
	for _, a := range as {
		a.Key = c.prefix + a.Key
		n.attrs = append(append([]slog.Attr(nil), n.attrs...), a)
	}
	if c.next != nil {
		n.next = c.next.WithAttrs(as)
	}
	return &n
}

// WithGroup implements slog.Handler.
func (c *captureHandler) WithGroup(name string) slog.Handler {
	n := *c
	n.prefix = c.prefix + name + "."
	if c.next != nil {
		n.next = c.next.WithGroup(name)
	}
	return &n
}
