package owaction

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/logctx"
)

// Activation describes the activation a handler is serving, as read from its
// input line.
type Activation struct {
	// ID is the activation id (field activation_id).
	ID string
	// ActionName is the fully qualified action name (field action_name).
	ActionName string
	// Namespace is the namespace the activation runs in (field namespace).
	Namespace string
	// APIHost is the OpenWhisk API host (field api_host, or the environment
	// variable __OW_API_HOST when the line does not carry it).
	APIHost string
	// APIKey is the API key (field api_key); OpenWhisk only sends it to
	// actions annotated provide-api-key: true.
	APIKey string
	// Deadline is when the platform will stop the activation (field
	// deadline); zero when the line has none or it could not be parsed.
	Deadline time.Time
}

type activationKey struct{}

type loggerKey struct{}

// ActivationFrom returns the activation stored in ctx by the action loop.
// The boolean is false when ctx does not come from the loop.
func ActivationFrom(ctx context.Context) (Activation, bool) {
	a, ok := ctx.Value(activationKey{}).(Activation)
	return a, ok
}

// CurrentActivation returns the activation of ctx (see ActivationFrom)
// with the fields it lacks taken from the environment the action loop
// exports, read with getenv: __OW_ACTION_NAME, __OW_NAMESPACE,
// __OW_API_HOST and __OW_API_KEY. An action that calls the OpenWhisk API
// takes its host, key and namespace from here.
func CurrentActivation(ctx context.Context, getenv func(string) string) Activation {
	a, _ := ActivationFrom(ctx)
	for _, f := range []struct {
		field *string
		env   string
	}{
		{&a.ActionName, "__OW_ACTION_NAME"},
		{&a.Namespace, "__OW_NAMESPACE"},
		{&a.APIHost, "__OW_API_HOST"},
		{&a.APIKey, "__OW_API_KEY"},
	} {
		if *f.field == "" {
			*f.field = getenv(f.env)
		}
	}
	return a
}

// stderrLogger is the logger of the activation log: JSON lines on stderr,
// naming the activation and request of the context (package logctx).
var stderrLogger = sync.OnceValue(func() *slog.Logger {
	return logctx.NewJSON(os.Stderr)
})

// Logger returns the structured logger for ctx: the logger the action loop
// stored for the current activation when there is one, otherwise a JSON
// logger writing to stderr. Either way it carries an activationId attribute
// when the activation is known. Stderr is part of the activation log.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	l := stderrLogger()
	if a, ok := ActivationFrom(ctx); ok && a.ID != "" {
		l = l.With("activationId", a.ID)
	}
	return l
}

// withActivation returns ctx carrying a, its id for package logctx, the
// requestId of params (when they are an object with a string requestId:
// a processing request or a worker request) and a logger for it derived
// from base.
func withActivation(ctx context.Context, a Activation, params json.RawMessage, base *slog.Logger) context.Context {
	ctx = context.WithValue(ctx, activationKey{}, a)
	ctx = logctx.WithActivationID(ctx, a.ID)
	var req struct {
		RequestID any `json:"requestId"`
	}
	if json.Unmarshal(params, &req) == nil {
		if id, ok := req.RequestID.(string); ok {
			ctx = logctx.WithRequestID(ctx, id)
		}
	}
	if a.ID != "" {
		base = base.With("activationId", a.ID)
	}
	return context.WithValue(ctx, loggerKey{}, base)
}
