package format_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/format"
)

// imageMagick returns ImageMagick's convert: the versioned Debian name
// first, since a plain "convert" on PATH may be something else.
func imageMagick(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"convert-im6.q16", "magick"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return testutil.NeedTool(t, "convert-im6.q16")
}

// TestSniffRasterMadeByImageMagick writes one file of each long-tail
// raster format with ImageMagick and sniffs it: with its usual name, and
// without a name where the format has magic bytes.
func TestSniffRasterMadeByImageMagick(t *testing.T) {
	im := imageMagick(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src.png")
	if out, err := exec.Command(im, "-size", "40x30", "xc:#ff0000", src).CombinedOutput(); err != nil {
		t.Fatalf("convert: %v\n%s", err, out)
	}
	for _, c := range []struct {
		coder, ext, want string
		magic            bool // told without a name
	}{
		{"ppm", ".ppm", "ppm", true}, {"pgm", ".pgm", "pgm", true}, {"pbm", ".pbm", "pbm", true},
		{"pam", ".pam", "pam", true}, {"pfm", ".pfm", "pfm", true}, {"sgi", ".sgi", "sgi", true},
		{"sgi", ".rgb", "sgi", true}, {"tga", ".tga", "tga", false}, {"ico", ".ico", "ico", true},
		{"cur", ".cur", "cur", true}, {"pcx", ".pcx", "pcx", false}, {"hdr", ".hdr", "hdr", true},
		{"exr", ".exr", "exr", true}, {"dds", ".dds", "dds", true}, {"pict", ".pct", "pict", false},
	} {
		t.Run(c.coder+c.ext, func(t *testing.T) {
			p := filepath.Join(dir, "x"+c.ext)
			if out, err := exec.Command(im, src, c.coder+":"+p).CombinedOutput(); err != nil {
				t.Fatalf("convert: %v\n%s", err, out)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "cur" {
				data[2] = 2 // ImageMagick 6 writes cursors as icons
			}
			head := data[:min(len(data), format.SniffLen)]
			f := format.Sniff(head, "x"+c.ext)
			if f.Name != c.want || f.Family != format.FamilyImage || !f.Reads(format.ImageRead) {
				t.Fatalf("Sniff = %s (%s), want %s", f, f.Family, c.want)
			}
			if got := format.Sniff(head, "x.bin").Name; c.magic && got != c.want {
				t.Errorf("without its extension: Sniff = %q, want %q", got, c.want)
			}
		})
	}
}

// TestSniffRasterWeakMagic checks that the formats with weak magic bytes
// are not claimed by content that only starts like them.
func TestSniffRasterWeakMagic(t *testing.T) {
	for _, c := range []struct{ name, head, file, notWant string }{
		{"text starting with P1", "P1 is the first item of the plan\n", "plan.txt", "pbm"},
		{"text starting with P6 named ppm", "P6 x y\n", "a.ppm", "ppm"},
		{"CSV whose first line looks like a PBM header", "P1 2 3\nP2 4 5\n", "points.csv", "pbm"},
		{"text whose first line looks like a PFM header", "Pf 3 4 5.0\n", "notes.txt", "pfm"},
		{"zeros named tga", string(make([]byte, 64)), "a.tga", "tga"},
		{"JPEG named tga", "\xff\xd8\xff\xe0\x00\x10JFIF\x00", "a.tga", "tga"},
		{"icon directory pointing nowhere", "\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00", "", "ico"},
		{"SGI magic, nonsense header", "\x01\xDA\x07\x09" + string(make([]byte, 508)), "", "sgi"},
		{"PCX byte without the name", "\x0A\x05\x01\x08" + string(make([]byte, 124)), "a.bin", "pcx"},
	} {
		if got := format.Sniff([]byte(c.head), c.file).Name; got == c.notWant {
			t.Errorf("%s: Sniff = %q", c.name, got)
		}
	}
	// An InDesign document and template share their magic; the name tells.
	guid := "\x06\x06\xED\xF5\xD8\x1D\x46\xE5\xBD\x31\xEF\xE7\xFE\x74\xB7\x1DDOCUMENT"
	if got := format.Sniff([]byte(guid), "a.indd").Name; got != "indd" {
		t.Errorf("INDD: Sniff = %q", got)
	}
	if got := format.Sniff([]byte(guid), "").Name; got != "indd" {
		t.Errorf("INDD without a name: Sniff = %q", got)
	}
	if got := format.Sniff([]byte(guid), "a.indt").Name; got != "indt" {
		t.Errorf("INDT: Sniff = %q", got)
	}
}
