package devtool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// sourceFile is a source the page can run requests on.
type sourceFile struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	MimeType string `json:"mimetype"`
	// Origin is "upload", "url" or "sample"; URL is the fetched URL.
	Origin string `json:"origin"`
	URL    string `json:"url,omitempty"`
	path   string
}

// fetchTimeout bounds fetching a URL source.
const fetchTimeout = 2 * time.Minute

// upload stores the request body as a new source, named by the query
// parameter name. A body over the upload cap is refused with 413 and
// nothing is kept.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > h.opts.MaxUploadBytes {
		apiError(w, http.StatusRequestEntityTooLarge, "too-large", h.tooLarge(r.ContentLength))
		return
	}
	name := safeName(r.URL.Query().Get("name"), "upload")
	dir, id, err := h.newSourceDir()
	if err != nil {
		apiError(w, http.StatusInternalServerError, "store", err.Error())
		return
	}
	p := filepath.Join(dir, name)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "store", "cannot store the upload")
		return
	}
	n, err := io.Copy(f, http.MaxBytesReader(w, r.Body, h.opts.MaxUploadBytes))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			apiError(w, http.StatusRequestEntityTooLarge, "too-large", h.tooLarge(-1))
			return
		}
		apiError(w, http.StatusBadRequest, "upload", "the upload did not arrive whole")
		return
	}
	h.addSource(w, &sourceFile{ID: id, Name: name, Size: n, Origin: "upload", path: p})
}

// tooLarge is the message of an upload over the cap.
func (h *Handler) tooLarge(size int64) string {
	if size >= 0 {
		return fmt.Sprintf("the file is %d bytes, more than the upload limit of %d bytes", size, h.opts.MaxUploadBytes)
	}
	return fmt.Sprintf("the file is larger than the upload limit of %d bytes", h.opts.MaxUploadBytes)
}

// fetchURL fetches {"url": ...} through package transfer, with its address
// guard unless Options.AllowPrivate, as a new source.
func (h *Handler) fetchURL(w http.ResponseWriter, r *http.Request) {
	var body struct {
		URL string `json:"url"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	u, err := url.Parse(strings.TrimSpace(body.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		apiError(w, http.StatusBadRequest, "url", "give an http:// or https:// URL")
		return
	}
	dir, id, err := h.newSourceDir()
	if err != nil {
		apiError(w, http.StatusInternalServerError, "store", err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), fetchTimeout)
	defer cancel()
	got, err := h.fetcher.Fetch(ctx, api.Source{URL: u.String()}, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		msg := api.MessageOf(err)
		if !h.opts.AllowPrivate && strings.Contains(msg, "not a public address") {
			msg += "; local mode (acs devtool -local) lets URL sources reach this machine and private networks"
		}
		writeJSON(w, http.StatusBadRequest, apiProblem{Error: "fetch", Reason: string(api.ReasonOf(err)), Message: msg})
		return
	}
	name := safeName(path.Base(u.Path), "source")
	p := filepath.Join(dir, name)
	if err := os.Rename(got.Path, p); err != nil {
		_ = os.RemoveAll(dir)
		apiError(w, http.StatusInternalServerError, "store", "cannot store the fetched source")
		return
	}
	h.addSource(w, &sourceFile{ID: id, Name: name, Size: got.Size, MimeType: got.ContentType, Origin: "url", URL: api.RedactURL(u.String()), path: p})
}

// useSample selects the bundled sample {"name": ...}.
func (h *Handler) useSample(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	h.mu.Lock()
	s, ok := h.srcs["sample-"+body.Name]
	h.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, "sample", "no such sample")
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// listSamples lists the bundled samples.
func (h *Handler) listSamples(w http.ResponseWriter, r *http.Request) {
	var list []*sourceFile
	for _, s := range samples {
		h.mu.Lock()
		if f, ok := h.srcs["sample-"+s.name]; ok {
			list = append(list, f)
		}
		h.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, list)
}

// sourceFile serves a source's bytes, for its preview.
func (h *Handler) sourceFile(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	s, ok := h.srcs[r.PathValue("id")]
	h.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, "source", "no such source")
		return
	}
	serveOutput(w, r, s.path, s.Name, r.URL.Query().Has("download"))
}

// newSourceDir makes the directory of a new source.
func (h *Handler) newSourceDir() (dir, id string, err error) {
	h.mu.Lock()
	h.seq++
	id = fmt.Sprintf("s%d", h.seq)
	h.mu.Unlock()
	dir = filepath.Join(h.sources, id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("cannot store the source: %w", err)
	}
	return dir, id, nil
}

// addSource registers s and answers it.
func (h *Handler) addSource(w http.ResponseWriter, s *sourceFile) {
	if s.MimeType == "" {
		s.MimeType = sniff(s.path)
	}
	h.mu.Lock()
	h.srcs[s.ID] = s
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, s)
}

// sniff returns the media type of the file at p from its first bytes.
func sniff(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	var b [512]byte
	n, _ := io.ReadFull(f, b[:])
	return http.DetectContentType(b[:n])
}

// safeName returns the base of name with every character but letters,
// digits, '.', '-' and '_' replaced, at most 100 bytes, or def.
func safeName(name, def string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if len(s) > 100 {
		s = s[len(s)-100:]
	}
	if s == "" || s == "_" {
		return def
	}
	return s
}

// readJSON decodes a small JSON body into v, answering the error when it
// cannot.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err := dec.Decode(v); err != nil {
		apiError(w, http.StatusBadRequest, "json", "the body is not the JSON expected: "+err.Error())
		return false
	}
	return true
}
