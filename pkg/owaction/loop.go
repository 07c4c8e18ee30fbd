package owaction

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/cenv"
	"github.com/assetcompute/assetcompute/pkg/logctx"
)

// Handler serves one activation. params is the activation's value field as
// sent by OpenWhisk. ctx carries the activation's deadline and its
// [Activation] (see [ActivationFrom]) and [Logger].
//
// The returned value is marshalled to JSON and must be an object; any other
// JSON value v is sent as {"result": v}. A non-nil error is sent as
// {"error": api.MessageOf(err), "errorDetail": {"reason": api.ReasonOf(err),
// "message": api.MessageOf(err)}}.
type Handler func(ctx context.Context, params json.RawMessage) (any, error)

// Options tunes [Serve]. The zero value is ready to use and reads and writes
// the process environment.
type Options struct {
	// Logger receives the loop's own log records (recovered panics, failed
	// activations, environment problems) and is the base of the logger that
	// [Logger] returns inside handlers. Default: JSON to stderr. Its handler
	// is wrapped with package logctx, so records logged with a handler's
	// context name the activation and the request.
	Logger *slog.Logger
	// Getenv reads an environment variable. Default: os.Getenv.
	Getenv func(key string) string
	// Setenv exports an environment variable. Default: cenv.Setenv, which
	// is os.Setenv kept apart from C libraries reading the environment as
	// they start (libvips starts in the background while the first
	// activation's fields are exported).
	Setenv func(key, value string) error
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = stderrLogger()
	}
	o.Logger = logctx.Wrap(o.Logger)
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Setenv == nil {
		o.Setenv = cenv.Setenv
	}
	return o
}

// ackLine is what an action writes once at start when asked to acknowledge.
var ackLine = []byte(`{"ok":true}`)

// Run is the main function of an action: it serves activations from stdin
// with h, writing results to file descriptor 3 (or to stdout when fd 3 is not
// open, which is handy when trying an action by hand) and logs to stderr.
// Run returns when stdin reaches end of file; it exits the process with
// status 1 when the results cannot be written or stdin cannot be read.
func Run(h Handler) {
	out := resultsFile()
	if out == nil {
		out = os.Stdout
	}
	logger := stderrLogger()
	if err := Serve(context.Background(), os.Stdin, out, h, Options{Logger: logger}); err != nil {
		logger.Error("action loop stopped", "error", err.Error())
		os.Exit(1)
	}
}

// Serve runs the action loop: it acknowledges the start when
// __OW_WAIT_FOR_ACK is set, then reads activation lines from in and writes
// exactly one JSON object line per input line to out, flushing it (when out
// has a Flush method) before reading the next line. Lines have no length cap.
//
// A line that is not a JSON object gets an error result; so does a handler
// that fails, panics, or returns a value that cannot be marshalled. Serve
// returns nil when in reaches end of file, ctx's error when ctx is done
// between two lines, and an error when reading in or writing out fails.
//
// Serve exports the string fields of each line with opts.Setenv, so two
// loops in one process with the default options share one environment.
func Serve(ctx context.Context, in io.Reader, out io.Writer, h Handler, opts Options) error {
	opts = opts.withDefaults()
	if opts.Getenv("__OW_WAIT_FOR_ACK") != "" {
		if err := writeLine(out, ackLine); err != nil {
			return fmt.Errorf("owaction: writing the start acknowledgement: %w", err)
		}
	}
	r := bufio.NewReader(in)
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("owaction: action loop stopped: %w", err)
		}
		line, readErr := r.ReadBytes('\n')
		if len(line) > 0 {
			if err := writeLine(out, serveLine(ctx, line, h, opts)); err != nil {
				return fmt.Errorf("owaction: writing a result: %w", err)
			}
		}
		if errors.Is(readErr, io.EOF) {
			return nil
		}
		if readErr != nil {
			return fmt.Errorf("owaction: reading activations: %w", readErr)
		}
	}
}

// writeLine writes b and a newline in one Write call and flushes out when it
// can be flushed.
func writeLine(out io.Writer, b []byte) error {
	buf := make([]byte, 0, len(b)+1)
	buf = append(append(buf, b...), '\n')
	if _, err := out.Write(buf); err != nil {
		return err
	}
	if f, ok := out.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}

// serveLine handles one input line and returns the result line without its
// newline. It never fails: every problem becomes an error result.
func serveLine(ctx context.Context, line []byte, h Handler, opts Options) []byte {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil || fields == nil {
		if err == nil {
			err = errors.New("not a JSON object")
		}
		err = api.Errorf(api.ReasonGeneric, "malformed activation line: %w", err)
		opts.Logger.Error("malformed activation line", "error", err.Error(), "bytes", len(line))
		return errorResult(err)
	}

	act, params := parseActivation(fields, opts)
	ctx = withActivation(ctx, act, params, opts.Logger)
	logger := Logger(ctx)
	if !act.Deadline.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, act.Deadline)
		defer cancel()
	}

	v, err := callHandler(ctx, h, params, logger)
	if err == nil {
		var b []byte
		if b, err = encodeResult(v); err == nil {
			return b
		}
		err = api.Errorf(api.ReasonGeneric, "the action result cannot be encoded as JSON: %w", err)
	}
	logger.ErrorContext(ctx, "activation failed", "reason", string(api.ReasonOf(err)), "error", err.Error())
	return errorResult(err)
}

// parseActivation exports the string fields of an input line as __OW_
// variables and returns the activation they describe and the parameters.
func parseActivation(fields map[string]json.RawMessage, opts Options) (Activation, json.RawMessage) {
	var act Activation
	params := json.RawMessage(`{}`)
	for key, raw := range fields {
		if key == "value" {
			if len(raw) > 0 && string(raw) != "null" {
				params = raw
			}
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue // only string fields are exported, as the Go runtime does
		}
		name := "__OW_" + strings.ToUpper(key)
		if err := opts.Setenv(name, s); err != nil {
			opts.Logger.Warn("cannot export activation field", "field", key, "error", err.Error())
		}
		switch key {
		case "activation_id":
			act.ID = s
		case "action_name":
			act.ActionName = s
		case "namespace":
			act.Namespace = s
		case "api_host":
			act.APIHost = s
		case "api_key":
			act.APIKey = s
		case "deadline":
			ms, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				opts.Logger.Warn("ignoring unparsable activation deadline", "deadline", s, "error", err.Error())
				continue
			}
			act.Deadline = time.UnixMilli(ms)
		}
	}
	if act.APIHost == "" {
		act.APIHost = opts.Getenv("__OW_API_HOST")
	}
	return act, params
}

// callHandler calls h, turning a panic into an error and logging its stack.
// A panic in a goroutine the handler started cannot be recovered here and
// still kills the process.
func callHandler(ctx context.Context, h Handler, params json.RawMessage, logger *slog.Logger) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			logger.ErrorContext(ctx, "action panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			v, err = nil, api.Errorf(api.ReasonGeneric, "action panicked: %v", r)
		}
	}()
	return h(ctx, params)
}

// encodeResult marshals v to one line of JSON, wrapping anything that is not
// an object as {"result": v}.
func encodeResult(v any) ([]byte, error) {
	b, err := marshalLine(v)
	if err != nil {
		return nil, err
	}
	if len(b) > 0 && b[0] == '{' {
		return b, nil
	}
	return marshalLine(map[string]json.RawMessage{"result": b})
}

// marshalLine marshals v without HTML escaping and without the trailing
// newline. The encoder compacts the output of json.Marshaler values too, so
// the result never holds a newline.
func marshalLine(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

type errorBody struct {
	Reason  api.Reason `json:"reason"`
	Message string     `json:"message"`
}

// errorLine is an action's error result: OpenWhisk's {"error":
// "<message>"}, which its clients print, with the detail {reason,
// message} beside it.
type errorLine struct {
	Error  string    `json:"error"`
	Detail errorBody `json:"errorDetail"`
}

// errorResult returns the result line for err.
func errorResult(err error) []byte {
	msg := api.MessageOf(err)
	b, merr := marshalLine(errorLine{Error: msg, Detail: errorBody{Reason: api.ReasonOf(err), Message: msg}})
	if merr != nil { // cannot happen for two strings; keep the line anyway
		return []byte(`{"error":"owaction: cannot encode an error result","errorDetail":{"reason":"GenericError","message":"owaction: cannot encode an error result"}}`)
	}
	return b
}
