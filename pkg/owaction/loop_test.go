package owaction_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// fakeEnv is an environment for Serve that does not touch the process's.
type fakeEnv struct {
	mu   sync.Mutex
	vars map[string]string
}

func newFakeEnv(vars map[string]string) *fakeEnv {
	e := &fakeEnv{vars: map[string]string{}}
	for k, v := range vars {
		e.vars[k] = v
	}
	return e
}

func (e *fakeEnv) Getenv(k string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.vars[k]
}

func (e *fakeEnv) Setenv(k, v string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.vars[k] = v
	return nil
}

func (e *fakeEnv) options(log *bytes.Buffer) owaction.Options {
	return owaction.Options{
		Logger: slog.New(slog.NewJSONHandler(log, nil)),
		Getenv: e.Getenv,
		Setenv: e.Setenv,
	}
}

// serve runs Serve over input and returns the output lines and the log.
func serve(t *testing.T, env *fakeEnv, input string, h owaction.Handler) ([]string, string) {
	t.Helper()
	var out, log bytes.Buffer
	require.NoError(t, owaction.Serve(context.Background(), strings.NewReader(input), &out, h, env.options(&log)))
	text := out.String()
	if text == "" {
		return nil, log.String()
	}
	require.True(t, strings.HasSuffix(text, "\n"), "output ends with a newline")
	return strings.Split(strings.TrimSuffix(text, "\n"), "\n"), log.String()
}

// echo returns the params, the activation and the context deadline.
func echo(ctx context.Context, params json.RawMessage) (any, error) {
	act, ok := owaction.ActivationFrom(ctx)
	var deadline int64
	if d, has := ctx.Deadline(); has {
		deadline = d.UnixMilli()
	}
	var actDeadline int64
	if !act.Deadline.IsZero() {
		actDeadline = act.Deadline.UnixMilli()
	}
	return map[string]any{
		"params": params,
		"activation": map[string]any{
			"known": ok, "id": act.ID, "actionName": act.ActionName, "namespace": act.Namespace,
			"apiHost": act.APIHost, "apiKey": act.APIKey, "deadline": actDeadline,
		},
		"ctxDeadline": deadline,
	}, nil
}

func returning(v any, err error) owaction.Handler {
	return func(context.Context, json.RawMessage) (any, error) { return v, err }
}

// errLine matches an error result by reason and a part of its message.
type errLine struct {
	reason   api.Reason
	contains string
}

func TestServe(t *testing.T) {
	future := time.Now().Add(time.Hour).UnixMilli()
	activationLine := fmt.Sprintf(`{"value":{"k":"v"},"activation_id":"a1","action_name":"/ns/pkg/act",`+
		`"namespace":"ns","api_key":"key","transaction_id":"tx","deadline":"%d","count":5,"obj":{"x":"y"}}`+"\n", future)

	tests := []struct {
		name    string
		env     map[string]string
		input   string
		handler owaction.Handler
		want    []any // string: a JSON line; errLine: an error result
		wantEnv map[string]string
	}{
		{
			name:  "acknowledges the start when __OW_WAIT_FOR_ACK is set",
			env:   map[string]string{"__OW_WAIT_FOR_ACK": "1"},
			input: "",
			want:  []any{`{"ok":true}`},
		},
		{
			name:  "does not acknowledge without __OW_WAIT_FOR_ACK",
			input: "",
			want:  nil,
		},
		{
			name:    "acknowledges before the first result",
			env:     map[string]string{"__OW_WAIT_FOR_ACK": "1"},
			input:   `{"value":{"a":1}}` + "\n",
			handler: returning(map[string]int{"b": 2}, nil),
			want:    []any{`{"ok":true}`, `{"b":2}`},
		},
		{
			name:    "a malformed line gets an error result and the loop goes on",
			input:   "garbage\n" + `{"value":{"a":1}}` + "\n",
			handler: func(_ context.Context, p json.RawMessage) (any, error) { return p, nil },
			want:    []any{errLine{api.ReasonGeneric, "malformed activation line"}, `{"a":1}`},
		},
		{
			name:    "a line that is JSON but not an object is malformed",
			input:   "null\n[1]\n",
			handler: returning(map[string]int{}, nil),
			want:    []any{errLine{api.ReasonGeneric, "malformed"}, errLine{api.ReasonGeneric, "malformed"}},
		},
		{
			name:    "a blank line gets an error result, not silence",
			input:   "\n",
			handler: returning(map[string]int{}, nil),
			want:    []any{errLine{api.ReasonGeneric, "malformed"}},
		},
		{
			name:    "the last line is served without a trailing newline",
			input:   `{"value":{"a":1}}`,
			handler: func(_ context.Context, p json.RawMessage) (any, error) { return p, nil },
			want:    []any{`{"a":1}`},
		},
		{
			name:    "a missing value gives empty params",
			input:   `{"activation_id":"a"}` + "\n" + `{"value":null}` + "\n",
			handler: func(_ context.Context, p json.RawMessage) (any, error) { return map[string]any{"p": p}, nil },
			want:    []any{`{"p":{}}`, `{"p":{}}`},
		},
		{
			name:    "a number result is wrapped in an object",
			input:   "{}\n",
			handler: returning(42, nil),
			want:    []any{`{"result":42}`},
		},
		{
			name:    "an array result is wrapped in an object",
			input:   "{}\n",
			handler: returning([]int{1, 2}, nil),
			want:    []any{`{"result":[1,2]}`},
		},
		{
			name:    "a nil result is wrapped as null",
			input:   "{}\n",
			handler: returning(nil, nil),
			want:    []any{`{"result":null}`},
		},
		{
			name:    "a raw JSON object with newlines is sent on one line",
			input:   "{}\n",
			handler: returning(json.RawMessage("{\n  \"a\": \"<&>\"\n}"), nil),
			want:    []any{`{"a":"<&>"}`},
		},
		{
			name:    "a result that cannot be encoded gives an error result",
			input:   "{}\n",
			handler: returning(map[string]any{"f": func() {}}, nil),
			want:    []any{errLine{api.ReasonGeneric, "cannot be encoded as JSON"}},
		},
		{
			name:    "an api error keeps its reason and public message",
			input:   "{}\n",
			handler: returning(nil, api.Errorf(api.ReasonSourceCorrupt, "bad header")),
			want:    []any{`{"error":"bad header","errorDetail":{"reason":"SourceCorrupt","message":"bad header"}}`},
		},
		{
			name:    "a plain error is a GenericError",
			input:   "{}\n",
			handler: returning(nil, errors.New("disk on fire")),
			want:    []any{`{"error":"disk on fire","errorDetail":{"reason":"GenericError","message":"disk on fire"}}`},
		},
		{
			name:    "a deadline error is a Timeout",
			input:   "{}\n",
			handler: returning(nil, fmt.Errorf("resizing: %w", context.DeadlineExceeded)),
			want:    []any{errLine{api.ReasonTimeout, "resizing"}},
		},
		{
			name:  "a panic becomes an error result and the loop goes on",
			input: `{"value":{"p":true}}` + "\n{}\n",
			handler: func(_ context.Context, p json.RawMessage) (any, error) {
				if strings.Contains(string(p), "p") {
					panic("boom")
				}
				return map[string]bool{"ok": true}, nil
			},
			want: []any{errLine{api.ReasonGeneric, "action panicked: boom"}, `{"ok":true}`},
		},
		{
			name:    "string fields are exported as __OW_ variables, others are not",
			input:   activationLine,
			handler: returning(map[string]int{}, nil),
			want:    []any{`{}`},
			wantEnv: map[string]string{
				"__OW_ACTIVATION_ID":  "a1",
				"__OW_ACTION_NAME":    "/ns/pkg/act",
				"__OW_NAMESPACE":      "ns",
				"__OW_API_KEY":        "key",
				"__OW_TRANSACTION_ID": "tx",
				"__OW_DEADLINE":       fmt.Sprint(future),
			},
		},
		{
			name:    "the activation and its deadline are on the context",
			env:     map[string]string{"__OW_API_HOST": "https://ow.example"},
			input:   activationLine,
			handler: echo,
			want: []any{fmt.Sprintf(`{"params":{"k":"v"},"ctxDeadline":%d,"activation":{"known":true,"id":"a1",`+
				`"actionName":"/ns/pkg/act","namespace":"ns","apiHost":"https://ow.example","apiKey":"key","deadline":%d}}`, future, future)},
		},
		{
			name:    "api_host on the line wins over __OW_API_HOST",
			env:     map[string]string{"__OW_API_HOST": "https://env.example"},
			input:   `{"api_host":"https://line.example"}` + "\n",
			handler: echo,
			want: []any{`{"params":{},"ctxDeadline":0,"activation":{"known":true,"id":"",` +
				`"actionName":"","namespace":"","apiHost":"https://line.example","apiKey":"","deadline":0}}`},
			wantEnv: map[string]string{"__OW_API_HOST": "https://line.example"},
		},
		{
			name:    "an unparsable deadline is exported but sets no context deadline",
			input:   `{"deadline":"soon"}` + "\n",
			handler: echo,
			want: []any{`{"params":{},"ctxDeadline":0,"activation":{"known":true,"id":"",` +
				`"actionName":"","namespace":"","apiHost":"","apiKey":"","deadline":0}}`},
			wantEnv: map[string]string{"__OW_DEADLINE": "soon"},
		},
		{
			name:  "a past deadline gives a context that is already done",
			input: `{"deadline":"1000"}` + "\n",
			handler: func(ctx context.Context, _ json.RawMessage) (any, error) {
				return nil, ctx.Err()
			},
			want: []any{errLine{api.ReasonTimeout, "deadline exceeded"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newFakeEnv(tt.env)
			lines, log := serve(t, env, tt.input, tt.handler)
			require.Len(t, lines, len(tt.want), "one output line per input line; log:\n%s", log)
			for i, want := range tt.want {
				switch w := want.(type) {
				case string:
					assert.JSONEq(t, w, lines[i], "line %d", i)
				case errLine:
					var got struct {
						Error  string `json:"error"`
						Detail struct {
							Reason  api.Reason `json:"reason"`
							Message string     `json:"message"`
						} `json:"errorDetail"`
					}
					require.NoError(t, json.Unmarshal([]byte(lines[i]), &got), "line %d: %s", i, lines[i])
					assert.Equal(t, w.reason, got.Detail.Reason, "line %d: %s", i, lines[i])
					assert.Contains(t, got.Detail.Message, w.contains, "line %d", i)
					assert.Equal(t, got.Detail.Message, got.Error, "the message is the error string OpenWhisk's clients print")
				}
			}
			for k, v := range tt.wantEnv {
				assert.Equal(t, v, env.Getenv(k), "env %s", k)
			}
			if tt.wantEnv != nil {
				for k := range env.vars {
					if _, ok := tt.wantEnv[k]; !ok {
						_, preset := tt.env[k]
						assert.True(t, preset, "unexpected variable %s exported", k)
					}
				}
			}
		})
	}
}

func TestServeLongLine(t *testing.T) {
	big := strings.Repeat("é", 5<<20/2) // 5 MB of two-byte runes
	params, err := json.Marshal(map[string]string{"s": big})
	require.NoError(t, err)
	input := `{"value":` + string(params) + "}\n"
	lines, _ := serve(t, newFakeEnv(nil), input, func(_ context.Context, p json.RawMessage) (any, error) {
		return p, nil
	})
	require.Len(t, lines, 1)
	assert.Equal(t, string(params), lines[0])
}

func TestServeLogsWithActivationID(t *testing.T) {
	var out, log bytes.Buffer
	h := func(ctx context.Context, _ json.RawMessage) (any, error) {
		owaction.Logger(ctx).Info("working", "step", 1)
		return nil, errors.New("nope")
	}
	err := owaction.Serve(context.Background(), strings.NewReader(`{"activation_id":"act-9"}`+"\n"), &out, h, newFakeEnv(nil).options(&log))
	require.NoError(t, err)
	assert.Contains(t, log.String(), `"msg":"working","activationId":"act-9","step":1`)
	assert.Contains(t, log.String(), `"msg":"activation failed","activationId":"act-9","reason":"GenericError"`)
}

func TestLoggerOutsideTheLoop(t *testing.T) {
	assert.NotNil(t, owaction.Logger(context.Background()))
	_, ok := owaction.ActivationFrom(context.Background())
	assert.False(t, ok)
}

// flushCounter counts writes and flushes.
type flushCounter struct {
	bytes.Buffer
	writes, flushes int
}

func (f *flushCounter) Write(b []byte) (int, error) { f.writes++; return f.Buffer.Write(b) }
func (f *flushCounter) Flush() error                { f.flushes++; return nil }

func TestServeFlushesEveryLine(t *testing.T) {
	out := &flushCounter{}
	env := newFakeEnv(map[string]string{"__OW_WAIT_FOR_ACK": "1"})
	err := owaction.Serve(context.Background(), strings.NewReader("{}\n{}\n"), out, returning(map[string]int{}, nil), env.options(&bytes.Buffer{}))
	require.NoError(t, err)
	assert.Equal(t, 3, out.writes, "one write per line")
	assert.Equal(t, 3, out.flushes, "one flush per line")
	assert.Equal(t, "{\"ok\":true}\n{}\n{}\n", out.String())
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("pipe gone") }

func TestServeStopsWhenResultsCannotBeWritten(t *testing.T) {
	err := owaction.Serve(context.Background(), strings.NewReader("{}\n"), failingWriter{}, returning(map[string]int{}, nil), newFakeEnv(nil).options(&bytes.Buffer{}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pipe gone")
}

func TestServeStopsWhenContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := owaction.Serve(ctx, strings.NewReader("{}\n"), &out, returning(map[string]int{}, nil), newFakeEnv(nil).options(&bytes.Buffer{}))
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, out.String())
}
