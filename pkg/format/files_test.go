package format_test

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/format"
)

// repoRoot is the repository's root seen from this package.
const repoRoot = "../.."

// corpusDir is the shared sample corpus, beside the repository.
var corpusDir = filepath.Join(repoRoot, "..", "shared", "corpus")

// corpusFormats is the format of every file of the shared corpus, by its
// path inside the corpus. A file the corpus gains must be added here.
var corpusFormats = map[string]string{
	"README.md":                                   "markdown",
	"images/16-bit-grey-alpha.png":                "png",
	"images/2569067123_aca715a2ee_o.jpg":          "jpeg",
	"images/Channel_digital_image_CMYK_color.jpg": "jpeg",
	"images/Flag_of_the_Netherlands-16bit.png":    "png",
	"images/G31D_MULTI.TIF":                       "tiff",
	"images/Portrait_1.jpg":                       "jpeg",
	"images/Portrait_2.jpg":                       "jpeg",
	"images/Portrait_3.jpg":                       "jpeg",
	"images/Portrait_4.jpg":                       "jpeg",
	"images/Portrait_5.jpg":                       "jpeg",
	"images/Portrait_6.jpg":                       "jpeg",
	"images/Portrait_7.jpg":                       "jpeg",
	"images/Portrait_8.jpg":                       "jpeg",
	"images/animated-loop-3.gif":                  "gif",
	"images/animated-loop-3.webp":                 "webp",
	"images/circle.svg":                           "svg",
	"images/corrupt-header.jpg":                   "jpeg", // its header is broken, its signature is not
	"images/giant-image.jpg":                      "jpeg",
	"images/p3.png":                               "png",
	"images/pitm.avif":                            "avif",
	"images/prophoto.png":                         "png",
	"images/relax.jp2":                            "j2c", // a bare codestream named .jp2
	"images/rotating-squares.gif":                 "gif",
	"images/struct-image-04-t.svg":                "svg",
	"images/tifftag-photoshop.tiff":               "tiff",
	"images/truncated.jpg":                        "jpeg",
	"images/truncated.png":                        "png",
	"images/uncompressed_tiff.tiff":               "tiff",
	"images/with-alpha.png":                       "png",
}

// fixtureExceptions are the fixtures whose format is not the one their
// extension names, by path from the repository's root.
var fixtureExceptions = map[string]string{
	"test/cases/fulltext/empty-file/file.txt":        "", // zero bytes
	"test/cases/metadata/empty-file/file.jpg":        "", // zero bytes
	"test/cases/script-worker/empty-source/file.txt": "",
	"test/cases/metadata/random-bytes/file.bin":      "",
	"test/cases/metadata/jpeg2000-json/file.jp2":     "j2c", // a bare codestream named .jp2
	"test/cases/thumbnail/jpeg2000-to-png/file.jp2":  "j2c",
	"pkg/text/testdata/gen.sh":                       "text",
	"pkg/meta/testdata/jxl/jxltool.c":                "text", // the C source of the tool that wrote the samples
	"pkg/text/testdata/src/sample.fodp":              "xml",  // flat OpenDocument: XML
	"pkg/text/testdata/src/sample.fods":              "xml",
	"pkg/text/testdata/src/sample.fodt":              "xml",
	"test/cases/office/encrypted-docx/file.docx":     "ole", // a password-protected OOXML package is an OLE2 file
}

// sample is one file of the corpus or the fixtures and its format.
type sample struct {
	path string // as opened
	name string // as reported
	want string // the format's name; "" for Unknown
}

// corpusSamples returns the files of the shared corpus. Without the
// corpus the test is skipped, or fails when the environment variable CI
// is set.
func corpusSamples(t *testing.T) []sample {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the shared corpus is missing at %s (CI is set, so this is a failure): %v", corpusDir, err)
		}
		t.Skipf("the shared corpus is not at %s; skipping its files", corpusDir)
	}
	var out []sample
	seen := map[string]bool{}
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(corpusDir, p)
		rel = filepath.ToSlash(rel)
		want, ok := corpusFormats[rel]
		if !ok {
			// The corpus lives outside the repository and may grow: a
			// file not listed here is expected to be what its extension
			// names, and is reported so that it gets listed.
			f, known := format.ByExtension(format.Ext(rel))
			if !known {
				t.Logf("corpus file %s is not listed in corpusFormats and its extension names no format: not checked", rel)
				return nil
			}
			t.Logf("corpus file %s is not listed in corpusFormats: expecting %s from its extension", rel, f.Name)
			want = f.Name
		}
		seen[rel] = true
		out = append(out, sample{path: p, name: "corpus/" + rel, want: want})
		return nil
	})
	if err != nil {
		t.Fatalf("walking the corpus: %v", err)
	}
	for rel := range corpusFormats {
		if !seen[rel] {
			t.Logf("corpus file %s is listed in corpusFormats but missing from %s", rel, corpusDir)
		}
	}
	return out
}

// fixtureSamples returns the source files of the repository's tests: the
// worker test cases (test/cases/<action>/<case>/file.*) and the testdata
// of the metadata and text packages (fuzz corpora aside). Each is of the
// format its extension names, but for fixtureExceptions.
func fixtureSamples(t *testing.T) []sample {
	t.Helper()
	var paths []string
	cases, err := filepath.Glob(filepath.Join(repoRoot, "test", "cases", "*", "*", "file.*"))
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, cases...)
	for _, dir := range []string{"pkg/meta/testdata", "pkg/text/testdata"} {
		err := filepath.WalkDir(filepath.Join(repoRoot, dir), func(p string, d fs.DirEntry, err error) error {
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
	if len(cases) < 50 || len(paths) < 80 {
		t.Fatalf("found only %d test cases and %d fixtures in all: is the test run from pkg/format?", len(cases), len(paths))
	}
	sort.Strings(paths)
	var out []sample
	for _, p := range paths {
		rel, _ := filepath.Rel(repoRoot, p)
		rel = filepath.ToSlash(rel)
		want, ok := fixtureExceptions[rel]
		if !ok {
			f, known := format.ByFileName(rel)
			if !known {
				t.Errorf("fixture %s has an extension the registry does not know: add it to fixtureExceptions", rel)
				continue
			}
			want = f.Name
		}
		out = append(out, sample{path: p, name: rel, want: want})
	}
	return out
}

func readHead(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, format.SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		t.Fatal(err)
	}
	return head[:n]
}

// TestSniffCorpusAndFixtures sniffs every file of the shared corpus and
// every source fixture of the repository's tests.
func TestSniffCorpusAndFixtures(t *testing.T) {
	run := func(t *testing.T, samples []sample) {
		for _, s := range samples {
			t.Run(s.name, func(t *testing.T) {
				got := format.Sniff(readHead(t, s.path), filepath.Base(s.path))
				if got.Name != s.want {
					t.Errorf("Sniff(%s) = %s, want %q", s.name, got, s.want)
				}
				if got.Known() {
					if f, ok := format.ByName(got.Name); !ok || f.MIME != got.MIME {
						t.Errorf("Sniff(%s) returned %+v, not the registry's entry", s.name, got)
					}
				}
			})
		}
	}
	t.Run("fixtures", func(t *testing.T) { run(t, fixtureSamples(t)) })
	t.Run("corpus", func(t *testing.T) { run(t, corpusSamples(t)) })
}

// TestSniffCorpusIgnoresMisleadingNames: the bytes decide for formats with
// magic bytes, whatever the name says.
func TestSniffCorpusIgnoresMisleadingNames(t *testing.T) {
	for _, s := range corpusSamples(t) {
		if strings.HasSuffix(s.name, ".md") || strings.HasSuffix(s.name, ".svg") {
			continue // told by content and name together
		}
		head := readHead(t, s.path)
		for _, name := range []string{"", "asset.txt", "asset.pdf", "asset.docx"} {
			if got := format.Sniff(head, name); got.Name != s.want {
				t.Errorf("Sniff(%s named %q) = %s, want %s", s.name, name, got, s.want)
			}
		}
	}
}
