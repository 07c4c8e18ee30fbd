package api_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestCheckMetadata(t *testing.T) {
	good := []map[string]any{
		nil,
		{},
		{"repo:size": 12, "repo:sha1": "ab", "dc:format": "image/png", "tiff:imageWidth": uint16(3), "tiff:imageHeight": int64(4)},
		{"repo:size": 12.0, "dc:format": "text/plain; charset=utf-8", "repo:encoding": "utf-8"},
		{"repo:size": json.Number("12"), "acme:anything": map[string]any{"a": []any{1, "b", nil}}},
		{"acs:warnings": []string{"x"}, "acs:truncated": true},
	}
	for _, md := range good {
		assert.NoError(t, api.CheckMetadata(md), "%v", md)
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	bad := []struct {
		md   map[string]any
		want string
	}{
		{map[string]any{"dc:format": 5}, `rendition metadata dc:format must be a media type string such as "image/png", got 5 (int)`},
		{map[string]any{"dc:format": ""}, `dc:format must be a media type string such as "image/png", got "" (string)`},
		{map[string]any{"dc:format": "attachment"}, `got "attachment" (string)`},
		{map[string]any{"repo:size": "5"}, `rendition metadata repo:size must be an integer of at least 0, got "5" (string)`},
		{map[string]any{"repo:size": json.Number("1.5")}, `repo:size must be an integer of at least 0`},
		{map[string]any{"repo:size": math.Inf(1)}, `got +Inf (float64)`},
		{map[string]any{"tiff:imageWidth": []int{1}}, `tiff:imageWidth must be an integer of at least 0, got a value of type []int`},
		{map[string]any{"repo:sha1": nil}, `repo:sha1 must be a string, got null`},
		{map[string]any{"acme:loop": cyclic}, `rendition metadata acme:loop cannot be written as JSON (a value of type map[string]interface {})`},
		{map[string]any{"acme:nan": math.NaN()}, `acme:nan cannot be written as JSON (NaN (float64))`},
		// Keys are checked in sorted order: the message does not depend
		// on map iteration.
		{map[string]any{"tiff:imageWidth": "w", "dc:format": 1}, `dc:format`},
	}
	for _, tc := range bad {
		err := api.CheckMetadata(tc.md)
		if assert.Error(t, err, tc.want) {
			assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
			assert.Contains(t, api.MessageOf(err), tc.want)
		}
	}
}
