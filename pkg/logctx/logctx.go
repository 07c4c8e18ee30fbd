// Package logctx names the activation in every log line: the action loop
// and the request handlers put the activation id and the request id into
// the context (WithActivationID, WithRequestID), and a slog.Handler
// wrapped by NewHandler adds them as the attributes activationId and
// requestId to every record logged with that context
// (logger.InfoContext(ctx, ...)). A record, or a logger (With), that
// already carries one of the attributes keeps its own value and is not
// given a second one.
//
// The ids are added at the top level of the record unless the logger has
// a group open (WithGroup); then they go into that group.
package logctx

import (
	"context"
	"io"
	"log/slog"
)

// The attribute keys.
const (
	// KeyActivationID is the attribute holding the OpenWhisk activation id.
	KeyActivationID = "activationId"
	// KeyRequestID is the attribute holding the processing request's id.
	KeyRequestID = "requestId"
)

type activationKey struct{}

type requestKey struct{}

// WithActivationID returns ctx carrying the activation id; an empty id
// leaves ctx as it is.
func WithActivationID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, activationKey{}, id)
}

// WithRequestID returns ctx carrying the request id; an empty id leaves
// ctx as it is.
func WithRequestID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, requestKey{}, id)
}

// ActivationID returns the activation id ctx carries, or "".
func ActivationID(ctx context.Context) string {
	id, _ := ctx.Value(activationKey{}).(string)
	return id
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestKey{}).(string)
	return id
}

// Handler adds the ids a record's context carries to the record. Build it
// with NewHandler.
type Handler struct {
	next slog.Handler
	// hasActivation and hasRequest are set when the logger already carries
	// the attribute (With before any group).
	hasActivation, hasRequest bool
	grouped                   bool
}

// NewHandler wraps next so that records logged with a context carrying
// ids get them as attributes. Wrapping a *Handler returns it unchanged.
func NewHandler(next slog.Handler) *Handler {
	if h, ok := next.(*Handler); ok {
		return h
	}
	return &Handler{next: next}
}

// Wrap returns a logger over l's handler wrapped with NewHandler; nil
// gives a wrapped slog.Default().
func Wrap(l *slog.Logger) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	if _, ok := l.Handler().(*Handler); ok {
		return l
	}
	return slog.New(NewHandler(l.Handler()))
}

// NewJSON returns a JSON logger writing to w whose records carry the
// context's ids: the logger of an action's activation log (w is stderr).
func NewJSON(w io.Writer) *slog.Logger {
	return slog.New(NewHandler(slog.NewJSONHandler(w, nil)))
}

// Enabled reports whether the wrapped handler handles records at level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the context's ids the record and the logger do not carry
// yet, and passes the record on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		return h.next.Handle(ctx, r)
	}
	act, req := ActivationID(ctx), RequestID(ctx)
	if h.hasActivation {
		act = ""
	}
	if h.hasRequest {
		req = ""
	}
	if act == "" && req == "" {
		return h.next.Handle(ctx, r)
	}
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case KeyActivationID:
			act = ""
		case KeyRequestID:
			req = ""
		}
		return act != "" || req != ""
	})
	if act != "" || req != "" {
		r = r.Clone()
		if act != "" {
			r.AddAttrs(slog.String(KeyActivationID, act))
		}
		if req != "" {
			r.AddAttrs(slog.String(KeyRequestID, req))
		}
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a handler with attrs added, which remembers whether
// they hold the ids.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	if !h.grouped {
		for _, a := range attrs {
			switch a.Key {
			case KeyActivationID:
				c.hasActivation = true
			case KeyRequestID:
				c.hasRequest = true
			}
		}
	}
	return &c
}

// WithGroup returns a handler with the group name opened.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.next = h.next.WithGroup(name)
	c.grouped = true
	return &c
}
