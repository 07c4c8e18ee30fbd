package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// honouredBy says, for each instruction that some fmts cannot honour, which
// built-in fmts accept it. It is written out here, apart from the table in
// validate.go, from what pkg/image does with each instruction.
var honouredBy = map[string]struct {
	value string
	fmts  string
}{
	"width":            {`10`, "png jpg webp gif tiff avif heic jxl mp4"},
	"height":           {`10`, "png jpg webp gif tiff avif heic jxl mp4"},
	"maxWidth":         {`10`, "png jpg webp gif tiff avif heic jxl mp4"},
	"maxHeight":        {`10`, "png jpg webp gif tiff avif heic jxl mp4"},
	"upscale":          {`true`, "png jpg webp gif tiff avif heic jxl mp4"},
	"crop":             {`{"x": 1, "y": 2, "w": 3, "h": 4}`, "png jpg webp gif tiff avif heic jxl"},
	"watermark":        {`{"image": "https://h/wm.png"}`, "png jpg webp gif tiff avif heic jxl"},
	"background":       {`"#fff"`, "png jpg webp gif tiff avif heic jxl"},
	"page":             {`2`, "png jpg webp gif tiff avif heic jxl analysis"},
	"convertToDpi":     {`300`, "png jpg webp gif tiff avif heic jxl"},
	"quality":          {`80`, "jpg webp avif heic jxl mp4"},
	"jpegSize":         {`5000`, "jpg"},
	"interlace":        {`true`, "png jpg gif"},
	"compressionLevel": {`6`, "png"},
	"dpi":              {`300`, "png jpg webp tiff avif heic"},
	"xmp":              {`"` + base64.StdEncoding.EncodeToString([]byte("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")) + `"`, "png jpg webp tiff avif heic"},
	"animated":         {`true`, "gif webp"},
	"time":             {`"10%"`, "png jpg webp gif tiff avif heic jxl mp4 analysis"},
	"maxDuration":      {`10`, "mp4"},
	"bitrate":          {`"800k"`, "mp4"},
	"storyboard":       {`{"columns": 3, "rows": 2}`, "png jpg webp gif tiff avif heic jxl"},
	"waveform":         {`{"color": "#FF8800"}`, "png jpg webp gif tiff avif heic jxl"},
	"compression":      {`"lzw"`, ""},
	"maxChars":         {`20`, "text"},
	"language":         {`"en-US"`, "text"},
	"raw":              {`"develop"`, "png jpg webp gif tiff avif heic jxl analysis"},
	"features":         {`["hashes"]`, "analysis"},
}

func TestInstructionsAreRefusedWhereTheFmtCannotHonourThem(t *testing.T) {
	for field, h := range honouredBy {
		for _, f := range BuiltinFormats() {
			allowed := strings.Contains(" "+h.fmts+" ", " "+f+" ")
			r, err := ParseRendition([]byte(fmt.Sprintf(`{"fmt": %q, "target": "s3://b/k", %q: %s}`, f, field, h.value)))
			if allowed {
				assert.NoError(t, err, "%s on %s", field, f)
				continue
			}
			if !assert.Error(t, err, "%s on %s must be refused, not dropped", field, f) {
				continue
			}
			assert.Equal(t, ReasonGeneric, ReasonOf(err), "%s on %s", field, f)
			msg := MessageOf(err)
			assert.True(t, strings.HasPrefix(msg, field+": "), "the message names the field: %s", msg)
			assert.Contains(t, msg, " "+f+" renditions", "the message names the fmt: %s", msg)
			var fe *FieldError
			if assert.ErrorAs(t, err, &fe) {
				assert.Equal(t, field, fe.Field)
			}
			assert.Equal(t, f, r.Fmt, "the rendition is still described")
		}
	}
}

func TestValidateMessages(t *testing.T) {
	cases := []struct {
		json string
		want []string
	}{
		{`{"fmt": "png", "quality": 80}`, []string{"quality: 80 is not honoured by png renditions; it applies to jpg, webp, avif, heic and jxl", "png is lossless"}},
		{`{"fmt": "tiff", "quality": 80}`, []string{"quality: 80 is not honoured by tiff renditions", "tiff is LZW-compressed"}},
		{`{"fmt": "webp", "interlace": true}`, []string{"interlace: true is not honoured by webp renditions; it applies to png, jpg and gif"}},
		{`{"fmt": "webp", "compressionLevel": 9}`, []string{"compressionLevel: 9 is not honoured by webp renditions; it applies to png"}},
		{`{"fmt": "tiff", "compression": "deflate"}`, []string{`compression: "deflate" is not supported for tiff renditions: tiff renditions are always LZW-compressed`}},
		{`{"fmt": "jpg", "compression": "jpeg"}`, []string{`compression: "jpeg" is not supported for jpg renditions`}},
		{`{"fmt": "jpg", "animated": true}`, []string{"animated: true is not honoured by jpg renditions; it applies to webp and gif"}},
		{`{"fmt": "gif", "dpi": {"xdpi": 72, "ydpi": 96}}`, []string{`dpi: {"xdpi":72,"ydpi":96} is not honoured by gif renditions`}},
		{`{"fmt": "png", "jpegSize": 1000}`, []string{"jpegSize: 1000 is not honoured by png renditions; it applies to jpg"}},
		{`{"fmt": "text", "width": 100}`, []string{"width: 100 does not apply to text renditions, which are not images; it is an image instruction (png, jpg, webp, gif, tiff, avif, heic and jxl)"}},
		{`{"fmt": "machine-metadata-json", "page": 3}`, []string{"page: 3 does not apply to machine-metadata-json renditions"}},
		{`{"fmt": "xmp", "dpi": 300}`, []string{"dpi: 300 does not apply to xmp renditions"}},
		{`{"fmt": "txt", "crop": "smart"}`, []string{`crop: "smart" does not apply to text renditions`}},
		{`{"fmt": "png", "crop": "smart", "width": 10}`, []string{`crop: "smart" needs both width and height`, "this png rendition sets only width"}},
		{`{"fmt": "jpg", "crop": "smart", "height": 10}`, []string{"sets only height"}},
		{`{"fmt": "webp", "crop": "smart"}`, []string{"sets neither"}},
		{`{"fmt": "gif", "animated": true, "page": 2}`, []string{"animated: true cannot be combined with page (2)"}},
		{`{"fmt": "text", "blurFaces": true}`, []string{"blurFaces: true does not apply to text renditions, which are not images"}},
		{`{"fmt": "analysis", "blurFaces": true}`, []string{"blurFaces: true does not apply to analysis renditions"}},
		{`{"fmt": "mp4", "blurFaces": true}`, []string{"blurFaces: true is not supported for mp4 renditions yet"}},
		{`{"fmt": "xmp", "maxChars": 20}`, []string{"maxChars: 20 is not honoured by xmp renditions; it applies to text"}},
		{`{"fmt": "text", "maxChars": 0}`, []string{"maxChars: must be a positive integer, got 0"}},
		{`{"fmt": "txt", "maxChars": "20"}`, []string{`maxChars: must be a positive integer, got "20"`}},
		{`{"fmt": "text", "maxChars": 2.5}`, []string{"maxChars: must be a positive integer, got 2.5"}},
		{`{"fmt": "text", "maxChars": null}`, []string{"maxChars: must be a positive integer, got null"}},
		{`{"fmt": "png", "xmp": "` + base64.StdEncoding.EncodeToString([]byte("<a><b></a>")) + `"}`, []string{"xmp: the packet is not well-formed XML"}},
		{`{"fmt": "png", "xmp": "` + base64.StdEncoding.EncodeToString([]byte("just text")) + `"}`, []string{"xmp: the packet holds no XML element"}},
		{`{"fmt": "jpg", "xmp": "` + base64.StdEncoding.EncodeToString([]byte("<a>"+strings.Repeat("x", MaxJPEGXMP)+"</a>")) + `"}`, []string{"xmp: the packet is 65511 bytes; a jpg rendition holds at most 65504"}},
	}
	for _, tc := range cases {
		r, err := ParseRendition([]byte(strings.Replace(tc.json, "{", `{"target": "s3://b/k", `, 1)))
		require.Error(t, err, tc.json)
		assert.Equal(t, ReasonGeneric, ReasonOf(err), tc.json)
		for _, w := range tc.want {
			assert.Contains(t, MessageOf(err), w, tc.json)
		}
		assert.Error(t, r.Validate(), "Validate alone gives the same verdict: %s", tc.json)
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, js := range []string{
		// Defaults spelled out are not instructions to refuse.
		`{"fmt": "webp", "interlace": false, "animated": false, "upscale": false}`,
		`{"fmt": "text", "upscale": false, "interlace": false, "animated": false, "quality": null, "width": null}`,
		`{"fmt": "png", "compression": null}`,
		// Instructions of every family.
		`{"fmt": "text", "maxChars": 20, "embedBinaryLimit": 100, "userData": {"a": 1}, "name": "t.txt"}`,
		`{"fmt": "xmp", "name": "m.xmp", "userData": {}}`,
		`{"fmt": "jpg", "quality": 80, "jpegSize": 1000, "interlace": true, "dpi": 72, "crop": "smart", "width": 10, "height": 10}`,
		`{"fmt": "gif", "animated": true, "interlace": true, "crop": {"x": 0, "y": 0, "w": 5, "h": 5}}`,
		`{"fmt": "webp", "animated": true, "quality": 50}`,
		`{"fmt": "gif", "page": 3}`,
		`{"fmt": "gif", "animated": true, "blurFaces": true}`,
		`{"fmt": "jpg", "blurFaces": true, "crop": "smart", "width": 10, "height": 10}`,
		`{"fmt": "xmp", "blurFaces": false}`,
		// A custom worker decides what its instructions mean.
		`{"worker": "acme/w", "fmt": "png", "quality": 80, "compression": "lzw", "animated": true}`,
		`{"worker": "acme/w", "fmt": "text", "width": 10, "crop": "smart"}`,
	} {
		r, err := ParseRendition([]byte(strings.Replace(js, "{", `{"target": "s3://b/k", `, 1)))
		assert.NoError(t, err, js)
		assert.NoError(t, r.Validate(), js)
	}
}

func TestValidateNeverEchoesAWatermarkQuery(t *testing.T) {
	_, err := ParseRendition([]byte(`{"fmt": "text", "target": "s3://b/k", "watermark": {"image": "https://h/wm.png?X-Amz-Signature=secret"}}`))
	require.Error(t, err)
	assert.Contains(t, MessageOf(err), "watermark: {image: https://h/wm.png} does not apply to text renditions")
	assert.NotContains(t, err.Error(), "secret")
}

// request builds a request body for renditions given as JSON objects.
func requestOf(renditions ...string) []byte {
	return []byte(`{"source": "https://h/src.jpg", "renditions": [` + strings.Join(renditions, ",") + `]}`)
}

func TestTwoRenditionsWithTheSameTarget(t *testing.T) {
	dir := t.TempDir()
	wd, err := os.Getwd()
	require.NoError(t, err)
	abs := func(rel string) string { return filepath.Join(wd, rel) }
	cases := []struct {
		name           string
		first, second  string // targets, as JSON
		shown          string // the target as the message shows it
		hidden         string // never in the message
		differentPlace bool
	}{
		{name: "same s3 key", first: `"s3://bucket/out/a.png"`, second: `"s3://bucket/out/a.png"`, shown: "s3://bucket/out/a.png"},
		{name: "same presigned URL with other signatures",
			first:  `"https://bucket.s3.example.com/out/a.png?X-Amz-Signature=one&X-Amz-Date=1"`,
			second: `"https://bucket.s3.example.com/out/a.png?X-Amz-Signature=two&X-Amz-Date=2"`,
			shown:  "https://bucket.s3.example.com/out/a.png", hidden: "X-Amz-Signature"},
		{name: "host case, default port and escapes",
			first:  `"https://Bucket.S3.example.com:443/out/%61.png?sig=1"`,
			second: `"https://bucket.s3.example.com/out/a.png"`,
			shown:  "https://bucket.s3.example.com/out/a.png"},
		{name: "multipart targets of one object",
			first:  `{"urls": ["https://h/obj?partNumber=1&uploadId=x", "https://h/obj?partNumber=2&uploadId=x"]}`,
			second: `{"urls": ["https://h/obj?partNumber=1&uploadId=y"]}`,
			shown:  "https://h/obj", hidden: "uploadId"},
		{name: "a multipart part and a single upload", first: `{"urls": ["https://h/other?p=1", "https://h/obj?p=2"]}`, second: `"https://h/obj?sig=9"`, shown: "https://h/obj"},
		{name: "same local path spelled differently", first: fmt.Sprintf("%q", dir+"/out/../a.png"), second: fmt.Sprintf("%q", dir+"//a.png"), shown: dir + "//a.png"},
		{name: "relative and absolute local path", first: `"out/a.png"`, second: fmt.Sprintf("%q", abs("out/a.png")), shown: abs("out/a.png")},
		{name: "a local path and its file URL", first: fmt.Sprintf("%q", dir+"/a.png"), second: fmt.Sprintf("%q", "file://"+dir+"/./a.png"), shown: "file://" + dir + "/./a.png"},

		{name: "s3 keys differ in case", first: `"s3://b/A.png"`, second: `"s3://b/a.png"`, differentPlace: true},
		{name: "s3 keys differ by a slash", first: `"s3://b/x//a.png"`, second: `"s3://b/x/a.png"`, differentPlace: true},
		{name: "other host", first: `"https://one.example.com/a.png"`, second: `"https://two.example.com/a.png"`, differentPlace: true},
		{name: "other port", first: `"https://h:8443/a.png"`, second: `"https://h/a.png"`, differentPlace: true},
		{name: "other path", first: `"https://h/a.png?sig=1"`, second: `"https://h/b.png?sig=1"`, differentPlace: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := DecodeRequest(requestOf(
				`{"fmt": "png", "name": "first.png", "target": `+tc.first+`}`,
				`{"fmt": "jpg", "name": "second.jpg", "target": `+tc.second+`}`))
			require.NoError(t, err, "a duplicate target fails a rendition, not the request")
			require.Len(t, req.Renditions, 2)
			assert.NoError(t, req.Renditions[0].Invalid, "the first rendition goes ahead")
			if tc.differentPlace {
				assert.NoError(t, req.Renditions[1].Invalid)
				return
			}
			err = req.Renditions[1].Invalid
			require.Error(t, err, "the second would overwrite the first")
			assert.Equal(t, ReasonGeneric, ReasonOf(err))
			msg := MessageOf(err)
			assert.Contains(t, msg, `renditions[0] ("first.png") and renditions[1] ("second.jpg") both write to `+tc.shown)
			if tc.hidden != "" {
				assert.NotContains(t, err.Error(), tc.hidden, "no query string in the message")
			}
		})
	}
}

func TestSameTargetRules(t *testing.T) {
	t.Run("every later duplicate names the first", func(t *testing.T) {
		req, err := DecodeRequest(requestOf(
			`{"fmt": "png", "name": "a", "target": "s3://b/k"}`,
			`{"fmt": "png", "name": "b", "target": "s3://b/other"}`,
			`{"fmt": "png", "name": "c", "target": "s3://b/k"}`,
			`{"worker": "acme/w", "name": "d", "target": "s3://b/k"}`))
		require.NoError(t, err)
		assert.NoError(t, req.Renditions[0].Invalid)
		assert.NoError(t, req.Renditions[1].Invalid)
		assert.Contains(t, MessageOf(req.Renditions[2].Invalid), `renditions[0] ("a") and renditions[2] ("c")`)
		assert.Contains(t, MessageOf(req.Renditions[3].Invalid), `renditions[0] ("a") and renditions[3] ("d")`, "custom workers write to their targets too")
	})
	t.Run("an invalid rendition writes nothing and takes no target", func(t *testing.T) {
		req, err := DecodeRequest(requestOf(
			`{"fmt": "bmp", "name": "a", "target": "s3://b/k"}`,
			`{"fmt": "png", "name": "b", "quality": 80, "target": "s3://b/k"}`,
			`{"fmt": "png", "name": "c", "target": "s3://b/k"}`))
		require.NoError(t, err)
		assert.Equal(t, ReasonRenditionFormatUnsupported, ReasonOf(req.Renditions[0].Invalid))
		assert.Contains(t, MessageOf(req.Renditions[1].Invalid), "quality")
		assert.NoError(t, req.Renditions[2].Invalid)
	})
	t.Run("embedded renditions have no target to share", func(t *testing.T) {
		req, err := DecodeRequest(requestOf(`{"fmt": "png", "embedBinaryLimit": 100}`, `{"fmt": "png", "embedBinaryLimit": 100}`))
		require.NoError(t, err)
		assert.NoError(t, req.Renditions[0].Invalid)
		assert.NoError(t, req.Renditions[1].Invalid)
	})
	t.Run("the parts of one multipart target do not collide with each other", func(t *testing.T) {
		req, err := DecodeRequest(requestOf(`{"fmt": "png", "target": {"urls": ["https://h/o?partNumber=1", "https://h/o?partNumber=2"]}}`))
		require.NoError(t, err)
		assert.NoError(t, req.Renditions[0].Invalid)
	})
	t.Run("checking again changes nothing", func(t *testing.T) {
		req, err := DecodeRequest(requestOf(`{"fmt": "png", "name": "a", "target": "s3://b/k"}`, `{"fmt": "png", "name": "b", "target": "s3://b/k"}`))
		require.NoError(t, err)
		before := MessageOf(req.Renditions[1].Invalid)
		req.CheckRenditions()
		assert.NoError(t, req.Renditions[0].Invalid)
		assert.Equal(t, before, MessageOf(req.Renditions[1].Invalid))
	})
	t.Run("a request built in code is checked too", func(t *testing.T) {
		q := 80
		req := &Request{Source: Source{URL: "https://h/s"}, Renditions: []Rendition{
			{Fmt: "png", Name: "a", Target: Target{URL: "s3://b/k"}},
			{Fmt: "png", Name: "b", Target: Target{URL: "s3://b/k"}},
			{Fmt: "gif", Name: "c", Quality: &q, Target: Target{URL: "s3://b/c"}},
		}}
		req.CheckRenditions()
		assert.NoError(t, req.Renditions[0].Invalid)
		assert.Contains(t, MessageOf(req.Renditions[1].Invalid), "both write to s3://b/k")
		assert.Contains(t, MessageOf(req.Renditions[2].Invalid), "quality: 80 is not honoured by gif renditions")
	})
}

func TestLanguage(t *testing.T) {
	r, err := ParseRendition([]byte(`{"fmt": "text", "target": "s3://b/k", "language": "pt-BR"}`))
	require.NoError(t, err)
	assert.Equal(t, "pt-BR", r.Language)
	assert.Empty(t, r.Extra, "language is an instruction, not an extra key")
	out, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"language":"pt-BR"`)
	for js, want := range map[string]string{
		`"english please"`: `language: must be a language tag such as "en", "en-US" or "fra" (BCP 47), or for OCR Tesseract languages joined by "+" such as "deu+eng", got "english please"`,
		`"1en"`:            `language: must be a language tag`,
		`5`:                `language: must be a string, got 5`,
	} {
		_, err := ParseRendition([]byte(`{"fmt": "text", "target": "s3://b/k", "language": ` + js + `}`))
		require.Error(t, err, js)
		assert.Equal(t, ReasonGeneric, ReasonOf(err))
		assert.Equal(t, want, MessageOf(err)[:min(len(want), len(MessageOf(err)))], js)
	}
	for _, ok := range []string{"en", "fra", "zh-Hant-TW", "sr-Latn", "es-419", "de-DE-1996"} {
		assert.True(t, isLanguageTag(ok), ok)
	}
	for _, bad := range []string{"", "e", "en_US", "en--US", "en-123456789", "fr ", strings.Repeat("a-", 20) + "a"} {
		assert.False(t, isLanguageTag(bad), bad)
	}
}

func TestRawInstruction(t *testing.T) {
	for _, v := range []string{"auto", "preview", "develop"} {
		r, err := ParseRendition([]byte(`{"fmt": "jpg", "target": "s3://b/k", "raw": "` + v + `"}`))
		require.NoError(t, err, v)
		assert.Equal(t, v, r.Raw)
		assert.Empty(t, r.Extra, "raw is an instruction, not an extra key")
		out, err := json.Marshal(r)
		require.NoError(t, err)
		assert.Contains(t, string(out), `"raw":"`+v+`"`)
	}
	for js, want := range map[string]string{
		`"Develop"`: `raw: must be "auto", "preview" or "develop", got "Develop"`,
		`"full"`:    `raw: must be "auto", "preview" or "develop", got "full"`,
		`true`:      `raw: must be a string, got true`,
	} {
		_, err := ParseRendition([]byte(`{"fmt": "png", "target": "s3://b/k", "raw": ` + js + `}`))
		require.Error(t, err, js)
		assert.Equal(t, ReasonGeneric, ReasonOf(err))
		assert.Equal(t, want, MessageOf(err), js)
	}
}

func TestTimeInstruction(t *testing.T) {
	for _, c := range []struct {
		wire string
		want MediaTime
	}{
		{`0`, MediaTime{}},
		{`12.5`, MediaTime{Seconds: 12.5}},
		{`"10%"`, MediaTime{Percent: 10, IsPercent: true}},
		{`"100%"`, MediaTime{Percent: 100, IsPercent: true}},
		{`" 2.5 %"`, MediaTime{Percent: 2.5, IsPercent: true}},
	} {
		r, err := ParseRendition([]byte(`{"fmt": "png", "target": "s3://b/k", "time": ` + c.wire + `}`))
		if assert.NoError(t, err, c.wire) && assert.NotNil(t, r.Time, c.wire) {
			assert.Equal(t, c.want, *r.Time, c.wire)
			// It round-trips.
			b, err := json.Marshal(r)
			assert.NoError(t, err)
			back, err := ParseRendition(b)
			if assert.NoError(t, err, string(b)) && assert.NotNil(t, back.Time) {
				assert.Equal(t, c.want, *back.Time, string(b))
			}
		}
	}
	for _, bad := range []string{`-1`, `"-5%"`, `"101%"`, `"12"`, `"abc"`, `true`, `{}`, `1e9`, `"%"`} {
		_, err := ParseRendition([]byte(`{"fmt": "jpg", "target": "s3://b/k", "time": ` + bad + `}`))
		if assert.Error(t, err, bad) {
			assert.Equal(t, ReasonGeneric, ReasonOf(err), bad)
			assert.True(t, strings.HasPrefix(MessageOf(err), "time: "), MessageOf(err))
		}
	}
	_, err := ParseRendition([]byte(`{"fmt": "xmp", "target": "s3://b/k", "time": 3}`))
	if assert.Error(t, err) {
		assert.Contains(t, MessageOf(err), "time: 3 does not apply to xmp renditions")
	}
}

func TestStoryboardAndPreviewInstructions(t *testing.T) {
	r, err := ParseRendition([]byte(`{"fmt": "jpg", "target": "s3://b/k", "storyboard": {"columns": 4, "rows": 3}}`))
	if assert.NoError(t, err) && assert.NotNil(t, r.Storyboard) {
		assert.Equal(t, Storyboard{Columns: 4, Rows: 3}, *r.Storyboard)
		b, err := json.Marshal(r)
		assert.NoError(t, err)
		assert.Contains(t, string(b), `"storyboard":{"columns":4,"rows":3}`)
	}
	r, err = ParseRendition([]byte(`{"fmt": "gif", "target": "s3://b/k", "animated": true, "frames": 12, "fps": 2.5}`))
	if assert.NoError(t, err) {
		assert.Equal(t, 12, *r.Frames)
		assert.Equal(t, 2.5, *r.FPS)
	}
	for wire, msg := range map[string]string{
		`"storyboard": {"columns": 0, "rows": 3}`:                   "storyboard: must be {columns, rows}",
		`"storyboard": {"columns": 11, "rows": 10}`:                 "at most 100 frames",
		`"storyboard": {"columns": 2.5, "rows": 1}`:                 "storyboard: must be",
		`"storyboard": {"columns": 2, "rows": 1, "gap": 3}`:         "storyboard: must be",
		`"storyboard": [2, 2]`:                                      "storyboard: must be",
		`"storyboard": {"columns": 2, "rows": 2}, "time": 3`:        "storyboard: cannot be combined with time",
		`"storyboard": {"columns": 2, "rows": 2}, "page": 2`:        "storyboard: cannot be combined with page",
		`"frames": 0, "animated": true`:                             "frames: must be an integer from 1 to 100",
		`"fps": 0, "animated": true`:                                "fps: must be a number of frames per second",
		`"fps": 31, "animated": true`:                               "fps: must be",
		`"frames": 5`:                                               "frames: applies to animated previews",
		`"fps": 5`:                                                  "fps: applies to animated previews",
		`"animated": true, "time": 2`:                               "animated: true cannot be combined with time",
		`"animated": true, "storyboard": {"columns": 2, "rows": 2}`: "storyboard: cannot be combined with animated",
	} {
		_, err := ParseRendition([]byte(`{"fmt": "webp", "target": "s3://b/k", ` + wire + `}`))
		if assert.Error(t, err, wire) {
			assert.Equal(t, ReasonGeneric, ReasonOf(err), wire)
			assert.Contains(t, MessageOf(err), msg, wire)
		}
	}
	_, err = ParseRendition([]byte(`{"fmt": "jpg", "target": "s3://b/k", "frames": 5}`))
	if assert.Error(t, err) {
		assert.Contains(t, MessageOf(err), "frames: 5 is not honoured by jpg renditions")
	}
}

func TestWaveformInstruction(t *testing.T) {
	r, err := ParseRendition([]byte(`{"fmt": "png", "target": "s3://b/k", "waveform": {"color": "#FF8800"}, "background": "#000"}`))
	if assert.NoError(t, err) && assert.NotNil(t, r.Waveform) {
		assert.Equal(t, Waveform{Color: "#ff8800"}, *r.Waveform)
		b, err := json.Marshal(r)
		assert.NoError(t, err)
		assert.Contains(t, string(b), `"waveform":{"color":"#ff8800"}`)
		assert.Nil(t, r.Extra, "waveform is an instruction of the contract")
	}
	for _, wire := range []string{
		`{"color": "orange"}`,
		`{"color": "#12345"}`,
		`{"color": "#ggg"}`,
		`{"colour": "#fff"}`,
		`{"color": "#fff", "background": "#000"}`,
		`{}`,
		`"#fff"`,
		`{"color": 255}`,
	} {
		_, err := ParseRendition([]byte(`{"fmt": "png", "target": "s3://b/k", "waveform": ` + wire + `}`))
		if assert.Error(t, err, wire) {
			assert.Equal(t, ReasonGeneric, ReasonOf(err), wire)
			assert.Contains(t, MessageOf(err), `waveform: must be {color: "#RRGGBB"}`, wire)
		}
	}
	_, err = ParseRendition([]byte(`{"fmt": "text", "target": "s3://b/k", "waveform": {"color": "#fff"}}`))
	if assert.Error(t, err) {
		assert.Contains(t, MessageOf(err), `waveform: {"color":"#fff"} does not apply to text renditions`)
	}
}

func TestPreviewClipInstructions(t *testing.T) {
	r, err := ParseRendition([]byte(`{"fmt": "MP4", "target": "s3://b/k", "width": 320, "maxDuration": 10.5, "bitrate": "800k", "time": "10%"}`))
	require.NoError(t, err)
	fam, _ := r.Family()
	assert.Equal(t, FamilyVideo, fam)
	assert.Equal(t, "video/mp4", FormatMimeType(r.Fmt))
	require.NotNil(t, r.MaxDuration)
	require.NotNil(t, r.Bitrate)
	assert.Equal(t, 10.5, *r.MaxDuration)
	assert.Equal(t, int64(800_000), *r.Bitrate)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	again, err := ParseRendition(b)
	require.NoError(t, err)
	assert.Equal(t, *r.Bitrate, *again.Bitrate)
	assert.Equal(t, *r.MaxDuration, *again.MaxDuration)

	for in, want := range map[string]int64{`1500000`: 1_500_000, `"1.5M"`: 1_500_000, `"64k"`: 64_000, `" 2m "`: 2_000_000} {
		r, err := ParseRendition([]byte(`{"fmt": "mp4", "target": "s3://b/k", "bitrate": ` + in + `}`))
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, *r.Bitrate, in)
		}
	}
	cases := []struct{ json, want string }{
		{`"bitrate": "fast"`, "bitrate: must be bits per second"},
		{`"bitrate": 5`, "bitrate: must be bits per second"},
		{`"bitrate": "100M"`, "bitrate: must be bits per second"},
		{`"bitrate": 800.5`, "bitrate: must be bits per second"},
		{`"maxDuration": 0`, "maxDuration: must be a number of seconds"},
		{`"maxDuration": 301`, "maxDuration: must be a number of seconds"},
		{`"maxDuration": "10"`, "maxDuration: must be a number of seconds"},
		{`"bitrate": "800k", "quality": 80`, "bitrate: 800000 cannot be combined with quality (80) in a mp4 rendition"},
		{`"crop": {"x": 0, "y": 0, "w": 10, "h": 10}`, "crop: {\"h\":10,\"w\":10,\"x\":0,\"y\":0} is not supported for mp4 renditions yet; a preview clip takes width, height, maxWidth, maxHeight, upscale, quality, time, maxDuration and bitrate"},
		{`"watermark": {"image": "https://h/wm.png?X-Amz-Signature=s"}`, "watermark: {image: https://h/wm.png} is not supported for mp4 renditions yet"},
		{`"animated": true`, "animated: true is not supported for mp4 renditions yet"},
	}
	for _, c := range cases {
		_, err := ParseRendition([]byte(`{"fmt": "mp4", "target": "s3://b/k", ` + c.json + `}`))
		if assert.Error(t, err, c.json) {
			assert.Equal(t, ReasonGeneric, ReasonOf(err), c.json)
			assert.Contains(t, MessageOf(err), c.want, c.json)
		}
	}
	_, err = ParseRendition([]byte(`{"fmt": "png", "target": "s3://b/k", "maxDuration": 10}`))
	if assert.Error(t, err) {
		assert.Equal(t, "maxDuration: 10 is not honoured by png renditions; it applies to mp4 (a preview clip of a video)", MessageOf(err))
	}
}

// The OCR languages: several joined by "+", Tesseract model names.
func TestLanguageList(t *testing.T) {
	for _, ok := range []string{"deu+eng", "en+de-AT", "chi_sim", "chi_sim+eng", "srp_latn"} {
		r, err := ParseRendition([]byte(`{"fmt": "text", "target": "s3://b/k", "language": "` + ok + `"}`))
		if assert.NoError(t, err, ok) {
			assert.Equal(t, ok, r.Language)
		}
	}
	for _, bad := range []string{"deu+", "+eng", "deu++eng", "deu eng", "a_b", "eng;rm -rf", "-l", strings.Repeat("eng+", 30) + "eng"} {
		assert.False(t, isLanguageList(bad), bad)
	}
}
