package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hosted Asset Compute service's names are read as ours: before,
// wid/hei/qlt were unknown keys and silently ignored.
func TestHostedAliases(t *testing.T) {
	r, err := ParseRendition([]byte(`{"fmt": "jpg", "wid": 64, "hei": 48, "qlt": 70, "target": "s3://b/k"}`))
	require.NoError(t, err)
	require.NotNil(t, r.Width)
	require.NotNil(t, r.Height)
	require.NotNil(t, r.Quality)
	assert.Equal(t, 64, *r.Width)
	assert.Equal(t, 48, *r.Height)
	assert.Equal(t, 70, *r.Quality)
	assert.Nil(t, r.Extra, "aliases are instructions, not extra keys")

	// The same value under both names is one instruction.
	r, err = ParseRendition([]byte(`{"fmt": "png", "wid": 64, "width": 64, "target": "s3://b/k"}`))
	require.NoError(t, err)
	assert.Equal(t, 64, *r.Width)
}

func TestHostedAliasErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		reason   Reason
		want     []string
	}{
		{"conflicting wid", `{"fmt": "png", "wid": 64, "width": 32, "target": "s3://b/k"}`, ReasonGeneric, []string{"wid:", "width", "64", "32"}},
		{"conflicting qlt", `{"fmt": "jpg", "qlt": 50, "quality": 90, "target": "s3://b/k"}`, ReasonGeneric, []string{"qlt:", "quality"}},
		{"bad wid named as given", `{"fmt": "png", "wid": "big", "target": "s3://b/k"}`, ReasonGeneric, []string{"wid:", "integer"}},
		{"hei out of range", `{"fmt": "png", "hei": 0, "target": "s3://b/k"}`, ReasonGeneric, []string{"hei:"}},
		{"qlt on png", `{"fmt": "png", "qlt": 80, "target": "s3://b/k"}`, ReasonGeneric, []string{"quality"}},
		{"type conflicts with fmt", `{"fmt": "png", "type": "image/jpeg", "target": "s3://b/k"}`, ReasonGeneric, []string{"type:", "image/jpeg", "png"}},
		{"unknown type", `{"type": "image/x-bmp", "target": "s3://b/k"}`, ReasonRenditionFormatUnsupported, []string{"type:", "image/x-bmp"}},
		{"ambiguous type", `{"type": "application/json", "target": "s3://b/k"}`, ReasonGeneric, []string{"type:", "machine-metadata-json", "analysis"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRendition([]byte(tc.in))
			require.Error(t, err)
			assert.Equal(t, tc.reason, ReasonOf(err))
			for _, w := range tc.want {
				assert.Contains(t, MessageOf(err), w)
			}
		})
	}
}

func TestHostedType(t *testing.T) {
	for in, want := range map[string]string{
		`{"type": "image/png", "target": "s3://b/k"}`:                       "png",
		`{"type": "IMAGE/JPEG", "target": "s3://b/k"}`:                      "jpg",
		`{"type": "text/plain", "target": "s3://b/k"}`:                      "text",
		`{"type": "image/jpeg", "fmt": "jpeg", "target": "s3://b/k"}`:       "jpg",
		`{"type": "text/plain; charset=utf-8", "target": "s3://b/k"}`:       "text",
		`{"type": "application/rdf+xml", "target": "s3://b/k"}`:             "xmp",
		`{"type": "image/x-custom", "worker": "a/w", "target": "s3://b/k"}`: "",
	} {
		r, err := ParseRendition([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, r.Fmt, in)
		if r.Worker == "" {
			assert.Nil(t, r.Extra, "type is an instruction of built-in renditions: %s", in)
		}
	}
}

// A key no built-in action reads is refused, naming it, instead of being
// silently ignored; a custom worker still receives every key, aliases too.
func TestUnknownKeyOnBuiltinFormatIsRefused(t *testing.T) {
	for _, in := range []string{
		`{"fmt": "png", "widht": 64, "target": "s3://b/k"}`,
		`{"fmt": "jpg", "wid": 64, "Width": 10, "target": "s3://b/k"}`,
		`{"fmt": "text", "maxchars": 10, "target": "s3://b/k"}`,
		`{"fmt": "xmp", "options": {}, "target": "s3://b/k"}`,
		`{"type": "image/png", "sharpen": true, "target": "s3://b/k"}`,
	} {
		_, err := ParseRendition([]byte(in))
		require.Error(t, err, in)
		assert.Equal(t, ReasonGeneric, ReasonOf(err), in)
		assert.Contains(t, MessageOf(err), "is not an instruction of", in)
		var raw map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(in), &raw))
		named := false
		for k := range raw {
			if !IsInstructionKey(k) && len(MessageOf(err)) > len(k) && MessageOf(err)[:len(k)+1] == k+":" {
				named = true
			}
		}
		assert.True(t, named, "the message starts with the unknown key: %s", MessageOf(err))
	}

	// A null value is an absent key, as for every field.
	_, err := ParseRendition([]byte(`{"fmt": "png", "comment": null, "target": "s3://b/k"}`))
	assert.NoError(t, err)
	// Keys the built-in actions read from Extra are instructions.
	_, err = ParseRendition([]byte(`{"fmt": "text", "maxChars": 10, "target": "s3://b/k"}`))
	assert.NoError(t, err)

	r, err := ParseRendition([]byte(`{"fmt": "png", "worker": "acme/w", "wid": 64, "sharpen": true, "type": "image/png", "target": "s3://b/k"}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"sharpen", "type", "wid"}, r.ExtraKeys(), "a custom worker receives every key")
	assert.Equal(t, 64, *r.Width)
	out, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"fmt": "png", "worker": "acme/w", "wid": 64, "width": 64, "sharpen": true, "type": "image/png", "target": "s3://b/k"}`, string(out))
	back, err := ParseRendition(out)
	require.NoError(t, err, "what a custom worker receives parses again")
	assert.Equal(t, r.ExtraKeys(), back.ExtraKeys())
}

// Every key a rendition of main's contract knew is still an instruction.
func TestKnownInstructionKeys(t *testing.T) {
	for _, k := range []string{
		"fmt", "name", "target", "url", "worker", "userData",
		"width", "height", "upscale", "maxWidth", "maxHeight",
		"quality", "jpegSize", "interlace", "dpi", "convertToDpi",
		"crop", "watermark", "background", "pdfbgcolor",
		"compressionLevel", "page", "xmp", "embedBinaryLimit", "animated",
		"language", "time", "storyboard", "frames", "fps",
		"maxDuration", "bitrate", "waveform", "raw", "features", "source",
		"maxChars", "compression", "wid", "hei", "qlt", "type",
	} {
		assert.True(t, IsInstructionKey(k), k)
	}
	assert.False(t, IsInstructionKey("Width"))
}

func TestVerbatimInstructions(t *testing.T) {
	r, err := ParseRendition([]byte(`{"fmt": "jpeg", "wid": 64, "name": "t.jpg", "userData": {"a": 1},
		"target": "https://h/k?X-Amz-Signature=secret",
		"watermark": {"image": "https://h/w.png?sig=secret2", "scale": 0.5}}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"fmt": "jpeg", "wid": 64, "name": "t.jpg", "userData": {"a": 1},
		"watermark": {"image": "https://h/w.png", "scale": 0.5}}`, string(r.Verbatim))
	assert.NotContains(t, string(r.Verbatim), "secret")
	r, err = ParseRendition([]byte(`{"fmt": "png", "url": "https://h/k?sig=s"}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"fmt": "png"}`, string(r.Verbatim), "url is the target's alias")
}

// An event echoes the instructions as written beside the normalised
// rendition, names the worker activations, and dates to the millisecond.
func TestEventEchoesInstructionsAsWritten(t *testing.T) {
	req, err := DecodeRequest([]byte(`{"requestId": "r1", "source": "https://h/a.jpg?sig=s",
		"renditions": [{"name": "t.png", "fmt": "png", "wid": 64, "hei": 48,
			"target": "https://h/out.png?X-Amz-Signature=secret"}]}`))
	require.NoError(t, err)
	for _, tc := range []struct {
		at   time.Time
		date string
	}{
		{time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600)), "2026-01-02T02:04:05.123Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02T03:04:05.000Z"},
	} {
		ev := NewEvent(req, 0, req.Renditions[0], RenditionResult{Name: "t.png", Status: StatusCreated,
			ActivationIDs: []string{"a1b2"}}, tc.at)
		out, err := json.Marshal(ev)
		require.NoError(t, err)
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(out, &m))
		assert.JSONEq(t, `"`+tc.date+`"`, string(m["date"]))
		assert.JSONEq(t, `{"name": "t.png", "fmt": "png", "wid": 64, "hei": 48}`, string(m["instructions"]), "verbatim, minus target")
		assert.JSONEq(t, `{"name": "t.png", "fmt": "png", "width": 64, "height": 48}`, string(m["rendition"]), "normalised")
		assert.JSONEq(t, `["a1b2"]`, string(m["activationIds"]))
		assert.NotContains(t, string(out), "secret")

		var back Event
		require.NoError(t, json.Unmarshal(out, &back))
		assert.True(t, back.Date.Equal(tc.at.Truncate(time.Millisecond)), "%v", back.Date)
		assert.Equal(t, []string{"a1b2"}, back.ActivationIDs)
		again, err := json.Marshal(back)
		require.NoError(t, err)
		assert.JSONEq(t, string(out), string(again))
	}
}
