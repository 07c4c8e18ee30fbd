package postscript

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// twoColours is an EPS page of 200 x 100 points: red on the left half,
// blue on the right.
const twoColours = "%!PS-Adobe-3.0 EPSF-3.0\n" +
	"%%BoundingBox: 0 0 200 100\n" +
	"%%Title: (Two \\(colours\\))\n" +
	"%%Creator: postscript_test\n" +
	"%%CreationDate: (D:20240102030405)\n" +
	"%%Pages: 1\n" +
	"%%EndComments\n" +
	"1 0 0 setrgbcolor 0 0 100 100 rectfill\n" +
	"0 0 1 setrgbcolor 100 0 100 100 rectfill\n" +
	"showpage\n%%EOF\n"

// hostile is an EPS page of 100 x 100 points whose program is body.
func hostile(body string) string {
	return "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n%%EndComments\n" + body + "\nshowpage\n"
}

// dosEPS wraps a PostScript section and a TIFF preview in a DOS EPS
// binary header.
func dosEPS(ps, tif []byte) []byte {
	var h [30]byte
	copy(h[:], dosMagic)
	binary.LittleEndian.PutUint32(h[4:], 30)
	binary.LittleEndian.PutUint32(h[8:], uint32(len(ps)))
	if len(tif) > 0 {
		binary.LittleEndian.PutUint32(h[20:], uint32(30+len(ps)))
		binary.LittleEndian.PutUint32(h[24:], uint32(len(tif)))
	}
	binary.LittleEndian.PutUint16(h[28:], 0xFFFF)
	return append(append(h[:], ps...), tif...)
}

// tiffOf encodes a w x h TIFF of one colour.
func tiffOf(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, 255
	}
	var b bytes.Buffer
	if err := tiff.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// epsiOf is an EPSI file of 200 x 100 points with a w x h 1-bit preview
// whose left half is black.
func epsiOf(w, h int) string {
	var b strings.Builder
	b.WriteString("%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 200 100\n%%EndComments\n")
	rowBytes := (w + 7) / 8
	fmt.Fprintf(&b, "%%%%BeginPreview: %d %d 1 %d\n", w, h, h)
	for y := 0; y < h; y++ {
		row := make([]byte, rowBytes)
		for x := 0; x < w/2; x++ {
			row[x/8] |= 0x80 >> (x % 8)
		}
		fmt.Fprintf(&b, "%% %X\n", row)
	}
	b.WriteString("%%EndPreview\n0 setgray 0 0 100 100 rectfill showpage\n")
	return b.String()
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newEngine(t *testing.T, l Limits) *Engine {
	t.Helper()
	testutil.NeedTool(t, "gs")
	testutil.NeedTool(t, "prlimit")
	e, err := New(Options{Limits: l, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func intp(n int) *int { return &n }

// readPNG decodes a PNG or TIFF file.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func rgb(c color.Color) [3]uint8 {
	r, g, b, _ := c.RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

func TestParseComments(t *testing.T) {
	src := "%!PS-Adobe-3.0\n%%BoundingBox: (atend)\n%%HiResBoundingBox: 0 0 100.5 50.25\n%%Pages: (atend)\n" +
		"%%For: (someone)\n%%DocumentMedia: A4 595 842 0 () ()\n%%EndComments\n" +
		"%%Page: 1 1\nshowpage\n%%Trailer\n%%BoundingBox: 0 0 101 51\n%%Pages: 3\n%%EOF\n"
	// Padding puts the trailer past the header's 64 KiB.
	pad := strings.Repeat("% padding line\n", 5000)
	i := strings.Index(src, "%%Page: 1 1")
	data := src[:i] + "0 0 moveto\n" + pad + src[i:]
	d, err := Parse(strings.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if d.EPS || d.Version != "3.0" || d.Pages != 3 || d.For != "someone" {
		t.Errorf("EPS %v, version %q, pages %d, for %q", d.EPS, d.Version, d.Pages, d.For)
	}
	if d.ExactBoundingBox == nil || *d.ExactBoundingBox != (BoundingBox{0, 0, 101, 51}) {
		t.Errorf("bounding box from the trailer: %+v", d.ExactBoundingBox)
	}
	if d.BoundingBox == nil || *d.BoundingBox != (BoundingBox{0, 0, 100.5, 50.25}) {
		t.Errorf("hi-res bounding box: %+v", d.BoundingBox)
	}
	if p := d.Page(); p != (BoundingBox{0, 0, 595, 842}) {
		t.Errorf("a document's page is its media: %+v", p)
	}

	d, err = Parse(strings.NewReader(twoColours), int64(len(twoColours)))
	if err != nil {
		t.Fatal(err)
	}
	if !d.EPS || d.Title != "Two (colours)" || d.Creator != "postscript_test" || d.CreationDate != "D:20240102030405" || d.Pages != 1 {
		t.Errorf("%+v", d)
	}
	if p := d.Page(); p != (BoundingBox{0, 0, 200, 100}) {
		t.Errorf("an EPS page is its bounding box: %+v", p)
	}
}

func TestParseRefusesBadHeaders(t *testing.T) {
	ps := []byte(twoColours)
	outside := dosEPS(ps, []byte("II*\x00"))
	binary.LittleEndian.PutUint32(outside[24:], 1<<30) // TIFF length past the end
	for name, data := range map[string][]byte{
		"TIFF preview outside the file": outside,
		"DOS header cut short":          []byte(dosMagic + "\x1e\x00"),
		"not PostScript":                []byte("GIF89a...."),
	} {
		_, err := Parse(bytes.NewReader(data), int64(len(data)))
		if api.ReasonOf(err) != api.ReasonSourceCorrupt {
			t.Errorf("%s: %v, want SourceCorrupt", name, err)
		}
	}
	pdf := []byte("%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
	d, err := Parse(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil || !d.PDF {
		t.Errorf("a PDF-compatible Illustrator file: %+v, %v", d, err)
	}
}

func TestScale(t *testing.T) {
	for _, c := range []struct {
		r      api.Rendition
		sx, sy float64
	}{
		{api.Rendition{}, 1, 1},
		{api.Rendition{Width: intp(400)}, 2, 2},
		{api.Rendition{Width: intp(400), Height: intp(100)}, 1, 1},
		{api.Rendition{Width: intp(400), MaxWidth: intp(100)}, 0.5, 0.5},
		{api.Rendition{Width: intp(100), Crop: &api.Crop{X: 0, Y: 0, W: 50, H: 50}}, 2, 2},
		{api.Rendition{Width: intp(100), Height: intp(100), Crop: &api.Crop{Smart: true}}, 1, 1},
		{api.Rendition{ConvertToDPI: &api.DPI{X: 144, Y: 144}}, 2, 2},
	} {
		sx, sy := Scale(200, 100, c.r)
		if math.Abs(sx-c.sx) > 1e-9 || math.Abs(sy-c.sy) > 1e-9 {
			t.Errorf("%+v: scale %g x %g, want %g x %g", c.r, sx, sy, c.sx, c.sy)
		}
	}
}

// reference draws the file with Ghostscript alone, as the engine's
// benchmark does, at the resolution given.
func reference(t *testing.T, path string, dpi float64, eps bool) image.Image {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ref.png")
	args := []string{"-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m",
		fmt.Sprintf("-r%g", dpi), "-sOutputFile=" + out}
	if eps {
		args = append(args, "-dEPSCrop")
	}
	if b, err := exec.Command("gs", append(args, path)...).CombinedOutput(); err != nil {
		t.Fatalf("reference render: %v: %s", err, b)
	}
	return readPNG(t, out)
}

// sameImage fails the test unless a and b have one size and differ by at
// most tolerance in every sample.
func sameImage(t *testing.T, a, b image.Image, tolerance int) {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes %v and %v differ", a.Bounds().Size(), b.Bounds().Size())
	}
	for y := 0; y < a.Bounds().Dy(); y++ {
		for x := 0; x < a.Bounds().Dx(); x++ {
			p, q := rgb(a.At(x, y)), rgb(b.At(x, y))
			for i := range p {
				if d := int(p[i]) - int(q[i]); d > tolerance || -d > tolerance {
					t.Fatalf("pixel %d,%d: %v and %v", x, y, p, q)
				}
			}
		}
	}
}

func TestGhostscriptDrawsAtTheNeededSize(t *testing.T) {
	e := newEngine(t, Limits{})
	dir := t.TempDir()
	src := write(t, dir, "two.eps", []byte(twoColours))
	im, d, err := e.Image(context.Background(), src, api.Rendition{Width: intp(300)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if im.Kind != KindGhostscript || im.Width != 300 || im.Height != 150 || d.Title != "Two (colours)" {
		t.Fatalf("image %+v, document %+v", im, d)
	}
	got := readPNG(t, im.Path)
	if c := rgb(got.At(75, 75)); c != [3]uint8{255, 0, 0} {
		t.Errorf("left half %v, want red", c)
	}
	if c := rgb(got.At(225, 75)); c != [3]uint8{0, 0, 255} {
		t.Errorf("right half %v, want blue", c)
	}
	sameImage(t, got, reference(t, src, 108, true), 0)
}

func TestTIFFPreview(t *testing.T) {
	e := newEngine(t, Limits{})
	green := color.RGBA{0, 200, 0, 255}
	src := write(t, t.TempDir(), "dos.eps", dosEPS([]byte(twoColours), tiffOf(t, 400, 200, green)))
	// Small enough for the preview: it is used as it is.
	im, d, err := e.Image(context.Background(), src, api.Rendition{Width: intp(320)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !d.HasTIFFPreview() || im.Kind != KindTIFFPreview || im.Width != 400 || im.Height != 200 || im.ScaleX != 2 {
		t.Fatalf("image %+v", im)
	}
	f, err := os.Open(im.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := tiff.Decode(f)
	if err != nil || rgb(img.At(10, 10)) != [3]uint8{0, 200, 0} {
		t.Fatalf("preview: %v", err)
	}
	// Larger than the preview, or with a rectangle crop: Ghostscript
	// draws the PostScript section of the DOS file.
	for _, r := range []api.Rendition{{Width: intp(401)}, {Width: intp(50), Crop: &api.Crop{X: 0, Y: 0, W: 100, H: 100}}} {
		im, _, err = e.Image(context.Background(), src, r, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if im.Kind != KindGhostscript || rgb(readPNG(t, im.Path).At(1, 1)) != [3]uint8{255, 0, 0} {
			t.Errorf("%+v: image %+v, want the page drawn", r, im)
		}
	}
}

func TestEPSIPreview(t *testing.T) {
	e := newEngine(t, Limits{})
	src := write(t, t.TempDir(), "a.epsi", []byte(epsiOf(100, 50)))
	im, d, err := e.Image(context.Background(), src, api.Rendition{Width: intp(100)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if d.Preview == nil || im.Kind != KindEPSIPreview || im.Width != 100 || im.Height != 50 {
		t.Fatalf("image %+v, preview %+v", im, d.Preview)
	}
	img := readPNG(t, im.Path)
	if rgb(img.At(10, 10)) != [3]uint8{0, 0, 0} || rgb(img.At(90, 40)) != [3]uint8{255, 255, 255} {
		t.Errorf("preview pixels %v %v, want black then white", rgb(img.At(10, 10)), rgb(img.At(90, 40)))
	}
	im, _, err = e.Image(context.Background(), src, api.Rendition{Width: intp(101)}, t.TempDir())
	if err != nil || im.Kind != KindGhostscript {
		t.Fatalf("a preview too small: %+v, %v", im, err)
	}
}

// threePages is a PostScript document whose second page is red.
const threePages = "%!PS-Adobe-3.0\n%%Pages: 3\n%%DocumentMedia: Square 100 100 0 () ()\n%%EndComments\n" +
	"%%Page: 1 1\n0 setgray 0 0 100 100 rectfill showpage\n" +
	"%%Page: 2 2\n<< /PageSize [100 100] >> setpagedevice 1 0 0 setrgbcolor 0 0 100 100 rectfill showpage\n" +
	"%%Page: 3 3\n(page three) print showpage\n%%EOF\n"

func TestPages(t *testing.T) {
	e := newEngine(t, Limits{MaxPages: 100})
	src := write(t, t.TempDir(), "doc.ps", []byte(threePages))
	im, _, err := e.Image(context.Background(), src, api.Rendition{Width: intp(50), Page: intp(2)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c := rgb(readPNG(t, im.Path).At(25, 25)); im.Width != 50 || c != [3]uint8{255, 0, 0} {
		t.Errorf("page 2: %+v, colour %v", im, c)
	}
	_, _, err = e.Image(context.Background(), src, api.Rendition{Page: intp(4)}, t.TempDir())
	if api.ReasonOf(err) != api.ReasonGeneric || !strings.Contains(api.MessageOf(err), "page") {
		t.Errorf("page 4 of 3: %v", err)
	}
	blank := write(t, t.TempDir(), "blank.ps", []byte("%!PS\n1 0 0 setrgbcolor 0 0 100 100 rectfill\n"))
	_, _, err = e.Image(context.Background(), blank, api.Rendition{}, t.TempDir())
	if api.ReasonOf(err) != api.ReasonSourceCorrupt || !strings.Contains(api.MessageOf(err), "showpage") {
		t.Errorf("a document without showpage: %v", err)
	}
	many := write(t, t.TempDir(), "many.ps", []byte(strings.Replace(threePages, "%%Pages: 3", "%%Pages: 101", 1)))
	_, _, err = e.Image(context.Background(), many, api.Rendition{}, t.TempDir())
	if api.ReasonOf(err) != api.ReasonSourceTooLarge || !strings.Contains(api.MessageOf(err), "101 pages") {
		t.Errorf("101 pages over a limit of 100: %v", err)
	}
	_, _, err = e.Image(context.Background(), src, api.Rendition{Width: intp(100000)}, t.TempDir())
	if api.ReasonOf(err) != api.ReasonSourceTooLarge {
		t.Errorf("a page of 100000 pixels: %v", err)
	}
}

// TestLegacyIllustratorCropped: a PostScript Illustrator file whose
// header lacks "EPSF" (so -dEPSCrop ignores it) is still drawn inside
// its bounding box, as the same program marked EPSF is.
func TestLegacyIllustratorCropped(t *testing.T) {
	e := newEngine(t, Limits{})
	body := "%%Creator: Adobe Illustrator(R) 8.0\n%%BoundingBox: 50 60 170 180\n%AI5_FileFormat 4.0\n%%EndComments\n" +
		"0.2 0.6 0.2 setrgbcolor 50 60 120 120 rectfill 1 0 0 setrgbcolor 50 60 10 10 rectfill showpage\n"
	dir := t.TempDir()
	ai := write(t, dir, "art.ai", []byte("%!PS-Adobe-3.0\n"+body))
	eps := write(t, dir, "art.eps", []byte("%!PS-Adobe-3.0 EPSF-3.0\n"+body))
	im, d, err := e.Image(context.Background(), ai, api.Rendition{Width: intp(240)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if d.EPS || !d.Encapsulated() || im.Width != 240 || im.Height != 240 {
		t.Fatalf("image %+v, document %+v", im, d)
	}
	got := readPNG(t, im.Path)
	if c := rgb(got.At(5, 235)); c != [3]uint8{255, 0, 0} {
		t.Errorf("lower left corner %v, want the red square", c)
	}
	sameImage(t, got, reference(t, eps, 144, true), 0)
}

// TestUnusablePreviews: a WMF preview (nothing here draws WMF) and a TIFF
// preview that is not a TIFF file leave the page to Ghostscript.
func TestUnusablePreviews(t *testing.T) {
	e := newEngine(t, Limits{})
	ps := []byte(twoColours)
	wmf := dosEPS(ps, nil)
	wmf = append(wmf, []byte("\xd7\xcd\xc6\x9a wmf placeholder")...)
	binary.LittleEndian.PutUint32(wmf[12:], uint32(30+len(ps)))
	binary.LittleEndian.PutUint32(wmf[16:], uint32(len(wmf)-30-len(ps)))
	for name, data := range map[string][]byte{
		"wmf.eps":     wmf,
		"badtiff.eps": dosEPS(ps, []byte("not a TIFF file at all")),
	} {
		src := write(t, t.TempDir(), name, data)
		im, d, err := e.Image(context.Background(), src, api.Rendition{Width: intp(20)}, t.TempDir())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if im.Kind != KindGhostscript || d.DOS == nil || rgb(readPNG(t, im.Path).At(2, 5)) != [3]uint8{255, 0, 0} {
			t.Errorf("%s: image %+v", name, im)
		}
	}
}

// TestAntiAliasText: text is drawn in black and white by default, with
// grey edges when Options.AntiAliasText is set.
func TestAntiAliasText(t *testing.T) {
	testutil.NeedTool(t, "gs")
	testutil.NeedTool(t, "prlimit")
	src := write(t, t.TempDir(), "text.eps", []byte(hostile("/Helvetica findfont 40 scalefont setfont 5 40 moveto (Ag) show")))
	greys := func(aa bool) int {
		e, err := New(Options{TempDir: t.TempDir(), AntiAliasText: aa})
		if err != nil {
			t.Fatal(err)
		}
		im, _, err := e.Image(context.Background(), src, api.Rendition{Width: intp(100)}, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		img := readPNG(t, im.Path)
		n := 0
		for y := 0; y < img.Bounds().Dy(); y++ {
			for x := 0; x < img.Bounds().Dx(); x++ {
				if c := rgb(img.At(x, y)); c[0] > 0 && c[0] < 255 {
					n++
				}
			}
		}
		return n
	}
	if n := greys(false); n != 0 {
		t.Errorf("%d grey pixels without anti-aliasing", n)
	}
	if n := greys(true); n < 20 {
		t.Errorf("%d grey pixels with anti-aliasing, want the edges of the letters", n)
	}
}

// twoColoursPDF is a PDF whose page shows twoColours in its crop box
// (200 x 100 points) inside a larger media box.
func twoColoursPDF() []byte {
	content := "1 0 0 rg 10 10 100 100 re f 0 0 1 rg 110 10 100 100 re f"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /CropBox [10 10 210 110] /Contents 4 0 R " +
			"/PieceInfo << /Illustrator << /Private << /NumBlock 0 >> >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.6\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func TestDrawPDF(t *testing.T) {
	e := newEngine(t, Limits{MaxPages: 5, MaxRenderPixels: 1_000_000})
	dir := t.TempDir()
	src := write(t, dir, "two.ai", twoColoursPDF())
	page := PDFPage{Pages: 1, Width: 200, Height: 100}
	im, err := e.DrawPDF(context.Background(), src, page, api.Rendition{Width: intp(300)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if im.Kind != KindGhostscriptPDF || im.Width != 300 || im.Height != 150 {
		t.Fatalf("image %+v, want 300 x 150 drawn by Ghostscript (the crop box)", im)
	}
	got := readPNG(t, im.Path)
	if c := rgb(got.At(75, 75)); c != [3]uint8{255, 0, 0} {
		t.Errorf("left half %v, want red", c)
	}
	if c := rgb(got.At(225, 75)); c != [3]uint8{0, 0, 255} {
		t.Errorf("right half %v, want blue", c)
	}
	if r := im.Rendition(api.Rendition{Width: intp(300), Page: intp(1)}); !r.Upscale || r.Page != nil {
		t.Errorf("rendition of the drawn page %+v", r)
	}

	for _, c := range []struct {
		what   string
		page   PDFPage
		r      api.Rendition
		reason api.Reason
	}{
		{"more pages than the limit", PDFPage{Pages: 6, Width: 200, Height: 100}, api.Rendition{Width: intp(100)}, api.ReasonSourceTooLarge},
		{"a page it does not have", page, api.Rendition{Width: intp(100), Page: intp(2)}, api.ReasonGeneric},
		{"page 0", page, api.Rendition{Width: intp(100), Page: intp(0)}, api.ReasonGeneric},
		{"no size", PDFPage{Pages: 1}, api.Rendition{Width: intp(100)}, api.ReasonSourceCorrupt},
		{"larger than the pixel limit", page, api.Rendition{Width: intp(2000)}, api.ReasonSourceTooLarge},
	} {
		_, err := e.DrawPDF(context.Background(), src, c.page, c.r, t.TempDir())
		if api.ReasonOf(err) != c.reason {
			t.Errorf("%s: %v, want %s", c.what, err, c.reason)
		}
	}
	// Not a PDF Ghostscript can read: SourceCorrupt (the caller hands it
	// to the PDF path).
	bad := write(t, dir, "bad.ai", []byte("%PDF-1.6\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"))
	if _, err := e.DrawPDF(context.Background(), bad, page, api.Rendition{Width: intp(100)}, t.TempDir()); api.ReasonOf(err) != api.ReasonSourceCorrupt {
		t.Errorf("damaged PDF: %v, want SourceCorrupt", err)
	}
}
