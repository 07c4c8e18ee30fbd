package api

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// composed decodes a request of the given renditions and returns, per
// rendition name, the message of its validation error ("" when valid).
func composed(t *testing.T, renditions ...string) map[string]string {
	t.Helper()
	req, err := DecodeRequest([]byte(`{"source":"https://e.com/a.jpg","renditions":[` + strings.Join(renditions, ",") + `]}`))
	require.NoError(t, err)
	out := map[string]string{}
	for _, r := range req.Renditions {
		out[r.Name] = ""
		if r.Invalid != nil {
			out[r.Name] = MessageOf(r.Invalid)
			assert.Equal(t, ReasonGeneric, ReasonOf(r.Invalid), r.Name)
		}
	}
	return out
}

func step(name, source string) string {
	if source == "" {
		return fmt.Sprintf(`{"name":%q,"fmt":"png","width":10,"target":"s3://b/%s"}`, name, name)
	}
	return fmt.Sprintf(`{"name":%q,"fmt":"png","width":10,"target":"s3://b/%s","source":{"rendition":%q}}`, name, name, source)
}

func TestSourceRenditionGraphChecks(t *testing.T) {
	t.Run("diamond and fan-out are valid", func(t *testing.T) {
		// crop -> a, b; a -> c; b -> d: every path is acyclic.
		got := composed(t, step("crop", ""), step("a", "crop"), step("b", "crop"), step("c", "a"), step("d", "b"), step("plain", ""))
		for name, msg := range got {
			assert.Empty(t, msg, name)
		}
	})
	t.Run("unknown name", func(t *testing.T) {
		got := composed(t, step("crop", ""), step("a", "corp"))
		assert.Empty(t, got["crop"])
		assert.True(t, strings.HasPrefix(got["a"], "source: "), got["a"])
		assert.Contains(t, got["a"], `no rendition of this request is named "corp"`)
		assert.Contains(t, got["a"], `"crop"`, "the message lists the names")
	})
	t.Run("self reference", func(t *testing.T) {
		got := composed(t, step("a", "a"), step("b", ""))
		assert.Contains(t, got["a"], `source: rendition "a" cannot be its own source`)
		assert.Empty(t, got["b"])
	})
	t.Run("cycle", func(t *testing.T) {
		got := composed(t, step("a", "c"), step("b", "a"), step("c", "b"), step("d", "c"), step("e", ""))
		for _, n := range []string{"a", "b", "c"} {
			assert.Contains(t, got[n], "source: renditions take one another as source in a cycle", n)
			assert.Contains(t, got[n], `"a" takes "c" takes "b" takes "a"`, n)
		}
		// d only reads from the cycle: it fails when the request runs,
		// naming its source; e is not involved.
		assert.Empty(t, got["d"])
		assert.Empty(t, got["e"])
	})
	t.Run("two-cycle", func(t *testing.T) {
		got := composed(t, step("a", "b"), step("b", "a"))
		assert.Contains(t, got["a"], "cycle")
		assert.Contains(t, got["b"], "cycle")
	})
	t.Run("ambiguous name", func(t *testing.T) {
		got := composed(t, `{"name":"x","fmt":"png","width":5,"target":"s3://b/1"}`,
			`{"name":"x","fmt":"png","width":6,"target":"s3://b/2"}`, step("y", "x"))
		assert.Contains(t, got["y"], `"x" is ambiguous: renditions[0] and renditions[1]`)
	})
	t.Run("default names can be referred to", func(t *testing.T) {
		got := composed(t, `{"fmt":"png","width":5,"target":"s3://b/1"}`, step("y", "rendition-1.png"))
		assert.Empty(t, got["y"])
	})
	t.Run("depth is bounded", func(t *testing.T) {
		rs := []string{step("s0", "")}
		for i := 1; i <= MaxSourceDepth+1; i++ {
			rs = append(rs, step(fmt.Sprintf("s%d", i), fmt.Sprintf("s%d", i-1)))
		}
		got := composed(t, rs...)
		for i := 0; i < MaxSourceDepth; i++ {
			assert.Empty(t, got[fmt.Sprintf("s%d", i)], i)
		}
		deep := got[fmt.Sprintf("s%d", MaxSourceDepth)]
		assert.Contains(t, deep, fmt.Sprintf("is %d steps from the request's source", MaxSourceDepth+1))
		assert.Contains(t, deep, fmt.Sprintf("more than the limit of %d", MaxSourceDepth))
	})
	t.Run("malformed instruction", func(t *testing.T) {
		for _, bad := range []string{`"crop"`, `{}`, `{"rendition":""}`, `{"rendition":3}`, `{"rendition":"a","url":"x"}`, `[]`} {
			_, err := ParseRendition([]byte(`{"fmt":"png","target":"s3://b/k","source":` + bad + `}`))
			require.Error(t, err, bad)
			assert.Contains(t, MessageOf(err), `source: must be {"rendition": "<name>"}`, bad)
		}
	})
}

func TestSourceRenditionRoundTripsAndIndices(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"source":"https://e.com/a.jpg","renditions":[` + step("crop", "") + "," + step("small", "crop") + `]}`))
	require.NoError(t, err)
	assert.Equal(t, []int{-1, 0}, req.SourceIndices())
	assert.Equal(t, "crop", req.Renditions[1].SourceRendition)
	ev, err := json.Marshal(req.Renditions[1].WithoutTarget())
	require.NoError(t, err)
	assert.Contains(t, string(ev), `"source":{"rendition":"crop"}`, "events echo the instruction")
	b, err := json.Marshal(req.Renditions[1])
	require.NoError(t, err)
	var back Rendition
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, "crop", back.SourceRendition)
	assert.Empty(t, back.Extra, "source is a known key, not passed through as an unknown one")
}

func TestCheckRenditionsWithSourcesIsIdempotent(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"source":"https://e.com/a.jpg","renditions":[` +
		strings.Join([]string{step("a", "b"), step("b", "a"), step("c", "a"), step("d", "")}, ",") + `]}`))
	require.NoError(t, err)
	before := make([]string, len(req.Renditions))
	for i, r := range req.Renditions {
		if r.Invalid != nil {
			before[i] = r.Invalid.Error()
		}
	}
	req.CheckRenditions()
	for i, r := range req.Renditions {
		after := ""
		if r.Invalid != nil {
			after = r.Invalid.Error()
		}
		assert.Equal(t, before[i], after, req.Renditions[i].Name)
	}
}

func TestIntermediateStepNeedsNoTarget(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"source":"https://e.com/a.jpg","renditions":[
		{"name":"crop","fmt":"png","width":100,"height":100,"crop":"smart"},
		{"name":"small","fmt":"jpg","width":10,"target":"s3://b/small","source":{"rendition":"crop"}},
		{"name":"lost","fmt":"png","width":10}]}`))
	require.NoError(t, err)
	assert.NoError(t, req.Renditions[0].Invalid)
	assert.True(t, req.Renditions[0].Intermediate, "read by small, stored nowhere: an intermediate step")
	assert.NoError(t, req.Renditions[1].Invalid)
	assert.False(t, req.Renditions[1].Intermediate)
	require.Error(t, req.Renditions[2].Invalid, "nobody reads it and it goes nowhere")
	assert.Contains(t, MessageOf(req.Renditions[2].Invalid), "target: is required")
	assert.False(t, req.Renditions[2].Intermediate)
	b, _ := json.Marshal(req.Renditions[0])
	assert.NotContains(t, string(b), "ntermediate")
	req.CheckRenditions()
	assert.True(t, req.Renditions[0].Intermediate)
	assert.NoError(t, req.Renditions[0].Invalid)
}
