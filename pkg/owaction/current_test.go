package owaction

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCurrentActivationFillsFromTheEnvironment(t *testing.T) {
	env := map[string]string{"__OW_ACTION_NAME": "/ns/env-action", "__OW_NAMESPACE": "env-ns",
		"__OW_API_HOST": "https://env.example", "__OW_API_KEY": "env:key"}
	getenv := func(k string) string { return env[k] }

	assert.Equal(t, Activation{ActionName: "/ns/env-action", Namespace: "env-ns", APIHost: "https://env.example", APIKey: "env:key"},
		CurrentActivation(context.Background(), getenv), "outside the loop: the environment")

	ctx := withActivation(context.Background(), Activation{ID: "a1", APIHost: "https://line.example", Namespace: "line-ns"},
		json.RawMessage(`{}`), stderrLogger())
	got := CurrentActivation(ctx, getenv)
	assert.Equal(t, Activation{ID: "a1", ActionName: "/ns/env-action", Namespace: "line-ns", APIHost: "https://line.example", APIKey: "env:key"},
		got, "the activation's own fields win; the environment fills the rest")
}
