// Package formats checks that the engines agree on what a source is:
// image rendering, metadata extraction and text extraction all tell
// formats through the registry of package format, so they name the same
// format for every file of the shared corpus and of the repository's test
// fixtures, and give the reasons of the contract's table for sources they
// do not read.
package formats

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/meta"
	"github.com/assetcompute/assetcompute/pkg/text"
)

// repoRoot is the repository's root seen from this package.
const repoRoot = "../.."

// sources returns every file of the shared corpus (skipped without it,
// a failure when the environment variable CI is set) and every source
// fixture of the repository's tests: the worker test cases and the
// testdata of the metadata and text packages, fuzz corpora aside.
func sources(t *testing.T) []string {
	t.Helper()
	var paths []string
	cases, err := filepath.Glob(filepath.Join(repoRoot, "test", "cases", "*", "*", "file.*"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, cases...)
	walk := func(dir string) {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && d.Name() == "fuzz":
				return fs.SkipDir
			case !d.IsDir():
				paths = append(paths, p)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walking %s: %v", dir, err)
		}
	}
	walk(filepath.Join(repoRoot, "pkg", "meta", "testdata"))
	walk(filepath.Join(repoRoot, "pkg", "text", "testdata"))
	if len(cases) < 50 || len(paths) < 80 {
		t.Fatalf("found only %d test cases and %d fixtures in all", len(cases), len(paths))
	}
	corpus := filepath.Join(repoRoot, "..", "shared", "corpus")
	if _, err := os.Stat(corpus); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the shared corpus is missing at %s (CI is set, so this is a failure): %v", corpus, err)
		}
		t.Logf("the shared corpus is not at %s; checking the fixtures only", corpus)
	} else {
		walk(corpus)
	}
	sort.Strings(paths)
	return paths
}

// TestEnginesAgreeOnFormat: for every file, the image engine, metadata
// extraction and text extraction see the same format of the registry.
func TestEnginesAgreeOnFormat(t *testing.T) {
	ctx := context.Background()
	for _, p := range sources(t) {
		rel, _ := filepath.Rel(repoRoot, p)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			name := filepath.Base(p)
			img, imgErr := image.SniffFormat(p)
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			md, mdErr := meta.DetectFormat(ctx, f, st.Size(), name)
			txt, txtErr := text.DetectFormat(ctx, p, name)
			if img.Name != md.Name || md.Name != txt.Name {
				t.Errorf("the engines disagree on %s: image %s (%v), metadata %s (%v), text %s (%v)",
					rel, img, imgErr, md, mdErr, txt, txtErr)
			}
			if st.Size() == 0 {
				for engine, err := range map[string]error{"image": imgErr, "metadata": mdErr, "text": txtErr} {
					if api.ReasonOf(err) != api.ReasonSourceCorrupt {
						t.Errorf("%s of an empty file: %v, want SourceCorrupt", engine, err)
					}
				}
				return
			}
			// Each engine refuses exactly the formats the registry says it
			// does not read.
			if (imgErr == nil) != img.Reads(format.ImageRead) {
				t.Errorf("image: %s read=%v, error %v", img, img.Reads(format.ImageRead), imgErr)
			}
			if txtErr == nil && !txt.Reads(format.TextRead) {
				t.Errorf("text: %s is not read by text extraction, yet detection accepted it", txt)
			}
		})
	}
}

// outcome is what each engine makes of one source.
type outcome struct {
	image, metadata, text api.Reason // "" for success
	textMessage           string
}

// run renders, extracts the metadata of and extracts the text of the
// source data named name.
func run(t *testing.T, engine *image.Engine, name string, data []byte) outcome {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, name)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var o outcome
	r, err := api.ParseRendition([]byte(`{"fmt":"png","width":32,"name":"thumb.png","target":"s3://bucket/thumb.png"}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = engine.Render(ctx, src, r, filepath.Join(dir, "thumb.png"), image.RenderOptions{})
	o.image = reasonOrCreated(err)
	_, err = meta.Extract(ctx, bytes.NewReader(data), int64(len(data)), name, meta.Options{})
	o.metadata = reasonOrCreated(err)
	var out bytes.Buffer
	_, err = text.Extract(ctx, src, name, &out, text.Options{})
	o.text = reasonOrCreated(err)
	if err != nil {
		o.textMessage = api.MessageOf(err)
	}
	return o
}

func reasonOrCreated(err error) api.Reason {
	if err == nil {
		return ""
	}
	return api.ReasonOf(err)
}

// TestEnginesAgreeOnHostileSources covers the sources the engines used to
// disagree on: a JPEG cut after its first two bytes, a PDF whose header
// comes after junk, and JPEG XL, which only the image engine knew.
func TestEnginesAgreeOnHostileSources(t *testing.T) {
	engine, err := image.New(image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("SOI only, named .jpg", func(t *testing.T) {
		o := run(t, engine, "cut.jpg", []byte{0xFF, 0xD8})
		if o.image != api.ReasonSourceCorrupt || o.metadata != api.ReasonSourceCorrupt {
			t.Errorf("image %q, metadata %q: want SourceCorrupt from both (a truncated JPEG)", o.image, o.metadata)
		}
		if o.text != api.ReasonSourceFormatUnsupported || !strings.Contains(o.textMessage, "JPEG image") {
			t.Errorf("text %q (%s): want SourceFormatUnsupported for a JPEG image", o.text, o.textMessage)
		}
	})
	t.Run("PDF header after junk", func(t *testing.T) {
		pdf, err := os.ReadFile(filepath.Join(repoRoot, "pkg", "meta", "testdata", "pdf", "plain.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		// Junk that is not text, so that nothing reads it as a text file.
		junk := bytes.Repeat([]byte{0x01, 0xFE, 0x00, 0x7F}, 150)
		o := run(t, engine, "junk-first", append(junk, pdf...))
		if o.image != "" || o.metadata != "" || o.text != "" {
			t.Errorf("image %q, metadata %q, text %q: want every engine to read a PDF whose header is at offset %d", o.image, o.metadata, o.text, len(junk))
		}
	})
	t.Run("JPEG XL", func(t *testing.T) {
		// A bare codestream (libvips) and a container with Exif and XMP
		// boxes (exiftool): image and metadata read both, text names the
		// image.
		for _, name := range []string{"vips-copy.jxl", "exiftool-container.jxl"} {
			data, err := os.ReadFile(filepath.Join(repoRoot, "pkg", "meta", "testdata", "jxl", name))
			if err != nil {
				t.Fatal(err)
			}
			o := run(t, engine, name, data)
			if o.text != api.ReasonSourceFormatUnsupported || !strings.Contains(o.textMessage, "JPEG XL image") {
				t.Errorf("%s: text %q (%s): want SourceFormatUnsupported for a JPEG XL image", name, o.text, o.textMessage)
			}
			if o.image != "" || o.metadata != "" {
				t.Errorf("%s: image %q, metadata %q: want both to read a JPEG XL file", name, o.image, o.metadata)
			}
		}
	})
}
