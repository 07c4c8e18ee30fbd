package image

import (
	"context"
	goimage "image"
	"image/color"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// countingEngine returns an engine with default limits and the number of
// times it has loaded a source's pixels so far.
func countingEngine(t testing.TB) (*Engine, *atomic.Int64) {
	t.Helper()
	var loads atomic.Int64
	e, err := New(Options{OnSourceLoad: func(string) { loads.Add(1) }})
	require.NoError(t, err)
	return e, &loads
}

// logoURL is the watermark the mixed lists ask for; logoFetch serves it.
const logoURL = "https://example.com/logo.png"

// logoFetch returns a FetchFunc serving a logo with an alpha channel at
// logoURL and failing for any other address.
func logoFetch(t *testing.T) FetchFunc {
	logo := goimage.NewNRGBA(goimage.Rect(0, 0, 120, 60))
	for y := 0; y < 60; y++ {
		for x := 0; x < 120; x++ {
			c := color.NRGBA{20, 40, 220, 255}
			if x >= 60 {
				c = color.NRGBA{255, 255, 255, 120}
			}
			logo.SetNRGBA(x, y, c)
		}
	}
	path := pngFile(t, logo)
	return func(_ context.Context, url string) (string, error) {
		if url == logoURL {
			return path, nil
		}
		return "", api.Errorf(api.ReasonGeneric, "%s: not found (404)", url)
	}
}

// mixedList returns renditions of fmt f of every kind the pyramid shares
// a decode between, for a source of at least 900x600: whole pictures,
// a crop rectangle twice (in two formats), a crop with a watermark, a
// smart crop and a watermarked whole picture.
func mixedList(f string) []api.Rendition {
	other := "png"
	if f == "png" {
		other = "jpg"
	}
	wm := &api.Watermark{Image: logoURL, Scale: 0.3}
	return []api.Rendition{
		{Fmt: f, Width: intp(1024), Height: intp(1024)},
		{Fmt: f, Width: intp(319), Height: intp(319)},
		{Fmt: f, Width: intp(300), Crop: &api.Crop{X: 60, Y: 40, W: 600, H: 450}},
		{Fmt: other, Width: intp(300), Crop: &api.Crop{X: 60, Y: 40, W: 600, H: 450}},
		{Fmt: f, Width: intp(250), Crop: &api.Crop{X: 0, Y: 0, W: 900, H: 600}, Watermark: wm},
		{Fmt: f, Width: intp(200), Height: intp(200), Crop: &api.Crop{Smart: true}},
		{Fmt: f, Width: intp(640), Height: intp(640), Watermark: wm},
	}
}

// checkShared makes every rendition of list through one Pyramid, three at
// a time as a worker does, and the analysis picture of the first page
// through it, and compares each with Render's (Engine.SourcePixels's):
// the same size and crop, the same profile, the PSNR above the bound. The
// source must have been loaded once.
func checkShared(t *testing.T, src string, list []api.Rendition) {
	t.Helper()
	e, loads := countingEngine(t)
	opts := RenderOptions{Fetch: logoFetch(t)}
	all := append(list, PixelsRendition(nil, 384))
	p := e.NewPyramid(src, all)
	defer p.Close()
	dir := t.TempDir()
	got := make([]string, len(list))
	results := make([]*Result, len(list))
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 3)
	for i, r := range list {
		got[i] = filepath.Join(dir, "shared-"+string(rune('a'+i))+"."+r.Fmt)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], errs[i] = p.Render(context.Background(), r, got[i], opts)
		}()
	}
	px, pxSrc, err := p.SourcePixels(context.Background(), api.Rendition{}, 384, dir)
	require.NoError(t, err)
	wg.Wait()
	for i := range list {
		require.NoError(t, errs[i], "rendition %d", i)
	}
	assert.EqualValues(t, 1, loads.Load(), "the source is loaded once for every rendition and the analysis picture")
	p.mu.Lock()
	assert.Nil(t, p.levels, "the levels are released once every rendition is made")
	p.mu.Unlock()

	for i, r := range list {
		res, want := renderWith(t, e, src, r, opts)
		gotImg, wantImg := decodeFile(t, got[i]), decodeFile(t, want)
		require.Equal(t, wantImg.Bounds(), gotImg.Bounds(), "rendition %d: the size Render makes", i)
		assert.Equal(t, res.Width, results[i].Width, "rendition %d", i)
		assert.Equal(t, res.Height, results[i].Height, "rendition %d", i)
		if r.Crop != nil && r.Crop.Smart {
			// The cut is placed on the shared level's pixels: the same
			// place, to a few source pixels.
			require.NotNil(t, results[i].Crop)
			assert.InDelta(t, res.Crop.X, results[i].Crop.X, 4, "rendition %d: smart crop x", i)
			assert.InDelta(t, res.Crop.Y, results[i].Crop.Y, 4, "rendition %d: smart crop y", i)
			assert.Equal(t, res.Crop.W, results[i].Crop.W, "rendition %d", i)
			assert.Equal(t, res.Crop.H, results[i].Crop.H, "rendition %d", i)
		} else {
			assert.Equal(t, res.Crop, results[i].Crop, "rendition %d: the crop recorded", i)
		}
		q := psnr(wantImg, gotImg)
		t.Logf("%s %dx%d crop=%v/%v watermark=%v: PSNR %.1f dB", r.Fmt, res.Width, res.Height, res.Crop, results[i].Crop, r.Watermark != nil, q)
		bound := pyramidMinPSNR
		if r.Fmt != "png" {
			bound = pyramidMinPSNRLossy
		}
		assert.GreaterOrEqual(t, q, bound, "rendition %d (%dx%d) against Render's", i, res.Width, res.Height)
		assert.Equal(t, iccOf(t, want), iccOf(t, got[i]), "rendition %d: the same profile", i)
	}

	wantPx, wantSrc, err := e.SourcePixels(context.Background(), src, api.Rendition{}, 384, dir)
	require.NoError(t, err)
	assert.Equal(t, wantSrc, pxSrc, "the source size")
	require.Equal(t, wantPx.Bounds(), px.Bounds(), "the analysis picture's size")
	q := psnr(wantPx, px)
	t.Logf("analysis picture %v: PSNR %.1f dB", px.Bounds().Size(), q)
	assert.GreaterOrEqual(t, q, pyramidMinPSNR, "the analysis picture against SourcePixels'")
}

func TestPyramidSharesCropsJPEG(t *testing.T) {
	src := jpegFile(t, photoLike(1600, 1200, false, false))
	checkShared(t, src, mixedList("jpg"))
	checkShared(t, src, mixedList("png"))
}

func TestPyramidSharesCropsPNGWithAlpha(t *testing.T) {
	checkShared(t, pngFile(t, photoLike(1200, 900, false, true)), mixedList("png"))
	checkShared(t, pngFile(t, photoLike(1200, 900, false, true)), mixedList("webp"))
}

func TestPyramidSharesCrops16BitPNG(t *testing.T) {
	checkShared(t, pngFile(t, photoLike(1200, 900, true, true)), mixedList("png"))
}

func TestPyramidSharesCropsCMYK(t *testing.T) {
	checkShared(t, cmykJPEG(t), mixedList("jpg"))
}

// TestPyramidSharesCropsOriented: crop rectangles are in upright pixels,
// and so are the levels they are cut from.
func TestPyramidSharesCropsOriented(t *testing.T) {
	checkShared(t, orientedJPEG(t), mixedList("png"))
}

// TestPyramidSharedLevels: the crop rectangle twice and the crop with a
// watermark read one level each, the smart crop the level that covers
// its box, the watermarked picture its own size; levels only one
// rendition reads, and that no other level is made from, are not kept.
func TestPyramidSharedLevels(t *testing.T) {
	e := testEngine(t)
	src := jpegFile(t, photoLike(1600, 1200, false, false))
	list := mixedList("jpg")
	p := e.NewPyramid(src, list)
	defer p.Close()
	_, err := p.Render(context.Background(), list[1], filepath.Join(t.TempDir(), "b.jpg"), RenderOptions{})
	require.NoError(t, err)
	p.mu.Lock()
	defer p.mu.Unlock()
	var sizes []size
	users := map[size]int{}
	for _, l := range p.levels {
		sizes = append(sizes, l.out)
		users[l.out] = l.users
	}
	// 1024x768; the crop's source at 0.5 (800x600); the watermarked
	// 640x480; the crop with a watermark at 250/900 (444x334, rounded per side); 319x239;
	// the smart crop's cover (267x200).
	assert.Equal(t, []size{{1024, 768}, {800, 600}, {640, 480}, {444, 334}, {319, 239}, {267, 200}}, sizes)
	assert.Equal(t, 2, users[size{800, 600}], "the two renditions of one crop share its level")
	assert.Equal(t, 0, users[size{319, 239}], "made")
}

// TestPyramidFailedWatermarkStaysWithItsRendition: a watermark that
// cannot be fetched fails its rendition alone; the others, crops
// included, are made from the one decode.
func TestPyramidFailedWatermarkStaysWithItsRendition(t *testing.T) {
	e, loads := countingEngine(t)
	src := jpegFile(t, photoLike(1600, 1200, false, false))
	list := mixedList("jpg")
	list[6].Watermark = &api.Watermark{Image: "https://example.com/missing.png", Scale: 0.3}
	p := e.NewPyramid(src, list)
	defer p.Close()
	dir := t.TempDir()
	opts := RenderOptions{Fetch: logoFetch(t)}
	for i, r := range list {
		out := filepath.Join(dir, string(rune('a'+i))+"."+r.Fmt)
		_, err := p.Render(context.Background(), r, out, opts)
		if i == 6 {
			require.Error(t, err)
			assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
			assert.Contains(t, api.MessageOf(err), "watermark")
			assert.NoFileExists(t, out)
			continue
		}
		require.NoError(t, err, "rendition %d", i)
		assert.FileExists(t, out)
	}
	assert.EqualValues(t, 1, loads.Load())
}

// TestPyramidLeavesEnlargedCropsToRender: a crop that needs the source
// enlarged is not made from a level (Render computes only its cut); it
// comes out as Render makes it.
func TestPyramidLeavesEnlargedCropsToRender(t *testing.T) {
	e, loads := countingEngine(t)
	src := jpegFile(t, photoLike(1600, 1200, false, false))
	list := append(webProfile("png")[:2],
		api.Rendition{Fmt: "png", Width: intp(600), Upscale: true, Crop: &api.Crop{X: 10, Y: 20, W: 200, H: 150}})
	p := e.NewPyramid(src, list)
	defer p.Close()
	dir := t.TempDir()
	for i, r := range list {
		out := filepath.Join(dir, string(rune('a'+i))+".png")
		_, err := p.Render(context.Background(), r, out, RenderOptions{})
		require.NoError(t, err)
		if i == 2 {
			assert.EqualValues(t, 2, loads.Load(), "the enlarged crop loads the source itself")
			_, want := render(t, e, src, r)
			assert.Equal(t, 0, differingSamples(decodeFile(t, want), decodeFile(t, out)), "rendition %d as Render makes it", i)
		}
	}
}

// TestPyramidThumbnailAndAnalysis: the commonest pair, one small
// thumbnail and the analysis picture, larger than it: one decode, at
// the analysis size, from which the thumbnail is resized.
func TestPyramidThumbnailAndAnalysis(t *testing.T) {
	for _, src := range []string{
		jpegFile(t, photoLike(1600, 1200, false, false)),
		pngFile(t, photoLike(1200, 900, false, true)),
	} {
		checkShared(t, src, []api.Rendition{{Fmt: "png", Width: intp(256), Height: intp(256)}})
		checkShared(t, src, []api.Rendition{{Fmt: "jpg", Width: intp(256), Height: intp(256)}})
	}
}

// TestPyramidReleasesLevelsPastEarlyFailures: a rendition that fails on
// its instructions, before it reads a level (first, before the plan is
// made, or last), does not keep the levels held once every other
// rendition is made.
func TestPyramidReleasesLevelsPastEarlyFailures(t *testing.T) {
	e := testEngine(t)
	src := jpegFile(t, photoLike(1600, 1200, false, false))
	bad := api.Rendition{Fmt: "png", Width: intp(200), Height: intp(200), JPEGSize: int64p(1000)}
	for _, first := range []bool{true, false} {
		list := append(webProfile("png")[:3], bad, mixedList("jpg")[2])
		p := e.NewPyramid(src, list)
		order := []int{3, 0, 1, 2, 4}
		if !first {
			order = []int{0, 1, 2, 4, 3}
		}
		dir := t.TempDir()
		for _, i := range order {
			_, err := p.Render(context.Background(), list[i], filepath.Join(dir, string(rune('a'+i))+"."+list[i].Fmt), RenderOptions{})
			if i == 3 {
				require.Error(t, err)
				continue
			}
			require.NoError(t, err, "rendition %d", i)
		}
		p.mu.Lock()
		assert.Nil(t, p.levels, "failing first %v: the levels are released once every other rendition is made", first)
		p.mu.Unlock()
		p.Close()
	}
}
