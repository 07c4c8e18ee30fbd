// Package report writes contact sheets: one self-contained HTML page that
// shows the sources of a batch and their renditions side by side, with
// the previews inline as data: URIs, each rendition's size, dimensions
// and step timings, and the reason and message of each failure.
//
// The page refers to nothing outside itself: its Content-Security-Policy
// allows no fetch but data: images and its own style sheet (by hash), it
// has no script, and it stays readable when moved or mailed. Large
// renditions are shown as small previews made by a PreviewFunc (package
// image's engine through ImagePreviews), so the page stays small; the
// renditions that are not images are shown as an excerpt of their text
// and a relative link to the file.
package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Source is one source of a batch and the outcome of each of its
// renditions.
type Source struct {
	// Name is the source as the user knows it (its file name).
	Name string
	// Path is the source file, for its preview and size; "" for none.
	Path string
	// Renditions are the source's renditions, in profile order.
	Renditions []Rendition
}

// Rendition is the outcome of one rendition.
type Rendition struct {
	// Result is the worker's result: status, reason and message,
	// metadata (repo:size, dc:format, tiff:imageWidth, ...) and timings.
	Result api.RenditionResult
	// Path is the rendition's file, when it was created; "" for none.
	Path string
}

// PreviewFunc makes the preview of the image file at path: an image at
// most maxSide pixels wide and high that a browser shows (JPEG, PNG, GIF
// or WebP), as its bytes and media type. Its error says why there is no
// preview (a file that is not an image, a corrupt one).
type PreviewFunc func(ctx context.Context, path string, maxSide int) (data []byte, mimeType string, err error)

// Options configure Write.
type Options struct {
	// Title is the page's title; default "Contact sheet".
	Title string
	// Preview makes the previews of sources and of renditions that
	// cannot be inlined as they are; nil shows only those that can.
	Preview PreviewFunc
	// PreviewSide is the longest side of a preview, in pixels; default 200.
	PreviewSide int
	// InlineBytes is the size up to which a rendition a browser shows
	// (JPEG, PNG, GIF, WebP) no larger than twice PreviewSide is inlined
	// as it is rather than previewed; default 16 KiB.
	InlineBytes int64
	// ExcerptBytes is how much of a text or JSON rendition is shown;
	// default 600.
	ExcerptBytes int
	// LinkBase is the directory the page will be in: the renditions are
	// linked relative to it. "" for no links.
	LinkBase string
	// Parallelism bounds how many previews are made at once; default
	// runtime.GOMAXPROCS(0).
	Parallelism int
	// Now returns the time the page says it was made; default time.Now.
	Now func() time.Time
}

func (o *Options) applyDefaults() {
	if o.Title == "" {
		o.Title = "Contact sheet"
	}
	if o.PreviewSide <= 0 {
		o.PreviewSide = 200
	}
	if o.InlineBytes <= 0 {
		o.InlineBytes = 16 << 10
	}
	if o.ExcerptBytes <= 0 {
		o.ExcerptBytes = 600
	}
	if o.Parallelism <= 0 {
		o.Parallelism = runtime.GOMAXPROCS(0)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// StepOrder is the order the timings of a rendition are shown in; other
// steps follow, sorted.
var StepOrder = []string{"fetch", "wait", "decode", "render", "encode", "upload", "total"}

// browserImages are the media types a browser shows in an img element
// and a rendition of which may be inlined as it is.
var browserImages = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// WriteFile writes the page to path, through a temporary file renamed
// into place, so path only ever holds a whole page.
func WriteFile(ctx context.Context, path string, sources []Source, opts Options) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := Write(ctx, tmp, sources, opts); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// Write writes the contact sheet of sources to w.
func Write(ctx context.Context, w io.Writer, sources []Source, opts Options) error {
	opts.applyDefaults()
	page := page{Title: opts.Title, Generated: opts.Now().UTC().Format("2006-01-02 15:04:05 UTC"), CSP: csp}
	type job struct {
		path, mime string
		inline     bool
		out        *preview
	}
	var jobs []job
	for i, s := range sources {
		ps := pageSource{Index: i + 1, Name: s.Name, Preview: &preview{}}
		if s.Path != "" {
			if fi, err := os.Stat(s.Path); err == nil {
				ps.Bytes = fi.Size()
			}
			jobs = append(jobs, job{path: s.Path, out: ps.Preview})
		} else {
			ps.Preview.Missing = "no source file"
		}
		for _, r := range s.Renditions {
			pr := opts.rendition(r)
			if pr.Created {
				page.Created++
				if pr.Preview != nil {
					jobs = append(jobs, job{path: r.Path, mime: pr.Format, inline: pr.inlinable, out: pr.Preview})
				}
			} else {
				page.Failed++
			}
			ps.Renditions = append(ps.Renditions, pr)
		}
		page.Sources = append(page.Sources, ps)
	}

	sem := make(chan struct{}, opts.Parallelism)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			*j.out = opts.preview(ctx, j.path, j.mime, j.inline)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// rendition describes r for the page, but for its preview, which is
// made later.
func (o *Options) rendition(r Rendition) pageRendition {
	res := r.Result
	pr := pageRendition{Name: res.Name, Created: res.Created(), Reason: string(res.Reason), Message: res.Message}
	if !pr.Created && pr.Reason == "" {
		pr.Reason = string(api.ReasonGeneric)
	}
	if v, ok := res.Metadata[api.MetadataFormat].(string); ok {
		pr.Format = v
	}
	pr.Bytes = intOf(res.Metadata[api.MetadataSize])
	pr.Width, pr.Height = intOf(res.Metadata[api.MetadataWidth]), intOf(res.Metadata[api.MetadataHeight])
	pr.Timings = timings(res.Timings)
	if !pr.Created || r.Path == "" {
		return pr
	}
	if o.LinkBase != "" {
		if rel, err := filepath.Rel(o.LinkBase, r.Path); err == nil {
			pr.Link = relativeLink(rel)
		}
	}
	switch {
	case strings.HasPrefix(pr.Format, "image/"):
		pr.Preview = &preview{}
		pr.inlinable = browserImages[pr.Format] && pr.Bytes > 0 && pr.Bytes <= o.InlineBytes &&
			pr.Width > 0 && pr.Width <= int64(2*o.PreviewSide) && pr.Height > 0 && pr.Height <= int64(2*o.PreviewSide)
	default:
		pr.Excerpt, pr.ExcerptNote = excerpt(r.Path, o.ExcerptBytes)
	}
	return pr
}

// preview makes the preview of the file at path: the file itself when
// inline, else one made by o.Preview.
func (o *Options) preview(ctx context.Context, path, mimeType string, inline bool) preview {
	if inline {
		data, err := os.ReadFile(path)
		if err == nil {
			return preview{Src: dataURI(mimeType, data)}
		}
	}
	if o.Preview == nil {
		return preview{Missing: "no preview"}
	}
	data, mt, err := o.Preview(ctx, path, o.PreviewSide)
	if err != nil {
		return preview{Missing: "no preview: " + api.MessageOf(err)}
	}
	if !browserImages[mt] {
		return preview{Missing: "no preview: " + mt + " is not an image a browser shows"}
	}
	return preview{Src: dataURI(mt, data)}
}

// dataURI returns data as a data: URI of an image media type, which the
// template lets into an img element's src.
func dataURI(mimeType string, data []byte) template.URL {
	// Only the media types of browserImages get here: a fixed set of
	// strings, and base64 has no character that ends an attribute.
	return template.URL("data:" + mimeType + ";base64," + base64.StdEncoding.EncodeToString(data))
}

// relativeLink returns rel, a relative file path, as a relative URL: its
// elements escaped, and a first element with a colon, which would read as
// a scheme, behind "./".
func relativeLink(rel string) template.URL {
	u := &url.URL{Path: filepath.ToSlash(rel)}
	s := u.EscapedPath()
	if first, _, _ := strings.Cut(s, "/"); strings.Contains(first, ":") {
		s = "./" + s
	}
	return template.URL(s)
}

// excerpt returns the start of the text file at path, at most n bytes cut
// at a character boundary, and a note on what was left out; a file that
// is not text has no excerpt, only the note.
func excerpt(path string, n int) (string, string) {
	f, err := os.Open(path)
	if err != nil {
		return "", "cannot be read"
	}
	defer f.Close()
	buf := make([]byte, n+utf8.UTFMax)
	k, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", "cannot be read"
	}
	buf = buf[:k]
	more := k > n
	if more {
		buf = buf[:n]
		for len(buf) > 0 && !utf8.Valid(buf) {
			buf = buf[:len(buf)-1]
		}
	}
	if !utf8.Valid(buf) || bytes.IndexByte(buf, 0) >= 0 {
		return "", "binary file"
	}
	note := ""
	if more {
		note = fmt.Sprintf("first %d bytes", len(buf))
	}
	return string(buf), note
}

// timings returns the steps of m in StepOrder, then the others sorted.
func timings(m map[string]float64) []step {
	if len(m) == 0 {
		return nil
	}
	out := make([]step, 0, len(m))
	for _, k := range StepOrder {
		if v, ok := m[k]; ok {
			out = append(out, step{k, v})
		}
	}
	var rest []string
	for k := range m {
		known := false
		for _, s := range StepOrder {
			known = known || s == k
		}
		if !known {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, step{k, m[k]})
	}
	return out
}

// intOf reads a JSON number of a metadata map, which may have been
// decoded as float64 or be any integer type.
func intOf(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	case int32:
		return int64(n)
	case float64:
		return int64(n)
	case interface{ Int64() (int64, error) }: // json.Number
		i, _ := n.Int64()
		return i
	}
	return 0
}

// page is what the template shows.
type page struct {
	Title, Generated string
	CSP              string
	Created, Failed  int
	Sources          []pageSource
}

type pageSource struct {
	Index      int
	Name       string
	Bytes      int64
	Preview    *preview
	Renditions []pageRendition
}

type pageRendition struct {
	Name, Format    string
	Created         bool
	Reason, Message string
	Bytes           int64
	Width, Height   int64
	Timings         []step
	Preview         *preview // nil for a rendition that is not an image
	Excerpt         string
	ExcerptNote     string
	Link            template.URL
	inlinable       bool
}

type preview struct {
	Src     template.URL
	Missing string
}

type step struct {
	Name string
	MS   float64
}

// csp is the page's Content-Security-Policy: nothing is fetched but data:
// images, and the only style is the page's own sheet, named by its hash.
var csp = func() string {
	sum := sha256.Sum256([]byte(styleSheet))
	return "default-src 'none'; img-src data:; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; base-uri 'none'; form-action 'none'"
}()

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"bytes": humanBytes,
	"ms":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"css":   func() template.CSS { return template.CSS(styleSheet) },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
}).Parse(pageHTML))

// humanBytes writes n as bytes, KiB or MiB.
func humanBytes(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}
