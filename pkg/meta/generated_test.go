package meta

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, name))
	require.NoError(t, err)
	return data
}

// TestGenerated checks each reader on files tagged by exiftool in the test
// setup (see internal/testgen), including non-ASCII text, GPS in every
// hemisphere, IPTC charsets and conflicting values across EXIF, IPTC, XMP.
func TestGenerated(t *testing.T) {
	dir := generated(t)
	long := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 1400)
	for _, tc := range []struct {
		file string
		want map[string]any
	}{
		{"full.jpg", map[string]any{
			"tiff:Make": "Canon", "tiff:Model": "Canon EOS 5D Mark IV", "exifEX:LensModel": "EF24-70mm f/2.8L II USM",
			"exif:DateTimeOriginal": "2021-06-15T10:20:30.25+02:00", "xmp:ModifyDate": "2021-06-16T08:00:00",
			"exif:GPSLatitude": 48.85837, "exif:GPSLongitude": 2.294481, "exif:GPSAltitude": 35.5,
			"tiff:Orientation": 6.0, "exif:ExposureTime": 0.004, "exif:FNumber": 2.8, "exif:ISOSpeedRatings": []any{400.0},
			"exif:FocalLength": 50.0, "dc:creator": []any{"Jörg Müller"}, "dc:rights": "© 2021 Jörg Müller",
			"dc:title": "Tour Eiffel à Paris", "dc:description": "Ünïcödé déscription — 日本語のテキスト",
			"dc:subject": []any{"Paris", "Eiffel", "Été"}, "photoshop:City": "Paris", "photoshop:Country": "France",
			"xmp:Rating": 4.0, "tiff:ImageWidth": 32.0, "tiff:ImageLength": 24.0}},
		{"south-west.jpg", map[string]any{
			"exif:GPSLatitude": -33.8688, "exif:GPSLongitude": -70.6693, "exif:GPSAltitude": -10.25,
			"exif:GPSAltitudeRef": 1.0, "tiff:Orientation": 3.0, "exif:ExposureTime": 0.000125}},
		{"iptc-utf8.jpg", map[string]any{
			"dc:title": "Ελληνικά και русский", "dc:creator": []any{"Zoë Ångström"}, "dc:subject": []any{"naïve", "café", "日本"},
			"photoshop:City": "Zürich", "photoshop:Country": "Schweiz", "dc:rights": "© Zoë",
			"dc:description": "Ein Bild über Zürich", "photoshop:DateCreated": "2020-02-29T12:34:56+01:00"}},
		{"iptc-latin1.jpg", map[string]any{
			"dc:title": "Café crème", "dc:creator": []any{"François"}, "dc:subject": []any{"élève", "Noël"},
			"photoshop:City": "München", "photoshop:Country": "Österreich"}},
		{"conflict.jpg", map[string]any{
			"dc:description": "XMP description", "dc:title": "XMP title", "dc:creator": []any{"IPTC creator"},
			"dc:subject": []any{"iptc-only"}, "photoshop:City": "XMP city"}},
		{"windows-tags.jpg", map[string]any{
			"dc:title": "Titre Windows", "dc:creator": []any{"Ana", "Bo"}, "dc:subject": []any{"one", "two", "three"}, "xmp:Rating": 3.0}},
		{"extended-xmp.jpg", map[string]any{"dc:title": "Extended", "dc:description": strings.TrimSpace(long), "xmp:Rating": 5.0}},
		{"tagged.png", map[string]any{
			"dc:title": "PNG título", "dc:creator": []any{"Łukasz"}, "dc:subject": []any{"png", "ß"}, "tiff:Make": "Google",
			"exif:DateTimeOriginal": "2023-03-04T05:06:07", "exif:GPSLatitude": -22.9519, "exif:GPSLongitude": -43.2105}},
		{"tagged.tif", map[string]any{
			"tiff:Make": "FUJIFILM", "dc:creator": []any{"Ørjan"}, "dc:subject": []any{"tiff", "Ørsted"},
			"photoshop:City": "Tromsø", "exif:FNumber": 4.0, "xmp:Rating": 2.0, "xmpTPg:NPages": 1.0, "tiff:ImageWidth": 32.0}},
		{"tagged.gif", map[string]any{"dc:title": "GIF with XMP", "dc:creator": []any{"Ann"}, "acs:FrameCount": 1.0}},
		{"tagged.psd", map[string]any{"dc:title": "PSD title", "dc:subject": []any{"psd"}, "dc:creator": []any{"PSD creator"},
			"photoshop:Country": "Italia", "tiff:ImageWidth": 32.0, "photoshop:ColorMode": 3.0}},
		{"tagged.pdf", map[string]any{"dc:title": "Rapport annuel été", "dc:creator": []any{"Zoë Ångström"},
			"dc:description": "Un résumé", "xmpTPg:NPages": 3.0, "pdf:PDFVersion": "1.4"}},
		{"tagged.webp", map[string]any{"dc:title": "WebP title", "dc:creator": []any{"Wéb"}, "tiff:Make": "Sony", "acs:FrameCount": 10.0}},
		{"tagged.avif", map[string]any{"dc:title": "AVIF title", "dc:subject": []any{"avif"}, "tiff:ImageWidth": 4096.0}},
		{"report.docx", map[string]any{"dc:title": "Quarterly Report – Q3", "dc:creator": []any{"Renée Dupont"},
			"dc:subject": []any{"finance", "quarterly", "résumé"}, "xmp:CreateDate": "2024-01-02T03:04:05Z",
			"xmpTPg:NPages": 12.0, "xmp:CreatorTool": "Microsoft Office Word", "acs:WordCount": 3456.0}},
		{"notes.odt", map[string]any{"dc:title": "Notizen für Jürgen", "dc:creator": []any{"Jürgen"},
			"dc:subject": []any{"eins", "zwei"}, "xmpTPg:NPages": 4.0, "xmp:ModifyDate": "2023-06-07T08:09:10"}},
		{"book.epub", map[string]any{"dc:title": "Les Misérables", "dc:creator": []any{"Victor Hugo"}, "dc:language": []any{"fr"}}},
		{"page.html", map[string]any{"dc:title": "Grüße aus Köln", "dc:creator": []any{"Jürgen Bär"},
			"dc:subject": []any{"köln", "dom", "rhein"}, "dc:language": []any{"de"}}},
		{"mail.eml", map[string]any{"dc:title": "Rendez-vous à Paris", "dc:creator": []any{"Zoë Ångström <zoe@example.com>"},
			"xmp:CreateDate": "2024-03-05T10:11:12+01:00", "acs:To": []any{"a@example.com", "b@example.com"}}},
		{"drawing.svg", map[string]any{"dc:title": "Dessin élégant", "dc:creator": []any{"Inkscape User"}, "tiff:ImageWidth": 200.0}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if tc.file == "tagged.webp" || tc.file == "tagged.avif" {
				needCorpus(t) // made from a shared corpus file
			}
			md, err := extractFile(t, filepath.Join(dir, tc.file))
			require.NoError(t, err)
			m := md.Map()
			for k, v := range tc.want {
				if f, ok := v.(float64); ok {
					assert.InDelta(t, f, m[k], 1e-6, k)
					continue
				}
				assert.Equal(t, v, m[k], k)
			}
			assert.Empty(t, md.Warnings)
			checkOutput(t, md)
		})
	}
}

// TestAgreementWithExiftool runs the comparison of scripts/compare-exiftool.sh
// over the generated set and the shared corpus: at least 98% agreement.
func TestAgreementWithExiftool(t *testing.T) {
	dirs := []string{generated(t)}
	if _, err := os.Stat(corpusDir); err == nil {
		dirs = append(dirs, corpusDir)
	}
	var pairs []ComparePair
	for _, dir := range dirs {
		var theirs []map[string]any
		require.NoError(t, json.Unmarshal(exiftoolJSON(t, "-r", "-q", "-q", dir), &theirs))
		for _, e := range theirs {
			p := ComparePair{File: e["SourceFile"].(string), Exiftool: e}
			if md, err := extractFile(t, p.File); err == nil {
				p.Ours = md.Map()
			}
			pairs = append(pairs, p)
		}
	}
	rep := CompareCore(pairs)
	var sb strings.Builder
	rep.Write(&sb, true)
	t.Log("\n" + sb.String())
	assert.GreaterOrEqual(t, float64(rep.Agree)/float64(rep.Total), 0.98)
}

// TestXMPValidatesWithExiftool writes the xmp rendition of every generated
// and corpus file and has exiftool read it back: no warning, and the core
// values come back the same.
func TestXMPValidatesWithExiftool(t *testing.T) {
	dir := generated(t)
	out := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if _, err := os.Stat(corpusDir); err == nil {
		more, _ := filepath.Glob(filepath.Join(corpusDir, "*"))
		files = append(files, more...)
	}
	var written []string
	ours := map[string]map[string]any{}
	for _, f := range files {
		md, err := extractFile(t, f)
		if err != nil {
			continue
		}
		x, err := md.XMP()
		require.NoError(t, err)
		p := filepath.Join(out, filepath.Base(f)+".xmp")
		require.NoError(t, os.WriteFile(p, x, 0o644))
		written = append(written, p)
		ours[p] = md.Map()
	}
	args := append([]string{"-validate", "-warning", "-error", "-a", "-q", "-q"}, written...)
	var theirs []map[string]any
	require.NoError(t, json.Unmarshal(exiftoolJSON(t, args...), &theirs))
	require.Len(t, theirs, len(written))
	var pairs []ComparePair
	for _, e := range theirs {
		f := e["SourceFile"].(string)
		assert.Contains(t, []any{"OK", "0 0 0"}, e["ExifTool:Validate"], f) // "errors warnings minor" with -n
		assert.Nil(t, e["ExifTool:Warning"], f)
		assert.Nil(t, e["ExifTool:Error"], f)
		pairs = append(pairs, ComparePair{File: f, Ours: ours[f], Exiftool: e})
	}
	rep := CompareCore(pairs)
	for _, k := range rep.Keys {
		if k.Key == "width" || k.Key == "height" || k.Key == "pageCount" {
			continue // exiftool reports the pixel size of the .xmp file itself as nothing
		}
		assert.Equal(t, k.Total, k.Agree, "%s: %v", k.Key, k.Mismatch)
	}
}

var _ = exec.Command
