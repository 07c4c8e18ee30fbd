package worker

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestParam(t *testing.T) {
	t.Parallel()
	ctx := WithParams(context.Background(), json.RawMessage(`{"taggerUrl":"https://t.example","empty":"","null":null,"n":3,"source":"x"}`))
	tests := []struct {
		name   string
		ctx    context.Context
		key    string
		found  bool
		value  string
		reason api.Reason
	}{
		{"a bound string", ctx, "taggerUrl", true, "https://t.example", ""},
		{"absent", ctx, "taggerKey", false, "", ""},
		{"empty string is absent", ctx, "empty", false, "", ""},
		{"null is absent", ctx, "null", false, "", ""},
		{"wrong type names the parameter", ctx, "n", true, "", api.ReasonGeneric},
		{"no parameters in the context", context.Background(), "taggerUrl", false, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v string
			found, err := Param(tc.ctx, tc.key, &v)
			assert.Equal(t, tc.found, found)
			if tc.reason != "" {
				require.Error(t, err)
				assert.Contains(t, api.MessageOf(err), "action parameter "+tc.key)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.value, v)
		})
	}
}
