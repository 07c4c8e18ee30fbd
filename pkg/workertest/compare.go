package workertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif" // decoders for comparing image outputs
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// DefaultMinPSNR is the default image similarity threshold: the peak
// signal-to-noise ratio, in dB, between the expected and the actual image
// after both are reduced to at most compareSize pixels on a side. Two
// encodings of the same picture by different library versions score well
// above 35; a different crop, orientation or colour scores below 20.
const DefaultMinPSNR = 30

// compareSize is the long side images are reduced to before comparing.
const compareSize = 64

// DefaultIgnoreKeys are JSON keys (and XMP properties) whose values change
// from run to run or with library versions, ignored when comparing
// outputs and metadata. Entries are path.Match patterns over key names.
// Dates read from the source (xmp:CreateDate, exif:DateTimeOriginal, ...)
// are compared: only the time the metadata was written is volatile. A
// worker that stamps other run-dependent values names them in a case's
// case.json ("ignoreKeys") or with -ignore-keys.
var DefaultIgnoreKeys = []string{
	api.MetadataSHA1, api.MetadataSize, "*:MetadataDate", "xmpMM:InstanceID",
	"*:CreatorTool", "xmp:*Tool",
}

// imageExts are the expected-output extensions compared as images.
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true, ".tif": true, ".tiff": true, ".bmp": true}

// comparer compares an actual output with the expected file.
type comparer struct {
	minPSNR float64
	ignore  []string
}

// compare compares the actual output file with the expected one, choosing
// the measure by the expected file's extension: images perceptually, JSON
// structurally, XMP/XML and text after whitespace normalisation. It
// returns "" when they match, else what differs.
func (c comparer) compare(expected, actual string) (string, error) {
	if sameBytes(expected, actual) {
		// What aio's diff accepts, even a file no measure can read.
		return "", nil
	}
	ext := strings.ToLower(filepath.Ext(expected))
	switch {
	case imageExts[ext]:
		return c.images(expected, actual)
	case ext == ".json":
		return c.jsonFiles(expected, actual)
	case ext == ".xmp" || ext == ".xml":
		return c.texts(expected, actual, true)
	default:
		return c.texts(expected, actual, false)
	}
}

// images compares two images: same dimensions, PSNR at least minPSNR.
func (c comparer) images(expected, actual string) (string, error) {
	want, err := decodeImage(expected)
	if err != nil {
		return "", fmt.Errorf("expected output: %w", err)
	}
	got, err := decodeImage(actual)
	if err != nil {
		return fmt.Sprintf("the output is not a decodable image: %v", err), nil
	}
	wb, gb := want.Bounds(), got.Bounds()
	if wb.Dx() != gb.Dx() || wb.Dy() != gb.Dy() {
		return fmt.Sprintf("dimensions differ: expected %dx%d, got %dx%d", wb.Dx(), wb.Dy(), gb.Dx(), gb.Dy()), nil
	}
	psnr := PSNR(want, got)
	if psnr < c.minPSNR {
		return fmt.Sprintf("images differ: PSNR %.1f dB, below the threshold of %.1f dB", psnr, c.minPSNR), nil
	}
	return "", nil
}

// decodeImage decodes the first frame of an image file.
func decodeImage(file string) (image.Image, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("cannot decode %s (compare png, jpg, gif, webp, tiff or bmp outputs): %w", filepath.Base(file), err)
	}
	return img, nil
}

// PSNR returns the peak signal-to-noise ratio in dB between a and b after
// both are reduced by area averaging to at most 64 pixels on a side and
// composed over mid grey; +Inf when they are identical at that size. a and
// b must have the same dimensions.
func PSNR(a, b image.Image) float64 {
	sa, sb := reduce(a), reduce(b)
	var sum float64
	for i := range sa {
		d := sa[i] - sb[i]
		sum += d * d
	}
	mse := sum / float64(len(sa))
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// reduce averages img into a grid of at most compareSize cells on the long
// side and returns the RGB values of the cells over mid grey.
func reduce(img image.Image) []float64 {
	bnd := img.Bounds()
	w, h := bnd.Dx(), bnd.Dy()
	gw, gh := w, h
	if long := max(w, h); long > compareSize {
		gw = max(1, w*compareSize/long)
		gh = max(1, h*compareSize/long)
	}
	sums := make([]float64, gw*gh*3)
	counts := make([]float64, gw*gh)
	for y := 0; y < h; y++ {
		cy := y * gh / h
		for x := 0; x < w; x++ {
			cx := x * gw / w
			r, g, b, a := img.At(bnd.Min.X+x, bnd.Min.Y+y).RGBA()
			// Premultiplied values over grey: c + (1-a)*grey.
			grey := float64(0xffff-a) * 0.5
			k := cy*gw + cx
			sums[3*k] += (float64(r) + grey) / 257
			sums[3*k+1] += (float64(g) + grey) / 257
			sums[3*k+2] += (float64(b) + grey) / 257
			counts[k]++
		}
	}
	for k, n := range counts {
		for ch := 0; ch < 3; ch++ {
			sums[3*k+ch] /= n
		}
	}
	return sums
}

// jsonFiles compares two JSON files structurally.
func (c comparer) jsonFiles(expected, actual string) (string, error) {
	var want, got any
	b, err := os.ReadFile(expected)
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(b, &want); err != nil {
		return "", fmt.Errorf("expected output %s is not JSON: %w", filepath.Base(expected), err)
	}
	if b, err = os.ReadFile(actual); err != nil {
		return "", err
	}
	if err := json.Unmarshal(b, &got); err != nil {
		return fmt.Sprintf("the output is not JSON: %v", err), nil
	}
	if diffs := c.diffJSON("$", want, got, false); len(diffs) > 0 {
		return "JSON differs:\n  " + strings.Join(limit(diffs, 20), "\n  "), nil
	}
	return "", nil
}

// diffJSON lists the differences between want and got. With subset, keys
// of got that want lacks are allowed. Ignored keys are skipped everywhere.
func (c comparer) diffJSON(at string, want, got any, subset bool) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: expected an object, got %s", at, brief(got))}
		}
		var diffs []string
		for _, k := range sortedKeys(w) {
			if c.ignored(k) {
				continue
			}
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing (expected %s)", at, k, brief(w[k])))
				continue
			}
			diffs = append(diffs, c.diffJSON(at+"."+k, w[k], gv, subset)...)
		}
		if !subset {
			for _, k := range sortedKeys(g) {
				if _, ok := w[k]; !ok && !c.ignored(k) {
					diffs = append(diffs, fmt.Sprintf("%s.%s: unexpected (got %s)", at, k, brief(g[k])))
				}
			}
		}
		return diffs
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: expected an array, got %s", at, brief(got))}
		}
		if len(g) != len(w) {
			return []string{fmt.Sprintf("%s: expected %d elements, got %d", at, len(w), len(g))}
		}
		var diffs []string
		for i := range w {
			diffs = append(diffs, c.diffJSON(fmt.Sprintf("%s[%d]", at, i), w[i], g[i], subset)...)
		}
		return diffs
	case float64:
		if g, ok := got.(float64); ok && math.Abs(g-w) <= 1e-6*math.Max(1, math.Abs(w)) {
			return nil
		}
	default:
		if fmt.Sprint(want) == fmt.Sprint(got) && fmt.Sprintf("%T", want) == fmt.Sprintf("%T", got) {
			return nil
		}
	}
	return []string{fmt.Sprintf("%s: expected %s, got %s", at, brief(want), brief(got))}
}

// ignored reports whether key matches an ignore pattern.
func (c comparer) ignored(key string) bool {
	for _, p := range c.ignore {
		if ok, _ := path.Match(p, key); ok {
			return true
		}
	}
	return false
}

// texts compares two text files after whitespace normalisation; for XMP,
// ignored properties (elements and attributes) and the white space between
// tags are removed too.
func (c comparer) texts(expected, actual string, xmp bool) (string, error) {
	wb, err := os.ReadFile(expected)
	if err != nil {
		return "", err
	}
	gb, err := os.ReadFile(actual)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(wb) || !utf8.Valid(gb) {
		if bytes.Equal(wb, gb) {
			return "", nil
		}
		return "binary outputs differ (give binary expected outputs an image extension, or compare text)", nil
	}
	want, got := string(wb), string(gb)
	want, got = normalizeSpace(want), normalizeSpace(got)
	if xmp {
		want, got = c.stripXMP(want), c.stripXMP(got)
		want, got = betweenTags.ReplaceAllString(want, "><"), betweenTags.ReplaceAllString(got, "><")
	}
	if want == got {
		return "", nil
	}
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	return fmt.Sprintf("text differs at character %d: expected %q, got %q", i, excerpt(want, i), excerpt(got, i)), nil
}

var (
	spaces      = regexp.MustCompile(`\s+`)
	betweenTags = regexp.MustCompile(`>\s+<`)
)

// normalizeSpace collapses every run of white space to one space and trims
// the ends.
func normalizeSpace(s string) string {
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

// stripXMP removes the ignored properties from an XMP packet, as elements
// (<ns:Key>...</ns:Key>, <ns:Key/>) and as attributes (ns:Key="...").
func (c comparer) stripXMP(s string) string {
	var out strings.Builder
	for {
		loc := xmpOpenTag.FindStringSubmatchIndex(s)
		if loc == nil {
			out.WriteString(s)
			break
		}
		name := s[loc[2]:loc[3]]
		if !c.ignored(name) {
			out.WriteString(s[:loc[1]])
			s = s[loc[1]:]
			continue
		}
		out.WriteString(s[:loc[0]])
		if strings.HasSuffix(s[loc[0]:loc[1]], "/>") {
			s = s[loc[1]:]
			continue
		}
		closing := "</" + name + ">"
		if j := strings.Index(s[loc[1]:], closing); j >= 0 {
			s = s[loc[1]+j+len(closing):]
		} else {
			s = s[loc[1]:]
		}
	}
	return xmpAttr.ReplaceAllStringFunc(out.String(), func(m string) string {
		if c.ignored(xmpAttr.FindStringSubmatch(m)[1]) {
			return ""
		}
		return m
	})
}

var (
	xmpOpenTag = regexp.MustCompile(`<([A-Za-z][\w.-]*:[\w.-]+)(?:\s[^>]*)?/?>`)
	xmpAttr    = regexp.MustCompile(`\s([A-Za-z][\w.-]*:[\w.-]+)="[^"]*"`)
)

func excerpt(s string, i int) string {
	from := max(0, i-20)
	to := min(len(s), i+40)
	return s[from:to]
}

func brief(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func limit(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("... and %d more", len(s)-n))
}

// sameBytes reports whether two files can be read and are identical.
func sameBytes(a, b string) bool {
	x, err := os.ReadFile(a)
	if err != nil {
		return false
	}
	y, err := os.ReadFile(b)
	return err == nil && bytes.Equal(x, y)
}
