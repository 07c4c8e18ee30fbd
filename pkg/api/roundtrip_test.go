package api

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

// compactRaw removes insignificant white space, so raw JSON kept from an
// indented sample compares equal to the same JSON re-encoded.
func compactRaw(t testing.TB, raw json.RawMessage) json.RawMessage {
	t.Helper()
	if raw == nil {
		return nil
	}
	var buf bytes.Buffer
	require.NoError(t, json.Compact(&buf, raw))
	return buf.Bytes()
}

func normalizeRendition(t testing.TB, r Rendition) Rendition {
	t.Helper()
	r.UserData = compactRaw(t, r.UserData)
	// The verbatim instructions are what the client wrote, not serialised.
	r.Verbatim = nil
	if r.Extra != nil {
		extra := make(map[string]json.RawMessage, len(r.Extra))
		for k, v := range r.Extra {
			extra[k] = compactRaw(t, v)
		}
		r.Extra = extra
	}
	return r
}

func normalizeRequest(t testing.TB, req *Request) *Request {
	t.Helper()
	out := *req
	out.UserData = compactRaw(t, req.UserData)
	out.Renditions = nil
	for _, r := range req.Renditions {
		out.Renditions = append(out.Renditions, normalizeRendition(t, r))
	}
	return &out
}

func TestRequestRoundTripsThroughJSON(t *testing.T) {
	for _, name := range []string{"request_full.json", "request_worker.json", "request_minimal.json"} {
		t.Run(name, func(t *testing.T) {
			first, err := DecodeRequest(readTestdata(t, name))
			require.NoError(t, err)
			for _, r := range first.Renditions {
				require.NoError(t, r.Invalid, "rendition %s", r.Name)
			}
			encoded, err := json.Marshal(first)
			require.NoError(t, err)
			second, err := DecodeRequest(encoded)
			require.NoError(t, err, "re-encoded: %s", encoded)
			assert.Equal(t, normalizeRequest(t, first), normalizeRequest(t, second))

			reencoded, err := json.Marshal(second)
			require.NoError(t, err)
			assert.JSONEq(t, string(encoded), string(reencoded), "encoding is stable")
		})
	}
}

func TestDecodeRequestReadsEveryRenditionField(t *testing.T) {
	req, err := DecodeRequest(readTestdata(t, "request_full.json"))
	require.NoError(t, err)
	require.Len(t, req.Renditions, 7)
	assert.Equal(t, "req-full-1", req.RequestID)
	assert.Equal(t, Source{URL: "https://bucket.example.com/assets/photo.jpg?X-Amz-Signature=abc&X-Amz-Expires=300"}, req.Source)
	assert.JSONEq(t, `{"job":"nightly","n":7}`, string(req.UserData))

	ptr := func(n int) *int { return &n }
	ptr64 := func(n int64) *int64 { return &n }

	thumb := req.Renditions[0]
	assert.Equal(t, "thumb-319.png", thumb.Name)
	assert.Equal(t, "png", thumb.Fmt)
	assert.Equal(t, ptr(319), thumb.Width)
	assert.Equal(t, ptr(319), thumb.Height)
	assert.True(t, thumb.Upscale)
	assert.True(t, thumb.Interlace)
	assert.Equal(t, ptr(6), thumb.CompressionLevel)
	assert.Equal(t, "#fff", thumb.Background, "colours are lower-cased")
	assert.Equal(t, Target{URL: "https://bucket.example.com/out/thumb-319.png?X-Amz-Signature=def"}, thumb.Target)
	assert.JSONEq(t, `{"slot":1,"tags":["a","b"]}`, string(thumb.UserData))
	assert.Nil(t, thumb.Extra)

	web := req.Renditions[1]
	assert.Equal(t, "jpg", web.Fmt, "JPEG is canonicalised")
	assert.Equal(t, ptr(2048), web.MaxWidth)
	assert.Equal(t, ptr(1536), web.MaxHeight)
	assert.Equal(t, ptr(85), web.Quality)
	assert.Equal(t, ptr64(150000), web.JPEGSize)
	assert.Equal(t, &DPI{X: 72, Y: 72}, web.DPI, "a number sets both axes")
	assert.Equal(t, &DPI{X: 300, Y: 150}, web.ConvertToDPI)
	assert.Equal(t, &Crop{X: 10, Y: 20, W: 640, H: 480}, web.Crop)
	assert.Equal(t, &Watermark{Image: "https://example.com/wm.png", Scale: 0.25}, web.Watermark)
	assert.Equal(t, ptr(2), web.Page)
	assert.Equal(t, "PHg6eG1wbWV0YS8+", web.XMP)
	assert.Equal(t, Target{URL: "s3://renditions/out/web.jpg"}, web.Target, "url is an alias of target")
	assert.Nil(t, web.Extra, "aliases are not unknown keys")

	webp := req.Renditions[2]
	assert.Equal(t, "rendition-3.webp", webp.Name, "default name counts from 1")
	assert.Equal(t, &Crop{Smart: true}, webp.Crop)
	assert.Equal(t, "#aabbcc", webp.Background, "pdfbgcolor is an alias of background")
	assert.Equal(t, &DPI{X: 96, Y: 96}, webp.DPI)
	assert.True(t, webp.Target.IsMultipart())
	assert.Equal(t, Target{
		URLs:        []string{"https://up.example.com/part1?sig=1", "https://up.example.com/part2?sig=2"},
		MinPartSize: 5242880, MaxPartSize: 104857600,
	}, webp.Target)

	assert.Equal(t, "xmp", req.Renditions[3].Fmt)
	embedded := req.Renditions[4]
	assert.Equal(t, "rendition-5.machine-metadata-json", embedded.Name)
	assert.True(t, embedded.Target.IsZero())
	assert.Equal(t, ptr64(32768), embedded.EmbedBinaryLimit)
	assert.Equal(t, "text", req.Renditions[5].Fmt, "txt is canonicalised")
	assert.Equal(t, ptr64(0), req.Renditions[5].EmbedBinaryLimit)
	assert.True(t, req.Renditions[6].Animated)
}

func TestRenditionEncodesCanonicalKeys(t *testing.T) {
	req, err := DecodeRequest(readTestdata(t, "request_full.json"))
	require.NoError(t, err)

	var web, webp map[string]json.RawMessage
	data, err := json.Marshal(req.Renditions[1])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &web))
	assert.JSONEq(t, `"s3://renditions/out/web.jpg"`, string(web["target"]))
	assert.NotContains(t, web, "url")
	assert.JSONEq(t, `{"xdpi":72,"ydpi":72}`, string(web["dpi"]))
	assert.JSONEq(t, `{"x":10,"y":20,"w":640,"h":480}`, string(web["crop"]))
	assert.JSONEq(t, `"jpg"`, string(web["fmt"]))

	data, err = json.Marshal(req.Renditions[2])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &webp))
	assert.JSONEq(t, `"#aabbcc"`, string(webp["background"]))
	assert.NotContains(t, webp, "pdfbgcolor")
	assert.JSONEq(t, `"smart"`, string(webp["crop"]))
	assert.JSONEq(t, `{"urls":["https://up.example.com/part1?sig=1","https://up.example.com/part2?sig=2"],"minPartSize":5242880,"maxPartSize":104857600}`,
		string(webp["target"]))
}

func TestUnknownRenditionKeysArePassedThrough(t *testing.T) {
	req, err := DecodeRequest(readTestdata(t, "request_worker.json"))
	require.NoError(t, err)
	require.Len(t, req.Renditions, 2)

	custom := req.Renditions[0]
	assert.Equal(t, "acme/pdf-to-svg", custom.Worker)
	assert.Equal(t, "svg", custom.Fmt)
	assert.Equal(t, []string{"Width", "options", "pageRange"}, custom.ExtraKeys(), "keys are case-sensitive")
	assert.Nil(t, custom.Width)
	assert.JSONEq(t, `[1, 3]`, string(custom.Extra["pageRange"]))
	assert.JSONEq(t, `"rendition user data may be any JSON value"`, string(custom.UserData))

	data, err := json.Marshal(custom)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"worker": "acme/pdf-to-svg", "fmt": "svg", "name": "page-1.svg",
		"target": "s3://renditions/out/page-1.svg",
		"pageRange": [1, 3], "options": {"precision": 3, "fonts": "embed"}, "Width": "kept verbatim",
		"userData": "rendition user data may be any JSON value"
	}`, string(data))

	assert.Equal(t, "rendition-2.bin", req.Renditions[1].Name, "a worker rendition without fmt")
}

func TestSourceJSONForms(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    Source
		encoded string
	}{
		{"string", `"s3://bucket/in/a.png"`, Source{URL: "s3://bucket/in/a.png"}, `"s3://bucket/in/a.png"`},
		{"object with url only is written as a string", `{"url": "https://h/a.png"}`, Source{URL: "https://h/a.png"}, `"https://h/a.png"`},
		{
			"object with every field",
			`{"url": "https://h/blob?sig=1", "name": "a.psd", "size": 42, "mimetype": "image/vnd.adobe.photoshop", "headers": {"Authorization": "Bearer x"}}`,
			Source{URL: "https://h/blob?sig=1", Name: "a.psd", Size: 42, MimeType: "image/vnd.adobe.photoshop", Headers: map[string]string{"Authorization": "Bearer x"}},
			`{"url": "https://h/blob?sig=1", "name": "a.psd", "size": 42, "mimetype": "image/vnd.adobe.photoshop", "headers": {"Authorization": "Bearer x"}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s Source
			require.NoError(t, json.Unmarshal([]byte(tc.json), &s))
			assert.Equal(t, tc.want, s)
			data, err := json.Marshal(s)
			require.NoError(t, err)
			assert.JSONEq(t, tc.encoded, string(data))
			var again Source
			require.NoError(t, json.Unmarshal(data, &again))
			assert.Equal(t, s, again)
		})
	}

	// The object form names the source for type detection.
	req, err := DecodeRequest(readTestdata(t, "request_worker.json"))
	require.NoError(t, err)
	assert.Equal(t, "report final.pdf", req.Source.DisplayName())
	assert.Equal(t, int64(482113), req.Source.Size)
	assert.Equal(t, map[string]string{"X-Tenant": "acme"}, req.Source.Headers)
}

func TestTargetJSONForms(t *testing.T) {
	tests := []struct {
		name string
		json string
		want Target
	}{
		{"presigned URL", `"https://h/k?X-Amz-Signature=s"`, Target{URL: "https://h/k?X-Amz-Signature=s"}},
		{"s3", `"s3://b/k"`, Target{URL: "s3://b/k"}},
		{"multipart", `{"urls": ["https://h/1", "https://h/2"], "minPartSize": 5, "maxPartSize": 10}`,
			Target{URLs: []string{"https://h/1", "https://h/2"}, MinPartSize: 5, MaxPartSize: 10}},
		{"multipart without sizes", `{"urls": ["https://h/1"]}`, Target{URLs: []string{"https://h/1"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tg Target
			require.NoError(t, json.Unmarshal([]byte(tc.json), &tg))
			assert.Equal(t, tc.want, tg)
			require.NoError(t, tg.Validate())
			data, err := json.Marshal(tg)
			require.NoError(t, err)
			assert.JSONEq(t, tc.json, string(data))
		})
	}
}

func TestEventRoundTripsThroughJSON(t *testing.T) {
	for _, name := range []string{"event_created.json", "event_failed.json", "event_embedded.json"} {
		t.Run(name, func(t *testing.T) {
			original := readTestdata(t, name)
			var first Event
			require.NoError(t, json.Unmarshal(original, &first))
			encoded, err := json.Marshal(first)
			require.NoError(t, err)
			assert.JSONEq(t, string(original), string(encoded), "nothing is lost or added")
			var second Event
			require.NoError(t, json.Unmarshal(encoded, &second))
			first.Rendition = normalizeRendition(t, first.Rendition)
			second.Rendition = normalizeRendition(t, second.Rendition)
			first.UserData = compactRaw(t, first.UserData)
			second.UserData = compactRaw(t, second.UserData)
			first.Instructions = compactRaw(t, first.Instructions)
			second.Instructions = compactRaw(t, second.Instructions)
			assert.True(t, first.Date.Equal(second.Date))
			first.Date, second.Date = time.Time{}, time.Time{}
			assert.Equal(t, first, second)
		})
	}

	var failed Event
	require.NoError(t, json.Unmarshal(readTestdata(t, "event_failed.json"), &failed))
	assert.Equal(t, EventRenditionFailed, failed.Type)
	assert.Equal(t, ReasonRenditionFormatUnsupported, failed.ErrorReason)
	assert.Equal(t, "odd.bmp", failed.Rendition.Name, "a failed rendition's echo is read even when its instructions are unusable")
	assert.Equal(t, "bmp", failed.Rendition.Fmt)

	var created Event
	require.NoError(t, json.Unmarshal(readTestdata(t, "event_created.json"), &created))
	assert.Equal(t, EventRenditionCreated, created.Type)
	assert.Equal(t, float64(319), created.Metadata["tiff:imageWidth"])
	assert.Equal(t, []string{"customKey"}, created.Rendition.ExtraKeys())
}

func TestWorkerRequestRoundTripsThroughJSON(t *testing.T) {
	original := readTestdata(t, "worker_request.json")
	first, err := DecodeWorkerRequest(original)
	require.NoError(t, err)
	assert.Equal(t, "req-full-1", first.RequestID)
	assert.Equal(t, "photo.jpg", first.Source.Name)
	require.Len(t, first.Renditions, 2)
	assert.Equal(t, &Crop{Smart: true}, first.Renditions[1].Crop)
	assert.Equal(t, []string{"https://up/1", "https://up/2"}, first.Renditions[1].Target.URLs)

	encoded, err := json.Marshal(first)
	require.NoError(t, err)
	assert.JSONEq(t, string(original), string(encoded))
	second, err := DecodeWorkerRequest(encoded)
	require.NoError(t, err)
	assert.Equal(t, first, second)
}

func TestDecodeWorkerRequestRejectsUnusableInput(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not JSON", `{`, "invalid worker request"},
		{"no source", `{"renditions": [{"fmt": "png", "target": "s3://b/k"}]}`, "source: url is required"},
		{"no renditions", `{"source": "s3://b/k", "renditions": []}`, "renditions must not be empty"},
		{"invalid rendition", `{"source": "s3://b/k", "renditions": [{"fmt": "png", "target": "s3://b/k", "width": 0}]}`, "width"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeWorkerRequest([]byte(tc.json))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, ReasonGeneric, ReasonOf(err))
		})
	}
}

func TestWorkerResultRoundTripsThroughJSON(t *testing.T) {
	original := readTestdata(t, "worker_result.json")
	first, err := DecodeWorkerResult(original, 3)
	require.NoError(t, err)
	require.Len(t, first.Renditions, 3)
	assert.True(t, first.Renditions[0].Created())
	assert.False(t, first.Renditions[1].Created())
	assert.Equal(t, ReasonSourceCorrupt, first.Renditions[1].Reason)
	assert.Equal(t, "data:text/plain;base64,aGk=", first.Renditions[2].Data)

	encoded, err := json.Marshal(first)
	require.NoError(t, err)
	assert.JSONEq(t, string(original), string(encoded))
	second, err := DecodeWorkerResult(encoded, 3)
	require.NoError(t, err)
	assert.Equal(t, first, second)

	partial, err := DecodeWorkerResult(original, 4)
	assert.ErrorContains(t, err, "3 results for a batch of 4")
	assert.Len(t, partial.Renditions, 3, "what the worker did return is kept")

	_, err = DecodeWorkerResult([]byte(`["not", "a", "result"]`), 1)
	assert.ErrorContains(t, err, "not a worker result")
}

func TestFailedResultCarriesReasonAndPublicMessage(t *testing.T) {
	res := Failed("a.png", Wrap(ReasonSourceCorrupt, os.ErrNotExist, "source is not a PNG"))
	assert.Equal(t, RenditionResult{Name: "a.png", Status: StatusFailed, Reason: ReasonSourceCorrupt, Message: "source is not a PNG"}, res)
	assert.False(t, res.Created())
}
