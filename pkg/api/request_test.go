package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func renditionNames(rs []Rendition) []string {
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	return names
}

func manyRenditions(n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = `{"fmt": "png", "target": "s3://b/k"}`
	}
	return "[" + strings.Join(items, ",") + "]"
}

const twoRenditions = `[{"fmt": "png", "target": "s3://b/1.png"}, {"name": "thumb.jpg", "fmt": "jpg", "target": "s3://b/2.jpg"}]`

func TestDecodeRequestRejectsUnusableRequests(t *testing.T) {
	tests := []struct {
		name string
		json string
		want []string
		// names are the renditions the error must still list.
		names []string
	}{
		{"malformed JSON", `{"source": "s3://b/k", "renditions": [`, []string{"not a JSON object", "syntax error"}, nil},
		{"empty body", ``, []string{"not a JSON object"}, nil},
		{"an array", `[{"source": "s3://b/k"}]`, []string{"not a JSON object", "got array"}, nil},
		{"a string", `"s3://b/k"`, []string{"not a JSON object", "got string"}, nil},
		{"a number", `42`, []string{"not a JSON object", "got number"}, nil},
		{"null", `null`, []string{"not a JSON object", "null"}, nil},
		{"missing source lists every rendition", `{"renditions": ` + twoRenditions + `}`,
			[]string{"source:", "required", "URL string", "{url, name, size, mimetype, headers}"}, []string{"rendition-1.png", "thumb.jpg"}},
		{"null source", `{"source": null, "renditions": ` + twoRenditions + `}`,
			[]string{"source:", "required"}, []string{"rendition-1.png", "thumb.jpg"}},
		{"numeric source", `{"source": 42, "renditions": ` + twoRenditions + `}`,
			[]string{"source:", "URL string or an object"}, []string{"rendition-1.png", "thumb.jpg"}},
		{"empty source", `{"source": "", "renditions": ` + twoRenditions + `}`,
			[]string{"source:", "url is required", "https://", "s3://"}, []string{"rendition-1.png", "thumb.jpg"}},
		{"blank source", `{"source": "   ", "renditions": ` + twoRenditions + `}`,
			[]string{"source:", "url is required"}, []string{"rendition-1.png", "thumb.jpg"}},
		{"source object without url", `{"source": {"name": "a.png"}, "renditions": ` + twoRenditions + `}`,
			[]string{"source:", "url is required"}, []string{"rendition-1.png", "thumb.jpg"}},
		{"source object with a bad field", `{"source": {"url": "s3://b/k", "size": "big"}, "renditions": ` + twoRenditions + `}`,
			[]string{"source:", "size"}, []string{"rendition-1.png", "thumb.jpg"}},
		{"negative source size", `{"source": {"url": "s3://b/k", "size": -1}, "renditions": ` + twoRenditions + `}`,
			[]string{"source:", "size must not be negative"}, []string{"rendition-1.png", "thumb.jpg"}},
		{"requestId not a string", `{"requestId": 7, "source": "s3://b/k", "renditions": ` + twoRenditions + `}`,
			[]string{"requestId:", "string"}, []string{"rendition-1.png", "thumb.jpg"}},
		{"renditions missing", `{"source": "s3://b/k"}`, []string{"renditions:", "required", "array"}, nil},
		{"renditions null", `{"source": "s3://b/k", "renditions": null}`, []string{"renditions:", "required"}, nil},
		{"renditions not an array", `{"source": "s3://b/k", "renditions": {"fmt": "png"}}`, []string{"renditions:", "array"}, nil},
		{"renditions empty", `{"source": "s3://b/k", "renditions": []}`, []string{"renditions:", "empty"}, nil},
		{"renditions over the limit", `{"source": "s3://b/k", "renditions": ` + manyRenditions(MaxRenditions+1) + `}`,
			[]string{"renditions:", fmt.Sprintf("at most %d", MaxRenditions), fmt.Sprintf("got %d", MaxRenditions+1)}, nil},
		{"bad renditions and bad source: renditions first", `{"renditions": 5}`, []string{"renditions:"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := DecodeRequest([]byte(tc.json))
			require.Error(t, err)
			assert.Nil(t, req)
			var inv *InvalidRequestError
			require.ErrorAs(t, err, &inv)
			require.NotEmpty(t, inv.Message)
			assert.Equal(t, "invalid request: "+inv.Message, inv.Error())
			for _, w := range tc.want {
				assert.Contains(t, inv.Message, w)
			}
			assert.NotContains(t, inv.Message, "source: source", "the field is named once")
			if tc.names != nil {
				assert.Equal(t, tc.names, renditionNames(inv.Renditions))
				require.NotNil(t, inv.Request, "the request is kept for its id and userData")
				assert.NotEmpty(t, inv.Request.RequestID)
			}
		})
	}
}

func TestDecodeRequestOverTheLimitStillListsRenditions(t *testing.T) {
	_, err := DecodeRequest([]byte(`{"source": "s3://b/k", "renditions": ` + manyRenditions(MaxRenditions+5) + `}`))
	var inv *InvalidRequestError
	require.ErrorAs(t, err, &inv)
	assert.Len(t, inv.Renditions, MaxRenditions)
	assert.Equal(t, fmt.Sprintf("rendition-%d.png", MaxRenditions), inv.Renditions[MaxRenditions-1].Name)
}

func TestDecodeRequestKeepsRequestLevelContextOnError(t *testing.T) {
	_, err := DecodeRequest([]byte(`{"requestId": "r-1", "userData": {"k": "v"}, "renditions": ` + twoRenditions + `}`))
	var inv *InvalidRequestError
	require.ErrorAs(t, err, &inv)
	assert.Equal(t, "r-1", inv.Request.RequestID)
	assert.JSONEq(t, `{"k": "v"}`, string(inv.Request.UserData))
}

func TestDecodeRequestFailsBadRenditionsOneByOne(t *testing.T) {
	req, err := DecodeRequest(readTestdata(t, "request_invalid_rendition.json"))
	require.NoError(t, err, "one bad rendition does not fail the request")
	require.Len(t, req.Renditions, 3)
	assert.Equal(t, []string{"ok.png", "bad-width.png", "odd.bmp"}, renditionNames(req.Renditions))

	assert.NoError(t, req.Renditions[0].Invalid)

	bad := req.Renditions[1].Invalid
	require.Error(t, bad)
	assert.Contains(t, bad.Error(), "renditions[1]: width:")
	assert.Equal(t, ReasonGeneric, ReasonOf(bad))
	assert.True(t, strings.HasPrefix(MessageOf(bad), "width:"), MessageOf(bad))

	odd := req.Renditions[2].Invalid
	require.Error(t, odd)
	assert.Equal(t, ReasonRenditionFormatUnsupported, ReasonOf(odd))
	assert.Equal(t, "bmp", req.Renditions[2].Fmt)
}

func TestDecodeRequestNamesRenditionsWithoutOne(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"source": "s3://b/k", "renditions": [
		{"fmt": "jpeg", "target": "s3://b/1"},
		{"name": "given.png", "fmt": "png", "target": "s3://b/2"},
		{"worker": "ns/w", "target": "s3://b/3"},
		"not an object",
		{"fmt": "TXT", "target": "s3://b/5", "width": 0}
	]}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"rendition-1.jpg", "given.png", "rendition-3.bin", "rendition-4.bin", "rendition-5.text"}, renditionNames(req.Renditions))
	assert.ErrorContains(t, req.Renditions[3].Invalid, "renditions[3]: rendition must be a JSON object")
}

var requestIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestDecodeRequestRequestID(t *testing.T) {
	tests := []struct {
		name, field string
		generated   bool
		want        string
	}{
		{"generated when absent", ``, true, ""},
		{"generated when null", `"requestId": null,`, true, ""},
		{"generated when empty", `"requestId": "",`, true, ""},
		{"generated when blank", `"requestId": "  ",`, true, ""},
		{"kept when given", `"requestId": "abc-123",`, false, "abc-123"},
		{"trimmed", `"requestId": " abc-123\n",`, false, "abc-123"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `{` + tc.field + `"source": "s3://b/k", "renditions": [{"fmt": "png", "target": "s3://b/o"}]}`
			req, err := DecodeRequest([]byte(body))
			require.NoError(t, err)
			if tc.generated {
				assert.Regexp(t, requestIDPattern, req.RequestID)
				again, err := DecodeRequest([]byte(body))
				require.NoError(t, err)
				assert.NotEqual(t, req.RequestID, again.RequestID, "each request gets its own id")
			} else {
				assert.Equal(t, tc.want, req.RequestID)
			}
		})
	}
}

func TestDecodeRequestUserData(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"source": "s3://b/k", "renditions": [{"fmt": "png", "target": "s3://b/o"}], "userData": {"a": [1]}}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"a": [1]}`, string(req.UserData))

	req, err = DecodeRequest([]byte(`{"source": "s3://b/k", "renditions": [{"fmt": "png", "target": "s3://b/o"}], "userData": "not an object"}`))
	require.NoError(t, err)
	assert.Nil(t, req.UserData, "request userData must be an object; anything else is dropped")
	data, err := json.Marshal(req)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "userData")
}

func TestInvalidRequestErrorIsFoundThroughWrapping(t *testing.T) {
	_, err := DecodeRequest([]byte(`{}`))
	wrapped := fmt.Errorf("process: %w", err)
	var inv *InvalidRequestError
	assert.True(t, errors.As(wrapped, &inv))
}
