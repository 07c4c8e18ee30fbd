package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xdraw "golang.org/x/image/draw"
)

// scene draws a smooth picture with detail, different for each k.
func scene(w, h int, k float64) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			u, v := float64(x)/float64(w), float64(y)/float64(h)
			img.SetNRGBA(x, y, color.NRGBA{
				uint8(127 + 120*math.Sin(k*3*u*math.Pi+v)),
				uint8(127 + 120*math.Cos(k*5*v*math.Pi+u)),
				uint8(127 + 120*math.Sin(k*(u*u+v)*4*math.Pi)), 255})
		}
	}
	return img
}

// resized scales img (or the part r of it) to w x h.
func resized(img image.Image, r image.Rectangle, w, h int) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(out, out.Bounds(), img, r, xdraw.Src, nil)
	return out
}

func save(t *testing.T, path string, img image.Image, quality int) string {
	t.Helper()
	var b bytes.Buffer
	if quality > 0 {
		require.NoError(t, jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}))
	} else {
		require.NoError(t, png.Encode(&b, img))
	}
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o600))
	return path
}

func TestBatchNearDuplicates(t *testing.T) {
	dir := t.TempDir()
	a := scene(1200, 900, 1)
	b := scene(1200, 900, 1.9)
	c := scene(900, 1200, 0.6)
	files := []string{
		save(t, filepath.Join(dir, "a.png"), a, 0),
		save(t, filepath.Join(dir, "b.png"), b, 0),
		save(t, filepath.Join(dir, "a-small.jpg"), resized(a, a.Bounds(), 400, 300), 60),
		save(t, filepath.Join(dir, "c.jpg"), c, 85),
		save(t, filepath.Join(dir, "a-recompressed.jpg"), a, 30),
		// 2 % off each side, then resized back.
		save(t, filepath.Join(dir, "a-cropped.jpg"), resized(a, image.Rect(24, 18, 1176, 882), 1152, 864), 80),
		save(t, filepath.Join(dir, "b-small.jpg"), resized(b, b.Bounds(), 600, 450), 70),
	}

	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"batch", "--near-duplicates", "--json", "-j", "2"}, files...), strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	var rep nearReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	assert.Equal(t, DefaultNearDistance, rep.Distance)
	assert.Equal(t, 7, rep.Files)
	assert.Empty(t, rep.Failed)
	require.Len(t, rep.Groups, 2, stdout.String())
	names := func(g nearGroup) []string {
		var out []string
		for _, m := range g.Files {
			out = append(out, filepath.Base(m.Path))
		}
		return out
	}
	assert.Equal(t, []string{"a.png", "a-small.jpg", "a-recompressed.jpg", "a-cropped.jpg"}, names(rep.Groups[0]))
	assert.Equal(t, []string{"b.png", "b-small.jpg"}, names(rep.Groups[1]))
	for _, g := range rep.Groups {
		assert.Zero(t, g.Files[0].PHashDistance)
		assert.Zero(t, g.Files[0].DHashDistance)
		for _, m := range g.Files[1:] {
			t.Logf("%s: pHash %d, dHash %d", filepath.Base(m.Path), m.PHashDistance, m.DHashDistance)
			assert.LessOrEqual(t, m.PHashDistance, DefaultNearDistance)
			assert.LessOrEqual(t, m.DHashDistance, DefaultNearDistance)
			assert.Len(t, m.PHash, 16)
		}
	}

	// The text report says the same for people; a stricter distance
	// splits the cropped copy off.
	stdout.Reset()
	stderr.Reset()
	code = run(context.Background(), append([]string{"batch", "--near-duplicates", "--distance", "0"}, files...), strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	assert.NotContains(t, stdout.String(), "a-cropped.jpg")
	assert.Contains(t, stdout.String(), "7 files")
	assert.Contains(t, stdout.String(), "(distance at most 0 of 64 bits)")
	stdout.Reset()
	code = run(context.Background(), append([]string{"batch", "--near-duplicates"}, files...), strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	assert.Contains(t, stdout.String(), "group 1: 4 near-identical files\n  "+files[0]+"\n  "+files[2]+"  (pHash distance ")
	assert.Contains(t, stdout.String(), "7 files, 2 groups of near duplicates (distance at most 10 of 64 bits), 0 could not be read")
}

func TestBatchNearDuplicatesBadInput(t *testing.T) {
	dir := t.TempDir()
	good := save(t, filepath.Join(dir, "a.png"), scene(300, 200, 1), 0)
	broken := filepath.Join(dir, "broken.jpg")
	require.NoError(t, os.WriteFile(broken, []byte("\xff\xd8\xff\xe0 not really a JPEG"), 0o600))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"batch", "--near-duplicates", "--json", good, broken, filepath.Join(dir, "missing.png")}, strings.NewReader(""), &stdout, &stderr)
	assert.Equal(t, exitFailed, code)
	var rep nearReport
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	assert.Empty(t, rep.Groups)
	require.Len(t, rep.Failed, 2)
	assert.Equal(t, broken, rep.Failed[0].Path)
	assert.NotEmpty(t, rep.Failed[0].Reason)
	assert.Contains(t, rep.Failed[1].Message, "not found")
	assert.Contains(t, stderr.String(), "broken.jpg")

	for _, args := range [][]string{
		{"--near-duplicates"},
		{"--near-duplicates", "--distance", "65", good},
		{"--near-duplicates", "--profile", "p.json", good},
	} {
		code, _ := batch(t, args...)
		assert.Equal(t, exitInvalid, code, args)
	}
}
