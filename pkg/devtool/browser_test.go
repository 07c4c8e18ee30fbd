package devtool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	goimage "image"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "golang.org/x/image/webp" // the size of webp outputs

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/report"
)

// update rewrites the screenshots under docs/images (TestDevtoolScreenshots).
var update = flag.Bool("update", false, "rewrite the devtool screenshots in docs/images")

// do runs chromedp actions, failing the test on error.
func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, actions...))
}

// waitFor waits until the JavaScript expression is truthy: a state of the
// DOM, never a fixed delay.
func waitFor(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(3*time.Minute))
}

// eval evaluates a JavaScript expression into T.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

// choose picks a value of a select as a person does: it changes and the
// page hears the change.
func choose(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector(` + strconv.Quote(sel) + `);
		s.value = ` + strconv.Quote(value) + `; s.dispatchEvent(new Event('change', {bubbles: true})); })()`)
}

// photoFile writes a generated photo of w x h pixels and returns its path.
func photoFile(t *testing.T, w, h int) string {
	t.Helper()
	b, err := encodeJPEG(samplePhoto(w, h), 88)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "holiday.jpg")
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

// cardCount is the expression that is true when the page shows runs
// runs, all done.
func cardCount(runs int) string {
	return `document.querySelectorAll('.run[data-run][data-state="done"]').length === ` + strconv.Itoa(runs) +
		` && !document.querySelector('.run[data-state="running"]')`
}

// shot saves a screenshot of the element sel as docs/images/name.
func shot(t *testing.T, ctx context.Context, sel, name string) {
	t.Helper()
	shotScaled(t, ctx, sel, name, 0.8)
}

// shotScaled saves a screenshot of the element sel, scaled, as
// docs/images/name.
func shotScaled(t *testing.T, ctx context.Context, sel, name string, scale float64) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.ScreenshotScale(chromedp.CSS(sel), scale))
	require.NoError(t, err)
	dir := filepath.Join("..", "..", "docs", "images")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	t.Logf("wrote docs/images/%s (%d bytes)", name, len(b))
}

// dims matches the size a card shows.
var dims = regexp.MustCompile(`^(\d+)×(\d+)$`)

func TestDevtoolInChromium(t *testing.T) {
	driveDevtool(t, false)
}

// TestDevtoolScreenshots rewrites the screenshots of the main views under
// docs/images: go test ./pkg/devtool -run 'TestDevtoolScreenshots$' -args -update
func TestDevtoolScreenshots(t *testing.T) {
	if !*update {
		t.Skip("rewrites docs/images only with -update")
	}
	driveDevtool(t, true)
	// With -update, these take theirs too.
	t.Run("progress", TestDevtoolShowsProgressInChromium)
	t.Run("report", TestDevtoolOpensABatchReportInChromium)
}

// driveDevtool does what a person does on the page: upload a photo, run
// the web profile, check each rendition against its file, compare two,
// break a field, run a corrupt sample, open a contact sheet. With shots it
// saves screenshots of the views on the way.
func driveDevtool(t *testing.T, shots bool) {
	s := newTestServer(t, nil)
	ctx := testutil.Browser(t)
	do(t, ctx, chromedp.Navigate(s.srv.URL+"/"), waitFor(`document.body.dataset.ready === '1'`))

	// A source: a photo picked from disk.
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{photoFile(t, 900, 600)}),
		waitFor(`document.querySelector('#source-info').dataset.source !== undefined`))
	name, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#source-name")))
	require.NoError(t, err)
	assert.Equal(t, "holiday.jpg", name)

	// A profile, then run.
	do(t, ctx, choose("#profile", "web"), waitFor(`document.querySelectorAll('.rform').length === 4`),
		waitFor(`document.querySelector('#validation-status').textContent.startsWith('valid')`))
	if shots {
		shot(t, ctx, ".columns", "devtool-request.png")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("#run")), waitFor(cardCount(1)))
	type card struct {
		Name, Status, Dims, URL, Bytes string
	}
	cards := eval[[]card](t, ctx, `Array.from(document.querySelectorAll('.run .rendition')).map(c => ({
		Name: c.dataset.name, Status: c.dataset.status,
		Dims: (c.querySelector('.dims') || {}).textContent || '',
		URL: (c.querySelector('img.preview') || {}).src || '',
		Bytes: (c.querySelector('.bytes') || {}).textContent || ''}))`)
	require.Len(t, cards, 4)
	runID := eval[string](t, ctx, `document.querySelector('.run').dataset.run`)
	want := map[string]goimage.Point{"web-1280.jpg": {900, 600}, "web-640.jpg": {640, 427}, "web-320.jpg": {320, 213}, "web-640.webp": {640, 427}}
	for i, c := range cards {
		require.Equal(t, "created", c.Status, c.Name)
		m := dims.FindStringSubmatch(c.Dims)
		require.NotNil(t, m, "%s shows its size: %q", c.Name, c.Dims)
		_, kept, ok := s.h.lookup(runID, strconv.Itoa(i))
		require.True(t, ok)
		info, err := os.Stat(kept.path)
		require.NoError(t, err)
		cfg := decodeConfig(t, kept.path)
		assert.Equal(t, strconv.Itoa(cfg.X), m[1], "%s: width shown vs file", c.Name)
		assert.Equal(t, strconv.Itoa(cfg.Y), m[2], "%s: height shown vs file", c.Name)
		assert.Equal(t, want[c.Name], cfg, c.Name)
		assert.Contains(t, c.Bytes, "("+strconv.FormatInt(info.Size(), 10)+")", c.Name)
		assert.True(t, strings.HasSuffix(c.URL, "/api/runs/"+runID+"/files/"+strconv.Itoa(i)), c.URL)
	}
	// Every preview loaded.
	do(t, ctx, waitFor(`Array.from(document.querySelectorAll('.run img.preview')).every(i => i.complete && i.naturalWidth > 0)`))
	if shots {
		shot(t, ctx, "#results-panel", "devtool-results.png")
	}

	// Compare the 640 jpg with the 640 webp.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`.rendition[data-name="web-640.jpg"] .pick-A`)),
		chromedp.Click(chromedp.CSS(`.rendition[data-name="web-640.webp"] .pick-B`)),
		waitFor(`document.querySelector('#psnr').dataset.ready === '1'`),
		waitFor(`!document.querySelector('#view-compare').hidden`),
		waitFor(`document.querySelector('#cmp-a-img').complete && document.querySelector('#cmp-a-img').naturalWidth > 0`))
	psnr, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#psnr")))
	require.NoError(t, err)
	m := regexp.MustCompile(`^([0-9.]+) dB`).FindStringSubmatch(psnr)
	require.NotNil(t, m, "PSNR shown: %q", psnr)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	assert.Greater(t, v, 25.0)
	aDims, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#cmp-a-dims")))
	require.NoError(t, err)
	assert.Equal(t, "640×427", aDims)
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#cmp-range"), "35"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#cmp-range').dispatchEvent(new Event('input'))`))
	if shots {
		shotScaled(t, ctx, "#view-compare", "devtool-compare.png", 0.6) // photographic: kept small
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("#cmp-mode-diff")),
		waitFor(`getComputedStyle(document.querySelector('#cmp-a-img')).mixBlendMode === 'difference' && document.querySelector('#cmp-range').hidden`))

	// An invalid field shows its error next to it.
	const q = `input[data-path="renditions[0].quality"]`
	do(t, ctx, chromedp.Click(chromedp.CSS("#tab-build")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('`+q+`').value = ''`),
		chromedp.SendKeys(chromedp.CSS(q), "500"),
		waitFor(`document.querySelector('.field-error[data-for="renditions[0].quality"]').textContent.includes('1 to 100')`))
	next := eval[bool](t, ctx, `(() => { const i = document.querySelector('`+q+`');
		return i.classList.contains('invalid') && i.parentElement.contains(document.querySelector('.field-error[data-for="renditions[0].quality"]')); })()`)
	assert.True(t, next, "the error sits beside its field")
	line := eval[string](t, ctx, `document.querySelector('#json-errors li').dataset.line`)
	assert.NotEmpty(t, line)
	if shots {
		shot(t, ctx, "#request-panel", "devtool-validation.png")
	}
	text := eval[string](t, ctx, `document.querySelector('#request-json').value`)
	var req struct{ Renditions []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(text), &req))
	assert.Equal(t, 500.0, req.Renditions[0]["quality"], "the form edits the JSON")

	// The request copied as a command line: the portable request, without
	// the page's own targets and with a stand-in source.
	do(t, ctx, chromedp.Click(chromedp.CSS("#copy-curl")), waitFor(`document.querySelector('#copy-output').value.startsWith('curl')`))
	curl := eval[string](t, ctx, `document.querySelector('#copy-output').value`)
	assert.Contains(t, curl, "/process")
	assert.Contains(t, curl, `"quality":500`)
	assert.Contains(t, curl, "https://example.com/holiday.jpg")
	assert.NotContains(t, curl, s.dir, "no local path of the page leaks into the command")
	do(t, ctx, chromedp.Click(chromedp.CSS("#copy-wsk")), waitFor(`document.querySelector('#copy-output').value.startsWith('wsk')`))
	wsk := eval[string](t, ctx, `document.querySelector('#copy-output').value`)
	assert.Contains(t, wsk, "wsk action invoke asset-compute/process --blocking --result")
	assert.Contains(t, wsk, "--param renditions '[{")

	// A corrupt file fails with SourceCorrupt.
	do(t, ctx, choose("#profile", "thumbnails"), waitFor(`document.querySelectorAll('.rform').length === 3`),
		chromedp.Click(chromedp.CSS(`.sample[data-name="corrupt.jpg"]`)),
		waitFor(`document.querySelector('#source-info').dataset.source === 'sample-corrupt.jpg'`),
		chromedp.Click(chromedp.CSS("#run")), waitFor(cardCount(2)))
	reasons := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('.run:first-child .rendition')).map(c => c.dataset.status + ' ' + c.querySelector('.reason').textContent)`)
	require.Len(t, reasons, 3)
	for _, r := range reasons {
		assert.Equal(t, "failed SourceCorrupt", r)
	}

	// A contact sheet opens in a frame whose scripts do not run.
	sheet := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, os.WriteFile(sheet, []byte(`<!doctype html><title>sheet</title><h1 id="h">Contact sheet</h1><script>document.title = 'ran'</script>`), 0o600))
	do(t, ctx, chromedp.Click(chromedp.CSS("#tab-report")),
		chromedp.SetUploadFiles(chromedp.CSS("#report-file"), []string{sheet}),
		waitFor(`!document.querySelector('#report-frame').hidden && document.querySelector('#report-frame').srcdoc.includes('Contact sheet')`))
	sandbox := eval[string](t, ctx, `document.querySelector('#report-frame').getAttribute('sandbox')`)
	assert.Equal(t, "", sandbox, "no allow-scripts")
}

// decodeConfig returns the size of the picture file at p.
func decodeConfig(t *testing.T, p string) goimage.Point {
	t.Helper()
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	cfg, _, err := goimage.DecodeConfig(f)
	require.NoError(t, err, p)
	return goimage.Point{X: cfg.Width, Y: cfg.Height}
}

func TestDevtoolShowsTimingsInChromium(t *testing.T) {
	s := newTestServer(t, nil)
	ctx := testutil.Browser(t)
	do(t, ctx, chromedp.Navigate(s.srv.URL+"/"), waitFor(`document.body.dataset.ready === '1'`),
		chromedp.Click(chromedp.CSS(`.sample[data-name="logo.png"]`)),
		waitFor(`document.querySelector('#source-info').dataset.source === 'sample-logo.png'`),
		choose("#profile", "thumbnails"), waitFor(`document.querySelectorAll('.rform').length === 3`),
		chromedp.Click(chromedp.CSS("#run")), waitFor(cardCount(1)),
		waitFor(`document.querySelectorAll('.run .rendition[data-status="created"]').length === 3`))
	type bar struct {
		Step, Ms string
		Width    float64
	}
	type card struct {
		Name  string
		Event string
		Bars  []bar
	}
	cards := eval[[]card](t, ctx, `Array.from(document.querySelectorAll('.run .rendition')).map(c => ({
		Name: c.dataset.name, Event: c.querySelector('.event pre').textContent,
		Bars: Array.from(c.querySelectorAll('.timing')).map(e => ({
			Step: e.dataset.step, Ms: e.querySelector('.ms').textContent, Width: e.querySelector('.bar').getBoundingClientRect().width}))}))`)
	require.Len(t, cards, 3)
	order := map[string]int{"fetch": 0, "wait": 1, "decode": 2, "render": 3, "encode": 4, "upload": 5, "total": 9}
	for _, c := range cards {
		// The timings the worker measured, as the event shown carries them.
		var ev api.Event
		require.NoError(t, json.Unmarshal([]byte(c.Event), &ev), c.Name)
		assert.Equal(t, api.EventRenditionCreated, ev.Type, c.Name)
		for _, k := range []string{"fetch", "render", "encode", "upload", "total"} {
			assert.Contains(t, ev.Timings, k, "%s: the worker measures %s", c.Name, k)
		}
		require.Len(t, c.Bars, len(ev.Timings), "%s: one bar per step of the event", c.Name)
		top := 0.0
		for _, ms := range ev.Timings {
			top = max(top, ms)
		}
		var widest float64
		for i, b := range c.Bars {
			ms, ok := ev.Timings[b.Step]
			require.True(t, ok, "%s: bar %q is a step of the event", c.Name, b.Step)
			want := strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
			if ms < 10 {
				want = strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
			}
			assert.Equal(t, want, b.Ms, "%s %s", c.Name, b.Step)
			if i > 0 {
				assert.Less(t, order[c.Bars[i-1].Step], order[b.Step], "%s: steps in pipeline order, the total last", c.Name)
			}
			widest = max(widest, b.Width)
		}
		assert.Equal(t, "total", c.Bars[len(c.Bars)-1].Step, c.Name)
		// To scale: each bar's share of the widest is its share of the
		// longest step (the total).
		for _, b := range c.Bars {
			assert.InDelta(t, ev.Timings[b.Step]/top, b.Width/widest, 0.02, "%s %s: bar to scale", c.Name, b.Step)
		}
	}
}

// sourceOf returns the stored source id's file.
func (s *testServer) sourceOf(id string) []byte {
	s.t.Helper()
	s.h.mu.Lock()
	src, ok := s.h.srcs[id]
	s.h.mu.Unlock()
	require.True(s.t, ok, "source %s is kept", id)
	b, err := os.ReadFile(src.path)
	require.NoError(s.t, err)
	return b
}

func TestDevtoolSourcesInChromium(t *testing.T) {
	origin, photo := photoOrigin(t, 300, 200, 85)
	ctx := testutil.Browser(t)

	// Local mode: a dropped file and a URL on this machine are sources.
	local := newTestServer(t, func(o *Options) { o.AllowPrivate = true })
	do(t, ctx, chromedp.Navigate(local.srv.URL+"/"), waitFor(`document.body.dataset.ready === '1'`))
	type dropped struct{ Prevented, Over bool }
	d := eval[dropped](t, ctx, `(() => {
		const bytes = Uint8Array.from(atob(`+strconv.Quote(base64.StdEncoding.EncodeToString(photo))+`), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'dropped.jpg', {type: 'image/jpeg'}));
		const zone = document.querySelector('#drop');
		const ev = t => new DragEvent(t, {bubbles: true, cancelable: true, dataTransfer: dt});
		zone.dispatchEvent(ev('dragenter'));
		const over = ev('dragover');
		zone.dispatchEvent(over);
		const r = {Prevented: over.defaultPrevented, Over: zone.classList.contains('over')};
		zone.dispatchEvent(ev('drop'));
		return r; })()`)
	assert.True(t, d.Prevented, "the drop zone accepts the drag")
	assert.True(t, d.Over, "the drop zone shows the drag over it")
	do(t, ctx, waitFor(`(document.querySelector('#source-name') || {}).textContent === 'dropped.jpg'`),
		waitFor(`!document.querySelector('#drop').classList.contains('over')`),
		waitFor(`(i => i && i.complete && i.naturalWidth === 300)(document.querySelector('#source-info img'))`))
	id := eval[string](t, ctx, `document.querySelector('#source-info').dataset.source`)
	assert.Equal(t, photo, local.sourceOf(id), "the dropped file is the source, byte for byte")

	do(t, ctx, chromedp.SetValue(chromedp.CSS("#url-input"), origin.URL+"/pics/beach.jpg?sig=secret"),
		chromedp.Click(chromedp.CSS("#url-fetch")),
		waitFor(`(document.querySelector('#source-name') || {}).textContent === 'beach.jpg'`))
	info, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#source-info")))
	require.NoError(t, err)
	assert.Contains(t, info, "url")
	assert.Contains(t, info, origin.URL+"/pics/beach.jpg")
	assert.NotContains(t, info, "secret", "presigned query strings are not shown")
	id = eval[string](t, ctx, `document.querySelector('#source-info').dataset.source`)
	assert.Equal(t, photo, local.sourceOf(id), "the fetched file is the source")

	// Not local: the same URL is refused, saying why, and the source is
	// unchanged.
	guarded := newTestServer(t, nil)
	do(t, ctx, chromedp.Navigate(guarded.srv.URL+"/"), waitFor(`document.body.dataset.ready === '1'`),
		chromedp.SetValue(chromedp.CSS("#url-input"), origin.URL+"/pics/beach.jpg"),
		chromedp.Click(chromedp.CSS("#url-fetch")),
		waitFor(`document.querySelector('#status').textContent.startsWith('Fetch refused')`))
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#status")))
	require.NoError(t, err)
	assert.Contains(t, msg, "Fetch refused ("+string(api.ReasonSourceUnsupported)+"):")
	assert.Contains(t, msg, "127.0.0.1 is not a public address", "the refusal says why")
	assert.Contains(t, msg, "acs devtool -local", "and how to allow it")
	assert.Equal(t, "No source chosen yet.", eval[string](t, ctx, `document.querySelector('#source-info').textContent`))
	entries, err := os.ReadDir(filepath.Join(guarded.dir, "sources"))
	require.NoError(t, err)
	for _, e := range entries {
		assert.True(t, strings.HasPrefix(e.Name(), "sample"), "nothing fetched is kept: %s", e.Name())
	}
}

// TestDevtoolOpensABatchReportInChromium makes the contact sheet of a
// small batch (two photos and a corrupt file through the real workers, the
// page written by package report as `acs batch --report` writes it) and
// opens it in the contact-sheet view.
func TestDevtoolOpensABatchReportInChromium(t *testing.T) {
	s := newTestServer(t, nil)
	profile := `{"renditions": [
		{"name": "web.jpg", "fmt": "jpg", "width": 320, "height": 320, "quality": 80},
		{"name": "thumb.png", "fmt": "png", "width": 64, "height": 64}]}`
	inputs := map[string][]byte{}
	for name, size := range map[string]goimage.Point{"beach.jpg": {640, 400}, "tower.jpg": {300, 500}} {
		b, err := encodeJPEG(samplePhoto(size.X, size.Y), 85)
		require.NoError(t, err)
		inputs[name] = b
	}
	inputs["broken.jpg"] = []byte("\xff\xd8\xff\xe0 not a picture at all")
	var sheet []report.Source
	for _, name := range []string{"beach.jpg", "broken.jpg", "tower.jpg"} {
		src := s.upload(name, inputs[name])
		rn := s.run(src.ID, profile)
		rs := report.Source{Name: name, Path: s.sourcePath(src.ID)}
		for _, v := range rn.Renditions {
			require.NotNil(t, v.Event, name)
			r := report.Rendition{Result: api.RenditionResult{Name: v.Name, Status: v.Status, Reason: v.Reason, Message: v.Message,
				Metadata: v.Event.Metadata, Timings: v.Event.Timings}}
			if v.Status == api.StatusCreated {
				_, kept, ok := s.h.lookup(rn.ID, strconv.Itoa(v.Index))
				require.True(t, ok)
				r.Path = kept.path
			}
			rs.Renditions = append(rs.Renditions, r)
		}
		sheet = append(sheet, rs)
	}
	sheetPath := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, report.WriteFile(context.Background(), sheetPath, sheet, report.Options{Title: "acs batch: out",
		Preview: report.ImagePreviews(s.h.engine, t.TempDir())}))

	ctx := testutil.Browser(t)
	do(t, ctx, chromedp.Navigate(s.srv.URL+"/"), waitFor(`document.body.dataset.ready === '1'`),
		chromedp.Click(chromedp.CSS("#tab-report")),
		chromedp.SetUploadFiles(chromedp.CSS("#report-file"), []string{sheetPath}),
		waitFor(`document.querySelector('#report-frame').dataset.loaded === '1'`))
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#report-frame")))
	require.NoError(t, err)
	require.Len(t, frames, 1)
	type shown struct {
		Sources    []string
		Renditions []string
		Images     int
		Decoded    int
		Reasons    []string
	}
	// Inside the frame (read in a world of its own, since the frame runs no
	// script; it has loaded, so its inline pictures have too): every input,
	// every rendition, the failure's reason, and each picture decoded.
	// Chromium keeps a sandboxed frame in a process of its own: its own
	// target.
	tctx := ctx
	tis, err := chromedp.Targets(ctx)
	require.NoError(t, err)
	for _, ti := range tis {
		if ti.Type == "iframe" && string(ti.TargetID) == string(frames[0].FrameID) {
			c, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID))
			defer cancel()
			tctx = c
		}
	}
	world, err := chromedp.Call(tctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frames[0].FrameID, WorldName: "check"})
	require.NoError(t, err)
	got, err := chromedp.Run(tctx, chromedp.CallFunctionOn[shown](`() => {
		const imgs = Array.from(document.querySelectorAll('img'));
		return {
			Sources: Array.from(document.querySelectorAll('section.source')).map(s => s.dataset.source),
			Renditions: Array.from(document.querySelectorAll('.card.rendition')).map(c => c.closest('section.source').dataset.source + '/' + c.dataset.rendition + ' ' + c.dataset.status),
			Images: imgs.length, Decoded: imgs.filter(i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0).length,
			Reasons: Array.from(document.querySelectorAll('.reason')).map(r => r.textContent),
		}; }`, func(p *runtime.CallFunctionOnParams) { p.ExecutionContextID = world.ExecutionContextID }))
	require.NoError(t, err)
	assert.Equal(t, []string{"beach.jpg", "broken.jpg", "tower.jpg"}, got.Sources, "every input is listed")
	assert.ElementsMatch(t, []string{"beach.jpg/web.jpg created", "beach.jpg/thumb.png created", "broken.jpg/web.jpg failed",
		"broken.jpg/thumb.png failed", "tower.jpg/web.jpg created", "tower.jpg/thumb.png created"}, got.Renditions)
	assert.Equal(t, []string{string(api.ReasonSourceCorrupt), string(api.ReasonSourceCorrupt)}, got.Reasons)
	// Two sources and four renditions have pictures; the broken source none.
	assert.Equal(t, 6, got.Images, "a picture per photo and per created rendition")
	assert.Equal(t, got.Images, got.Decoded, "every picture decoded")
	if *update {
		shot(t, ctx, "#view-report", "devtool-report.png")
	}
	// The frame runs nothing: it is sandboxed without scripts.
	assert.Equal(t, "", eval[string](t, ctx, `document.querySelector('#report-frame').getAttribute('sandbox')`))
}

// sourcePath returns the stored source id's path.
func (s *testServer) sourcePath(id string) string {
	s.t.Helper()
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	src, ok := s.h.srcs[id]
	require.True(s.t, ok, "source %s is kept", id)
	return src.path
}

// heldInvoker holds the activations of one action until release is
// closed; the others run at once.
type heldInvoker struct {
	invoke.Invoker
	action  string
	release chan struct{}
}

func (h heldInvoker) Invoke(ctx context.Context, action string, params json.RawMessage) (json.RawMessage, error) {
	if action == h.action {
		select {
		case <-h.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return h.Invoker.Invoke(ctx, action, params)
}

// newHeldServer returns a test server whose thumbnail activations wait
// until open is called, and open (safe to call again; called when the
// test ends, before the server's own clean-up, which waits for the run).
func newHeldServer(t *testing.T) (s *testServer, open func()) {
	t.Helper()
	release := make(chan struct{})
	var once sync.Once
	open = func() { once.Do(func() { close(release) }) }
	s = newTestServerVia(t, func(inv invoke.Invoker) invoke.Invoker {
		return heldInvoker{Invoker: inv, action: api.ActionThumbnail, release: release}
	}, nil)
	t.Cleanup(open)
	return s, open
}

func TestDevtoolShowsProgressInChromium(t *testing.T) {
	s, open := newHeldServer(t)
	ctx := testutil.Browser(t)
	request := `{"renditions": [{"name": "held.jpg", "fmt": "jpg", "width": 200, "height": 200}, {"name": "meta.json", "fmt": "machine-metadata-json"}]}`
	do(t, ctx, chromedp.Navigate(s.srv.URL+"/"), waitFor(`document.body.dataset.ready === '1'`),
		chromedp.Click(chromedp.CSS(`.sample[data-name="photo.jpg"]`)),
		waitFor(`document.querySelector('#source-info').dataset.source === 'sample-photo.jpg'`),
		chromedp.Evaluate[chromedp.Void](`(() => { const ta = document.querySelector('#request-json'); ta.value = `+strconv.Quote(request)+`;
			ta.dispatchEvent(new Event('input', {bubbles: true})); })()`),
		waitFor(`document.querySelector('#validation-status').textContent === 'valid · 2 renditions'`),
		chromedp.Click(chromedp.CSS("#run")),
		// The metadata is made while the picture's worker is held: its
		// card shows its result, the picture's a running indicator.
		waitFor(`(c => c && c.dataset.status === 'created' && c.querySelector('.tree, .content'))(document.querySelector('.run[data-state="running"] .rendition[data-name="meta.json"]'))`))
	type pending struct {
		Status  string
		Spinner bool
		Failure bool
		Header  string
		Button  bool
	}
	p := eval[pending](t, ctx, `(() => { const c = document.querySelector('.run[data-state="running"] .rendition[data-name="held.jpg"]');
		return {Status: c.dataset.status, Spinner: !!c.querySelector('.spinner'), Failure: !c.querySelector('.failure').hidden,
			Header: document.querySelector('.run[data-state="running"] .progress').textContent, Button: document.querySelector('#run').disabled}; })()`)
	assert.Equal(t, pending{Status: "running", Spinner: true, Header: "1/2 done", Button: true}, p)
	if *update {
		shot(t, ctx, "#results-panel", "devtool-progress.png")
	}

	open()
	do(t, ctx, waitFor(cardCount(1)))
	type card struct{ Name, Status, Dims string }
	cards := eval[[]card](t, ctx, `Array.from(document.querySelectorAll('.run .rendition')).map(c => ({
		Name: c.dataset.name, Status: c.dataset.status, Dims: (c.querySelector('.dims') || {}).textContent || ''}))`)
	assert.Equal(t, []card{{"held.jpg", "created", "200×133"}, {"meta.json", "created", ""}}, cards)
	assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll('.spinner').length`), "no running indicator is left")
	assert.Equal(t, "2/2 created", eval[string](t, ctx, `document.querySelector('.run header .badge').textContent`))
}
