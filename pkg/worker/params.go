package worker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/assetcompute/assetcompute/pkg/api"
)

type paramsKey struct{}

// activationParams are an activation's parameters, decoded once per
// activation into their top-level fields.
type activationParams struct {
	fields map[string]json.RawMessage
	err    error // the parameters are not a JSON object
}

// decodeParams splits an activation's parameters into their top-level
// fields.
func decodeParams(params json.RawMessage) activationParams {
	var p activationParams
	if err := json.Unmarshal(params, &p.fields); err != nil {
		p.err = api.Wrap(api.ReasonGeneric, err, "the activation parameters are not a JSON object")
	}
	return p
}

// WithParams returns ctx carrying an activation's parameters, for Param.
// Worker.Handle does this; tests of a RenditionFunc may too.
func WithParams(ctx context.Context, params json.RawMessage) context.Context {
	return withParams(ctx, decodeParams(params))
}

func withParams(ctx context.Context, p activationParams) context.Context {
	return context.WithValue(ctx, paramsKey{}, p)
}

// Param decodes the action parameter name of the current activation into
// v and reports whether the activation has it. Action parameters are the
// values bound at deploy time, such as a custom worker's API endpoint and
// key (manifest inputs, `wsk action update -p`): OpenWhisk merges them
// into every activation next to the worker request. The orchestrator only
// sends requestId, source and renditions, so a client of the service can
// never set or override another parameter. Never log a secret read here.
//
//	var endpoint string
//	if ok, err := worker.Param(ctx, "taggerUrl", &endpoint); err != nil || !ok {
//		return api.Errorf(api.ReasonGeneric, "the tagger endpoint (taggerUrl) is not configured")
//	}
//
// An empty string or null counts as absent. ctx must come from the
// lifecycle (or WithParams); otherwise Param reports false.
func Param(ctx context.Context, name string, v any) (bool, error) {
	p, ok := ctx.Value(paramsKey{}).(activationParams)
	if !ok {
		return false, nil
	}
	if p.err != nil {
		return false, p.err
	}
	value, ok := p.fields[name]
	if !ok || string(value) == "null" || string(value) == `""` {
		return false, nil
	}
	if err := json.Unmarshal(value, v); err != nil {
		return true, api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("action parameter %s: %s", name, jsonProblem(err)))
	}
	return true, nil
}
