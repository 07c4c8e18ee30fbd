package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/officetest"
	"github.com/assetcompute/assetcompute/internal/testutil"
)

// writePNG writes a w x h PNG of one colour.
func writeSolidPNG(t *testing.T, path string, w, h int, c color.NRGBA) {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o600))
}

func writeProfile(t *testing.T, json string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "profile.json")
	require.NoError(t, os.WriteFile(p, []byte(json), 0o600))
	return p
}

func batch(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"batch"}, args...), strings.NewReader(""), &stdout, &stderr)
	return code, stderr.String()
}

func decodeConfig(t *testing.T, path string) (image.Config, string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	cfg, format, err := image.DecodeConfig(f)
	require.NoError(t, err, path)
	return cfg, format
}

func TestBatchRendersEveryRenditionOfEverySource(t *testing.T) {
	src := t.TempDir()
	var files []string
	for i, c := range []color.NRGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {9, 9, 9, 255}} {
		p := filepath.Join(src, string(rune('a'+i))+".png")
		writeSolidPNG(t, p, 400, 200, c)
		files = append(files, p)
	}
	rotated := filepath.Join(src, "portrait.jpg")
	require.NoError(t, os.WriteFile(rotated, sample(t, "portrait-rotated.jpg"), 0o600))
	files = append(files, rotated)
	profile := writeProfile(t, `[
		{"name": "thumb.jpg", "fmt": "jpg", "width": 100, "height": 100},
		{"name": "square.png", "fmt": "png", "width": 50, "height": 50, "crop": "smart"},
		{"fmt": "webp", "maxWidth": 80, "embedBinaryLimit": 32768}
	]`)
	out := filepath.Join(t.TempDir(), "out")

	code, stderr := batch(t, append([]string{"--profile", profile, "--out", out, "-j", "2"}, files...)...)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "5 sources, 15 renditions: 15 created, 0 failed")
	assert.NotContains(t, stderr, "\r", "no progress bar off a terminal")

	for _, f := range files {
		base := filepath.Base(f)
		cfg, format := decodeConfig(t, filepath.Join(out, base, "thumb.jpg"))
		assert.Equal(t, "jpeg", format)
		cfg2, format2 := decodeConfig(t, filepath.Join(out, base, "square.png"))
		assert.Equal(t, "png", format2)
		assert.Equal(t, [2]int{50, 50}, [2]int{cfg2.Width, cfg2.Height})
		cfg3, format3 := decodeConfig(t, filepath.Join(out, base, "rendition-3.webp"))
		assert.Equal(t, "webp", format3, "named after its position, and written despite embedBinaryLimit")
		if base == "portrait.jpg" {
			assert.Less(t, cfg.Width, cfg.Height, "EXIF orientation applied, as by the thumbnail action")
			continue
		}
		assert.Equal(t, [2]int{100, 50}, [2]int{cfg.Width, cfg.Height})
		assert.Equal(t, [2]int{80, 40}, [2]int{cfg3.Width, cfg3.Height})
	}
}

// A video in a batch gets the same renditions as through the thumbnail
// action: frames at a time, a storyboard, and an mp4 preview clip.
func TestBatchVideo(t *testing.T) {
	clip, err := filepath.Abs(filepath.Join("..", "..", "examples", "samples", "clip.mp4"))
	require.NoError(t, err)
	testutil.NeedTool(t, "ffmpeg")
	profile := writeProfile(t, `[
		{"name": "at-1s.jpg", "fmt": "jpg", "width": 160, "time": 1},
		{"name": "board.png", "fmt": "png", "width": 300, "storyboard": {"columns": 2, "rows": 2}},
		{"name": "preview.mp4", "fmt": "mp4", "width": 160, "maxDuration": 2}
	]`)
	out := filepath.Join(t.TempDir(), "out")
	code, stderr := batch(t, "--profile", profile, "--out", out, clip)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "1 sources, 3 renditions: 3 created, 0 failed")
	cfg, format := decodeConfig(t, filepath.Join(out, "clip.mp4", "at-1s.jpg"))
	assert.Equal(t, "jpeg", format)
	assert.Equal(t, [2]int{160, 90}, [2]int{cfg.Width, cfg.Height})
	cfg, _ = decodeConfig(t, filepath.Join(out, "clip.mp4", "board.png"))
	assert.Equal(t, 300, cfg.Width)
	mp4, err := os.ReadFile(filepath.Join(out, "clip.mp4", "preview.mp4"))
	require.NoError(t, err)
	require.Greater(t, len(mp4), 12)
	assert.Equal(t, "ftyp", string(mp4[4:8]), "an MP4 file")
}

// A watermark in a profile is fetched like a source: here a local file.
func TestBatchWatermark(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "photo.png")
	writeSolidPNG(t, src, 200, 100, color.NRGBA{255, 0, 0, 255})
	logo := filepath.Join(dir, "logo.png")
	writeSolidPNG(t, logo, 10, 10, color.NRGBA{0, 0, 255, 255})
	profile := writeProfile(t, `[{"name": "w.png", "fmt": "png", "watermark": {"image": "`+logo+`", "scale": 0.5}}]`)
	out := t.TempDir()
	code, stderr := batch(t, "--profile", profile, "--out", out, src)
	require.Equal(t, exitOK, code, stderr)
	f, err := os.Open(filepath.Join(out, "photo.png", "w.png"))
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, color.NRGBA{0, 0, 255, 255}, color.NRGBAModel.Convert(img.At(100, 50)), "the logo in the middle")
	assert.Equal(t, color.NRGBA{255, 0, 0, 255}, color.NRGBAModel.Convert(img.At(10, 10)), "the photo around it")
	assert.FileExists(t, logo, "a local watermark is read in place, not consumed")
	assert.FileExists(t, src)
}

func TestBatchReportsFailuresAndKeepsGoing(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.png")
	writeSolidPNG(t, good, 40, 40, color.NRGBA{1, 2, 3, 255})
	bad := filepath.Join(dir, "bad.jpg")
	require.NoError(t, os.WriteFile(bad, []byte("not an image at all"), 0o600))
	missing := filepath.Join(dir, "missing.png")
	profile := writeProfile(t, `[{"name": "t.png", "fmt": "png", "width": 10}, {"name": "c.png", "fmt": "png", "crop": {"x": 30, "y": 30, "w": 20, "h": 20}}]`)
	out := t.TempDir()

	code, stderr := batch(t, "--profile", profile, "--out", out, good, bad, missing)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, stderr, "bad.jpg/t.png: SourceFormatUnsupported")
	assert.Contains(t, stderr, "missing.png/t.png: GenericError")
	assert.Contains(t, stderr, "good.png/c.png: GenericError: crop: the rectangle")
	assert.Contains(t, stderr, "3 sources, 6 renditions: 1 created, 5 failed")
	assert.FileExists(t, filepath.Join(out, "good.png", "t.png"))
	assert.NoFileExists(t, filepath.Join(out, "good.png", "c.png"))
	assert.NoFileExists(t, filepath.Join(out, "bad.jpg", "t.png"))
}

func TestBatchRefusesInvalidInput(t *testing.T) {
	src := filepath.Join(t.TempDir(), "a.png")
	writeSolidPNG(t, src, 10, 10, color.NRGBA{A: 255})
	other := filepath.Join(t.TempDir(), "a.png")
	writeSolidPNG(t, other, 10, 10, color.NRGBA{A: 255})
	out := t.TempDir()
	tests := []struct {
		name    string
		profile string
		args    []string
		msg     string
	}{
		{"not JSON", "{", nil, "must be a JSON list"},
		{"an object, not a list", `{"fmt": "png"}`, nil, "must be a JSON list"},
		{"empty", `[]`, nil, "lists no rendition"},
		{"a target", `[{"fmt": "png", "target": "/tmp/x.png"}]`, nil, "has a target"},
		{"an unknown fmt", `[{"fmt": "bmp"}]`, nil, `"bmp" is not supported`},
		{"not an image fmt", `[{"fmt": "text"}]`, nil, "acs batch makes image renditions"},
		{"an invalid instruction", `[{"fmt": "png", "width": -3}]`, nil, "width: must be an integer"},
		{"a name with a path", `[{"fmt": "png", "name": "../x.png"}]`, nil, "must be a plain file name"},
		{"a name twice", `[{"fmt": "png", "name": "x"}, {"fmt": "jpg", "name": "x"}]`, nil, `name "x" is used twice`},
		{"two sources with one basename", `[{"fmt": "png"}]`, []string{other}, "same basename"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--profile", writeProfile(t, tc.profile), "--out", out, src}, tc.args...)
			code, stderr := batch(t, args...)
			assert.Equal(t, exitInvalid, code, stderr)
			assert.Contains(t, stderr, tc.msg)
		})
	}
	for _, args := range [][]string{
		{"--out", out, src},
		{"--profile", writeProfile(t, `[{"fmt": "png"}]`), src},
		{"--profile", writeProfile(t, `[{"fmt": "png"}]`), "--out", out},
		{"--profile", writeProfile(t, `[{"fmt": "png"}]`), "--out", out, "-j", "0", src},
		{"--nope"},
	} {
		code, stderr := batch(t, args...)
		assert.Equal(t, exitInvalid, code, "%v", args)
		assert.Contains(t, stderr, "Usage: acs batch", "%v", args)
	}
}

func TestProgressBarOnATerminal(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, 2, 4)
	p.tty = true
	p.done(batchSource{base: "a.jpg"}, nil)
	assert.Contains(t, b.String(), "\r\033[K[###############...............] 1/2 sources")
	assert.Equal(t, exitFailed, p.finish(), "fewer renditions than planned")
}

// TestBatchOffice: acs batch renders Office sources with the office
// action's code (an embedded thumbnail large enough here, so no
// LibreOffice run) next to image sources.
func TestBatchOffice(t *testing.T) {
	src := t.TempDir()
	doc := filepath.Join(src, "deck.docx")
	require.NoError(t, os.WriteFile(doc, officetest.DOCX("hello", 1, "docProps/thumbnail.png",
		officetest.Part{Name: "docProps/thumbnail.png", Data: officetest.Picture("png", 300, 200, color.RGBA{0, 0, 255, 255})}), 0o600))
	pic := filepath.Join(src, "pic.png")
	writeSolidPNG(t, pic, 40, 40, color.NRGBA{255, 0, 0, 255})
	profile := writeProfile(t, `[{"name": "t.png", "fmt": "png", "width": 30}]`)
	out := filepath.Join(t.TempDir(), "out")
	code, stderr := batch(t, "--profile", profile, "--out", out, doc, pic)
	require.Equal(t, exitOK, code, stderr)
	cfg, _ := decodeConfig(t, filepath.Join(out, "deck.docx", "t.png"))
	assert.Equal(t, [2]int{30, 20}, [2]int{cfg.Width, cfg.Height})
	cfg, _ = decodeConfig(t, filepath.Join(out, "pic.png", "t.png"))
	assert.Equal(t, [2]int{30, 30}, [2]int{cfg.Width, cfg.Height})
}

// A profile entry with source {"rendition": name} is made from that
// rendition's output, in a chain as deep as asked; a failed rendition
// fails those made from it, naming it, and nothing is written for them.
func TestBatchComposesRenditions(t *testing.T) {
	src := filepath.Join(t.TempDir(), "wide.png")
	writeSolidPNG(t, src, 400, 200, color.NRGBA{200, 40, 40, 255})
	profile := writeProfile(t, `[
		{"name": "square.jpg", "fmt": "jpg", "width": 100, "height": 100, "crop": "smart"},
		{"name": "small.png", "fmt": "png", "width": 40, "source": {"rendition": "square.jpg"}},
		{"name": "tiny.webp", "fmt": "webp", "width": 10, "source": {"rendition": "small.png"}},
		{"name": "broken.jpg", "fmt": "jpg", "crop": {"x": 0, "y": 0, "w": 5000, "h": 5000}},
		{"name": "from-broken.png", "fmt": "png", "width": 20, "source": {"rendition": "broken.jpg"}},
		{"name": "further.png", "fmt": "png", "width": 10, "source": {"rendition": "from-broken.png"}}
	]`)
	out := filepath.Join(t.TempDir(), "out")

	code, stderr := batch(t, "--profile", profile, "--out", out, src)
	require.Equal(t, exitFailed, code, stderr)
	assert.Contains(t, stderr, "1 sources, 6 renditions: 3 created, 3 failed")
	for name, want := range map[string][2]int{"square.jpg": {100, 100}, "small.png": {40, 40}, "tiny.webp": {10, 10}} {
		cfg, _ := decodeConfig(t, filepath.Join(out, "wide.png", name))
		assert.Equal(t, want, [2]int{cfg.Width, cfg.Height}, "%s is made from its source rendition, not from the 400x200 source", name)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(stderr, "\n") {
		if name, rest, ok := strings.Cut(strings.TrimPrefix(l, "acs batch: wide.png/"), ": "); ok && l != name {
			lines[name] = rest
		}
	}
	reason, _, _ := strings.Cut(lines["broken.jpg"], ": ")
	require.NotEmpty(t, reason, stderr)
	assert.Equal(t, reason+": source rendition 'broken.jpg' failed: ", lines["from-broken.png"][:len(reason)+len(": source rendition 'broken.jpg' failed: ")], stderr)
	assert.Contains(t, lines["further.png"], "source rendition 'from-broken.png' failed: source rendition 'broken.jpg' failed", stderr)
	entries, err := os.ReadDir(filepath.Join(out, "wide.png"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"square.jpg", "small.png", "tiny.webp"}, names, "nothing written for the failed renditions, no temporary file left")
}

// A source instruction that cannot be followed is refused with the
// profile, before anything is rendered.
func TestBatchRefusesBrokenComposition(t *testing.T) {
	src := filepath.Join(t.TempDir(), "a.png")
	writeSolidPNG(t, src, 40, 20, color.NRGBA{0, 0, 255, 255})
	for profile, want := range map[string]string{
		`[{"name": "a.jpg", "fmt": "jpg", "width": 10, "source": {"rendition": "nope.jpg"}}]`: `rendition 1: source: no rendition of this request is named "nope.jpg"`,
		`[{"name": "a.jpg", "fmt": "jpg", "width": 10, "source": {"rendition": "b.jpg"}},
		  {"name": "b.jpg", "fmt": "jpg", "width": 10, "source": {"rendition": "a.jpg"}}]`: `in a cycle ("a.jpg" takes "b.jpg" takes "a.jpg")`,
		`[{"name": "a.jpg", "fmt": "jpg", "width": 10, "source": {"rendition": "a.jpg"}}]`: `cannot be its own source`,
		`[{"name": "a.jpg", "fmt": "jpg", "width": 10, "source": "a.jpg"}]`:                `must be {"rendition": "<name>"}`,
	} {
		out := filepath.Join(t.TempDir(), "out")
		code, stderr := batch(t, "--profile", writeProfile(t, profile), "--out", out, src)
		assert.Equal(t, exitInvalid, code, stderr)
		assert.Contains(t, stderr, want)
		_, err := os.Stat(filepath.Join(out, "a.png"))
		assert.True(t, os.IsNotExist(err), "nothing rendered for %s", profile)
	}
}
