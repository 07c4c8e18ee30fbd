package worker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/assetcompute/assetcompute/pkg/api"
)

type paramsKey struct{}

// WithParams returns ctx carrying an activation's parameters, for Param.
// Worker.Handle calls it; tests of a RenditionFunc may too.
func WithParams(ctx context.Context, params json.RawMessage) context.Context {
	return context.WithValue(ctx, paramsKey{}, params)
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
	raw, _ := ctx.Value(paramsKey{}).(json.RawMessage)
	if len(raw) == 0 {
		return false, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return false, api.Wrap(api.ReasonGeneric, err, "the activation parameters are not a JSON object")
	}
	value, ok := fields[name]
	if !ok || string(value) == "null" || string(value) == `""` {
		return false, nil
	}
	if err := json.Unmarshal(value, v); err != nil {
		return true, api.Wrap(api.ReasonGeneric, err, fmt.Sprintf("action parameter %s: %s", name, jsonProblem(err)))
	}
	return true, nil
}
