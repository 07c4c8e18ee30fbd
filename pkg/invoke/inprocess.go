package invoke

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"sort"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Handler is an action implemented as a function, with the signature of an
// action-loop handler.
type Handler func(ctx context.Context, params json.RawMessage) (any, error)

// InProcess invokes actions registered as Handlers in this process. Params
// and results cross a JSON boundary exactly as they would through OpenWhisk,
// and a panicking handler becomes an application error, as the action loop
// makes it.
type InProcess struct {
	actions map[string]Handler
}

// NewInProcess returns an invoker for the given actions, by name.
func NewInProcess(actions map[string]Handler) *InProcess {
	m := make(map[string]Handler, len(actions))
	for k, v := range actions {
		m[k] = v
	}
	return &InProcess{actions: m}
}

// Actions lists the registered action names, sorted.
func (p *InProcess) Actions() []string {
	names := make([]string, 0, len(p.actions))
	for n := range p.actions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Has reports whether an action is registered.
func (p *InProcess) Has(action string) bool {
	_, ok := p.actions[action]
	return ok
}

// Invoke calls the action and returns its JSON result.
func (p *InProcess) Invoke(ctx context.Context, action string, params json.RawMessage) (json.RawMessage, error) {
	h, ok := p.actions[action]
	if !ok {
		return nil, fmt.Errorf("invoke %s: %w", action, ErrUnknownAction)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("invoke %s: %w", action, err)
	}
	value, err := call(ctx, h, params)
	if err != nil {
		return nil, &ActionError{Action: action, Reason: api.ReasonOf(err), Message: api.MessageOf(err)}
	}
	out, err := json.Marshal(value)
	if err != nil {
		return nil, &ActionError{Action: action, Reason: api.ReasonGeneric, Message: "action returned a result that is not JSON: " + err.Error()}
	}
	if ae := ParseActionError(action, out); ae != nil {
		return nil, ae
	}
	return out, nil
}

func call(ctx context.Context, h Handler, params json.RawMessage) (value any, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("action panicked: %v\n%s", p, debug.Stack())
			err = api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("action panicked: %v", p))
		}
	}()
	return h(ctx, params)
}
