package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withField returns a valid png rendition with one more key/value pair.
func withField(kv string) string {
	return `{"fmt": "png", "target": "s3://b/k.png", ` + kv + `}`
}

func TestParseRenditionRejectsBadValues(t *testing.T) {
	tests := []struct {
		name   string
		json   string
		reason Reason // GenericError when empty
		// want are fragments the message must contain: the field and the
		// allowed values.
		want []string
	}{
		{"width zero", withField(`"width": 0`), "", []string{"width:", "integer from 1 to 100000", "got 0"}},
		{"width negative", withField(`"width": -1`), "", []string{"width:", "from 1 to 100000"}},
		{"width fractional", withField(`"width": 1.5`), "", []string{"width:", "integer", "got 1.5"}},
		{"width as a string", withField(`"width": "10"`), "", []string{"width:", "integer from 1 to 100000", `got "10"`}},
		{"width above the limit", withField(`"width": 100001`), "", []string{"width:", "from 1 to 100000"}},
		{"width as an object", withField(`"width": {}`), "", []string{"width:", "from 1 to 100000"}},
		{"height zero", withField(`"height": 0`), "", []string{"height:", "from 1 to 100000"}},
		{"maxWidth zero", withField(`"maxWidth": 0`), "", []string{"maxWidth:", "from 1 to 100000"}},
		{"maxHeight above the limit", withField(`"maxHeight": 1e6`), "", []string{"maxHeight:", "from 1 to 100000"}},
		{"quality zero", withField(`"quality": 0`), "", []string{"quality:", "from 1 to 100"}},
		{"quality above 100", withField(`"quality": 101`), "", []string{"quality:", "from 1 to 100"}},
		{"compressionLevel above 9", withField(`"compressionLevel": 10`), "", []string{"compressionLevel:", "from 0 to 9"}},
		{"compressionLevel negative", withField(`"compressionLevel": -1`), "", []string{"compressionLevel:", "from 0 to 9"}},
		{"page zero", withField(`"page": 0`), "", []string{"page:", "at least 1"}},
		{"jpegSize zero", withField(`"jpegSize": 0`), "", []string{"jpegSize:", "at least 1"}},
		{"embedBinaryLimit above 32768", withField(`"embedBinaryLimit": 40000`), "", []string{"embedBinaryLimit:", "from 0 to 32768"}},
		{"dpi negative", withField(`"dpi": -1`), "", []string{"dpi:", "above 0 and at most 10000", "{xdpi, ydpi}"}},
		{"dpi zero", withField(`"dpi": 0`), "", []string{"dpi:", "above 0"}},
		{"dpi object with xdpi only", withField(`"dpi": {"xdpi": 72}`), "", []string{"dpi:", "{xdpi, ydpi}"}},
		{"dpi as a string", withField(`"dpi": "72"`), "", []string{"dpi:", "above 0", "{xdpi, ydpi}"}},
		{"convertToDpi above the limit", withField(`"convertToDpi": 10001`), "", []string{"convertToDpi:", "at most 10000"}},
		{"crop negative", withField(`"crop": {"x": -1, "y": 0, "w": 10, "h": 10}`), "", []string{"crop:", "at least 0", "at least 1"}},
		{"crop w zero", withField(`"crop": {"x": 0, "y": 0, "w": 0, "h": 10}`), "", []string{"crop:", "w and h at least 1"}},
		{"crop missing h", withField(`"crop": {"x": 0, "y": 0, "w": 10}`), "", []string{"crop:", `"smart" or {x, y, w, h}`}},
		{"crop fractional", withField(`"crop": {"x": 0.5, "y": 0, "w": 10, "h": 10}`), "", []string{"crop:", "integers"}},
		{"blurFaces not a boolean", withField(`"blurFaces": "yes"`), "", []string{"blurFaces:", "must be true or false"}},
		{"crop dumb", withField(`"crop": "dumb"`), "", []string{"crop:", `"smart" or {x, y, w, h}`, `"dumb"`}},
		{"watermark without image", withField(`"watermark": {"scale": 0.5}`), "", []string{"watermark:", "{image: url, scale: 0..1}"}},
		{"watermark as a string", withField(`"watermark": "https://h/wm.png"`), "", []string{"watermark:", "{image: url, scale: 0..1}"}},
		{"watermark scale 2", withField(`"watermark": {"image": "https://h/wm.png", "scale": 2}`), "", []string{"watermark:", "scale", "above 0 and at most 1"}},
		{"watermark scale 0", withField(`"watermark": {"image": "https://h/wm.png", "scale": 0}`), "", []string{"watermark:", "above 0 and at most 1"}},
		{"background red", withField(`"background": "red"`), "", []string{"background:", "#RGB or #RRGGBB", `"red"`}},
		{"background too short", withField(`"background": "#12"`), "", []string{"background:", "#RGB or #RRGGBB"}},
		{"background as a number", withField(`"background": 255`), "", []string{"background:", "string"}},
		{"pdfbgcolor red names the alias", withField(`"pdfbgcolor": "red"`), "", []string{"pdfbgcolor:", "#RGB or #RRGGBB"}},
		{"xmp not base64", withField(`"xmp": "<x:xmpmeta/>"`), "", []string{"xmp:", "base64"}},
		{"xmp empty", withField(`"xmp": ""`), "", []string{"xmp:", "base64"}},
		{"upscale not a boolean", withField(`"upscale": "yes"`), "", []string{"upscale:", "true or false"}},
		{"interlace not a boolean", withField(`"interlace": 1`), "", []string{"interlace:", "true or false"}},
		{"name not a string", withField(`"name": 5`), "", []string{"name:", "string"}},
		{"fmt missing without worker", `{"target": "s3://b/k"}`, "", []string{"fmt:", "required unless worker", "png, jpg, webp"}},
		{"fmt not a string", `{"fmt": 5, "target": "s3://b/k"}`, "", []string{"fmt:", "string"}},
		{"unknown fmt", `{"fmt": "bmp", "target": "s3://b/k"}`, ReasonRenditionFormatUnsupported, []string{"fmt:", `"bmp"`, "png, jpg", "worker"}},
		{"target missing without embedBinaryLimit", `{"fmt": "png"}`, "", []string{"target:", "required", "embedBinaryLimit"}},
		{"target empty", `{"fmt": "png", "target": ""}`, "", []string{"target:", "empty"}},
		{"target a number", `{"fmt": "png", "target": 5}`, "", []string{"target:", "URL string or an object {urls, minPartSize, maxPartSize}"}},
		{"url alias empty names the alias", `{"fmt": "png", "url": " "}`, "", []string{"url:", "empty"}},
		{"multipart with an empty part URL", `{"fmt": "png", "target": {"urls": ["https://h/1", ""]}}`, "", []string{"target:", "urls[1]"}},
		{"multipart min above max", `{"fmt": "png", "target": {"urls": ["https://h/1"], "minPartSize": 10, "maxPartSize": 5}}`, "", []string{"target:", "minPartSize (10) must not exceed maxPartSize (5)"}},
		{"multipart negative size", `{"fmt": "png", "target": {"urls": ["https://h/1"], "minPartSize": -1}}`, "", []string{"target:", "must not be negative"}},
		{"not an object", `["png"]`, "", []string{"rendition must be a JSON object"}},
		{"null", `null`, "", []string{"rendition must be a JSON object"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRendition([]byte(tc.json))
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			want := tc.reason
			if want == "" {
				want = ReasonGeneric
			}
			assert.Equal(t, want, ReasonOf(err))
			assert.Equal(t, err.Error(), MessageOf(err), "the whole message is public")

			// Strict decoding through encoding/json refuses the same input.
			var r Rendition
			assert.Error(t, json.Unmarshal([]byte(tc.json), &r))
		})
	}
}

func TestParseRenditionFieldErrorNamesTheField(t *testing.T) {
	_, err := ParseRendition([]byte(withField(`"quality": 0`)))
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "quality", fe.Field)
	assert.Contains(t, fe.Message, "from 1 to 100")
}

func TestParseRenditionAcceptsValidInstructions(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		check func(t *testing.T, r Rendition)
	}{
		{"worker rendition with any fmt", `{"worker": "ns/act", "fmt": "BMP+x", "target": "s3://b/k"}`, func(t *testing.T, r Rendition) {
			assert.Equal(t, "bmp+x", r.Fmt)
			assert.Equal(t, "ns/act", r.Worker)
		}},
		{"worker rendition without fmt", `{"worker": " ns/act ", "target": "s3://b/k"}`, func(t *testing.T, r Rendition) {
			assert.Equal(t, "ns/act", r.Worker)
			assert.Empty(t, r.Fmt)
		}},
		{"embedBinaryLimit instead of target", `{"fmt": "xmp", "embedBinaryLimit": 32768}`, func(t *testing.T, r Rendition) {
			assert.True(t, r.Target.IsZero())
			assert.EqualValues(t, 32768, *r.EmbedBinaryLimit)
		}},
		{"fmt aliases and case", `{"fmt": " JPEG ", "target": "s3://b/k"}`, func(t *testing.T, r Rendition) { assert.Equal(t, "jpg", r.Fmt) }},
		{"tif alias", `{"fmt": "tif", "target": "s3://b/k"}`, func(t *testing.T, r Rendition) { assert.Equal(t, "tiff", r.Fmt) }},
		{"lower bounds", withField(`"width": 1, "height": 1, "compressionLevel": 0, "page": 1, "embedBinaryLimit": 0`), func(t *testing.T, r Rendition) {
			assert.Equal(t, 1, *r.Width)
			assert.Equal(t, 0, *r.CompressionLevel)
			assert.EqualValues(t, 0, *r.EmbedBinaryLimit)
		}},
		{"lower bounds of jpg instructions", `{"fmt": "jpg", "target": "s3://b/k.jpg", "quality": 1, "jpegSize": 1}`, func(t *testing.T, r Rendition) {
			assert.Equal(t, 1, *r.Quality)
			assert.EqualValues(t, 1, *r.JPEGSize)
		}},
		{"upper bounds", withField(`"width": 100000, "maxHeight": 100000, "compressionLevel": 9, "dpi": 10000`), func(t *testing.T, r Rendition) {
			assert.Equal(t, 100000, *r.Width)
			assert.Equal(t, 9, *r.CompressionLevel)
			assert.Equal(t, &DPI{X: 10000, Y: 10000}, r.DPI)
		}},
		{"upper bound of quality", `{"fmt": "webp", "target": "s3://b/k.webp", "quality": 100}`, func(t *testing.T, r Rendition) {
			assert.Equal(t, 100, *r.Quality)
		}},
		{"integral numbers in other spellings", withField(`"width": 1e2, "height": 200.0`), func(t *testing.T, r Rendition) {
			assert.Equal(t, 100, *r.Width)
			assert.Equal(t, 200, *r.Height)
		}},
		{"fractional dpi", withField(`"dpi": 72.5`), func(t *testing.T, r Rendition) { assert.Equal(t, &DPI{X: 72.5, Y: 72.5}, r.DPI) }},
		{"blurFaces", withField(`"blurFaces": true`), func(t *testing.T, r Rendition) {
			assert.True(t, r.BlurFaces)
			b, err := json.Marshal(r)
			require.NoError(t, err)
			assert.Contains(t, string(b), `"blurFaces":true`, "written back")
		}},
		{"smart crop in any case", withField(`"crop": "Smart", "width": 10, "height": 20`), func(t *testing.T, r Rendition) { assert.True(t, r.Crop.Smart) }},
		{"crop at origin", withField(`"crop": {"x": 0, "y": 0, "w": 1, "h": 1}`), func(t *testing.T, r Rendition) {
			assert.Equal(t, &Crop{W: 1, H: 1}, r.Crop)
		}},
		{"watermark scale defaults to 1", withField(`"watermark": {"image": "https://h/wm.png"}`), func(t *testing.T, r Rendition) {
			assert.Equal(t, &Watermark{Image: "https://h/wm.png", Scale: 1}, r.Watermark)
		}},
		{"six-digit colour", withField(`"background": "#A0B1C2"`), func(t *testing.T, r Rendition) { assert.Equal(t, "#a0b1c2", r.Background) }},
		{"null means absent", withField(`"width": null, "dpi": null, "crop": null, "watermark": null, "upscale": null, "background": null, "xmp": null, "name": null`), func(t *testing.T, r Rendition) {
			assert.Nil(t, r.Width)
			assert.Nil(t, r.DPI)
			assert.Nil(t, r.Crop)
			assert.Empty(t, r.Background)
			assert.Empty(t, r.XMP)
			assert.Nil(t, r.Extra)
		}},
		{"null target with the url alias", `{"fmt": "png", "target": null, "url": "s3://b/k"}`, func(t *testing.T, r Rendition) {
			assert.Equal(t, "s3://b/k", r.Target.URL)
		}},
		{"target wins over url", `{"fmt": "png", "target": "s3://b/t", "url": "s3://b/u"}`, func(t *testing.T, r Rendition) {
			assert.Equal(t, "s3://b/t", r.Target.URL)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRendition([]byte(tc.json))
			require.NoError(t, err)
			tc.check(t, r)
		})
	}
}

func TestParseRenditionKeepsIdentityOnError(t *testing.T) {
	r, err := ParseRendition([]byte(`{"name": "a.png", "fmt": "PNG", "worker": "", "target": "s3://b/k", "width": 0, "userData": {"u": 1}}`))
	require.Error(t, err)
	assert.Equal(t, "a.png", r.Name)
	assert.Equal(t, "png", r.Fmt)
	assert.Equal(t, "s3://b/k", r.Target.URL)
	assert.JSONEq(t, `{"u": 1}`, string(r.UserData))
}

func TestParseRenditionReportsTheFirstProblem(t *testing.T) {
	_, err := ParseRendition([]byte(`{"fmt": "png", "target": "s3://b/k", "width": 0, "quality": 0}`))
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "width:"), err.Error())
}

func TestWithoutTargetKeepsInstructions(t *testing.T) {
	r, err := ParseRendition([]byte(`{"fmt": "png", "name": "a.png", "worker": "acme/w", "width": 10, "target": "https://h/k?sig=secret", "extra": 1}`))
	require.NoError(t, err)
	r.Invalid = assert.AnError
	echo := r.WithoutTarget()
	assert.True(t, echo.Target.IsZero())
	assert.NoError(t, echo.Invalid)
	assert.Equal(t, 10, *echo.Width)
	assert.Equal(t, "https://h/k?sig=secret", r.Target.URL, "the original is unchanged")
	data, err := json.Marshal(echo)
	require.NoError(t, err)
	assert.JSONEq(t, `{"fmt": "png", "name": "a.png", "worker": "acme/w", "width": 10, "extra": 1}`, string(data))
}

func TestFormats(t *testing.T) {
	for _, f := range BuiltinFormats() {
		fam, ok := FormatFamily(f)
		assert.True(t, ok, f)
		assert.NotEmpty(t, fam)
		assert.NotEqual(t, "application/octet-stream", FormatMimeType(f), f)
		assert.Equal(t, f, CanonicalFormat(strings.ToUpper(f)))
	}
	assert.Len(t, BuiltinFormats(), len(formats), "every format is listed")
	_, ok := FormatFamily("jpeg")
	assert.False(t, ok, "FormatFamily takes canonical values")
	assert.Equal(t, "application/octet-stream", FormatMimeType("svg"))
	fam, _ := FormatFamily("machine-metadata-json")
	assert.Equal(t, FamilyMetadata, fam)
	r := Rendition{Fmt: "text"}
	fam, ok = r.Family()
	assert.True(t, ok)
	assert.Equal(t, FamilyText, fam)
	assert.Equal(t, 7, IntOr(nil, 7))
	n := 3
	assert.Equal(t, 3, IntOr(&n, 7))
}

func TestIsHexColor(t *testing.T) {
	for s, want := range map[string]bool{
		"#fff": true, "#FfF0a9": true, "#000000": true,
		"": false, "#": false, "fff": false, "#ffff": false, "#12345g": false,
		"#ggg": false, "#ééé": false, " #fff": false, "#fff ": false,
	} {
		assert.Equal(t, want, isHexColor(s), "%q", s)
	}
}
