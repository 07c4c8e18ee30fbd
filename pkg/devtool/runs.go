package devtool

import (
	"context"
	"encoding/json"
	"fmt"
	goimage "image"
	_ "image/gif" // DecodeConfig of gif outputs
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/process"
)

// run is one request run and its results.
type run struct {
	ID         string          `json:"id"`
	With       string          `json:"with,omitempty"`
	Source     *sourceFile     `json:"source"`
	Request    json.RawMessage `json:"request"`
	RequestID  string          `json:"requestId"`
	Started    time.Time       `json:"started"`
	Millis     float64         `json:"millis"`
	Renditions []renditionView `json:"renditions"`
	Error      string          `json:"error,omitempty"`
	Logs       []string        `json:"logs,omitempty"`
	// State is "running" until every rendition is decided, then "done".
	State string `json:"state"`
	dir   string
	done  chan struct{} // closed when the run is done
}

// renditionView is what the page shows of one rendition.
type renditionView struct {
	Index   int                `json:"index"`
	Name    string             `json:"name"`
	Fmt     string             `json:"fmt"`
	Status  api.Status         `json:"status"`
	Reason  api.Reason         `json:"reason,omitempty"`
	Message string             `json:"message,omitempty"`
	Timings map[string]float64 `json:"timings,omitempty"`
	Event   *api.Event         `json:"event,omitempty"`
	Output  *output            `json:"output,omitempty"`
	path    string
}

// output describes a rendition's file.
type output struct {
	URL      string `json:"url"`
	Bytes    int64  `json:"bytes"`
	MimeType string `json:"mimetype"`
	// Kind is how the page shows it: image, video, json, text or binary.
	Kind    string `json:"kind"`
	Width   int    `json:"width,omitempty"`
	Height  int    `json:"height,omitempty"`
	Quality int    `json:"quality,omitempty"`
	// Chars is a text output's length in characters.
	Chars int `json:"chars,omitempty"`
}

// The states of a run.
const (
	stateRunning = "running"
	stateDone    = "done"
)

// runTimeout bounds a run: what is not made by then fails with Timeout.
const runTimeout = 10 * time.Minute

// statusRunning is the status of a rendition not decided yet.
const statusRunning api.Status = "running"

// startRun runs {"source": id, "request": "<JSON text>"} and answers the
// run with its results. The request's source is replaced by the chosen
// source and each rendition's target by a file of the run. With "async":
// true it answers at once, the run's state "running" and each rendition's
// status "running" until it is decided: GET /api/runs/{id} then shows each
// rendition as soon as it is made, and the run "done" at the end.
func (h *Handler) startRun(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Source  string `json:"source"`
		Request string `json:"request"`
		// With is "deployed" to run on Options.Deployed.
		With  string `json:"with"`
		Async bool   `json:"async"`
	}
	if !readJSON(w, r, &body) {
		return
	}
	runner := h.opts.Runner
	if body.With == "deployed" {
		if runner = h.opts.Deployed; runner == nil {
			apiError(w, http.StatusBadRequest, "with", "there are no deployed actions to run on here")
			return
		}
	}
	h.mu.Lock()
	src, ok := h.srcs[body.Source]
	h.seq++
	id := fmt.Sprintf("r%d", h.seq)
	h.mu.Unlock()
	if !ok {
		apiError(w, http.StatusBadRequest, "source", "choose a source first: upload a file, fetch a URL or pick a sample")
		return
	}
	dir := filepath.Join(h.runsDir, id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		apiError(w, http.StatusInternalServerError, "store", "cannot create the run's directory")
		return
	}
	rn := &run{ID: id, With: body.With, Source: src, Started: time.Now(), State: stateRunning, dir: dir, done: make(chan struct{})}
	raw, err := withTargets([]byte(body.Request), src, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid", "message": err.Error(), "validation": validateText(body.Request)})
		return
	}
	rn.Request = json.RawMessage(body.Request)
	if !json.Valid(rn.Request) {
		rn.Request = nil
	}
	req, err := api.DecodeRequest(raw)
	if err != nil {
		rn.Error = api.MessageOf(err)
		rn.State = stateDone
		close(rn.done)
		h.keep(rn)
		h.writeRun(w, rn)
		return
	}
	rn.RequestID = req.RequestID
	for i, rd := range req.Renditions {
		rn.Renditions = append(rn.Renditions, renditionView{Index: i, Name: rd.Name, Fmt: rd.Fmt, Status: statusRunning})
	}
	h.keep(rn)
	// The run goes on when the page's request ends (async), for at most
	// runTimeout, or until Close.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), runTimeout)
	ctx = process.WithProgress(ctx, func(i int, ev api.Event) { h.decided(rn, req, i, ev) })
	h.running.Add(1)
	go func() {
		defer h.running.Done()
		defer cancel()
		go func() {
			select {
			case <-h.closing:
				cancel()
			case <-ctx.Done():
			}
		}()
		res := runner.Run(ctx, req)
		views := h.views(id, req, res)
		var logs []string
		if h.opts.Logs != nil {
			logs = h.opts.Logs.Lines(req.RequestID)
		}
		h.mu.Lock()
		rn.Renditions = views
		rn.Logs = logs
		rn.Millis = float64(time.Since(rn.Started).Microseconds()) / 1000
		rn.State = stateDone
		h.mu.Unlock()
		close(rn.done)
	}()
	if !body.Async {
		select {
		case <-rn.done:
		case <-r.Context().Done():
			return
		}
	}
	h.writeRun(w, rn)
}

// decided shows rendition i of rn, made from req, as its event ev says,
// while the run goes on.
func (h *Handler) decided(rn *run, req *api.Request, i int, ev api.Event) {
	if i < 0 || i >= len(req.Renditions) {
		return
	}
	v := renditionView{Index: i, Name: req.Renditions[i].Name, Fmt: req.Renditions[i].Fmt, Status: api.StatusCreated,
		Reason: ev.ErrorReason, Message: ev.ErrorMessage, Timings: ev.Timings, Event: &ev}
	if ev.Type != api.EventRenditionCreated {
		v.Status = api.StatusFailed
	} else {
		v.path = req.Renditions[i].Target.URL
		if v.Output = describe(v.path, req.Renditions[i], &ev); v.Output != nil {
			v.Output.URL = fmt.Sprintf("api/runs/%s/files/%d", rn.ID, i)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if rn.State == stateRunning && i < len(rn.Renditions) {
		rn.Renditions[i] = v
	}
}

// writeRun answers rn as it is now.
func (h *Handler) writeRun(w http.ResponseWriter, rn *run) {
	h.mu.Lock()
	b, err := json.Marshal(rn)
	h.mu.Unlock()
	if err != nil {
		apiError(w, http.StatusInternalServerError, "run", "cannot encode the run")
		return
	}
	writeJSON(w, http.StatusOK, json.RawMessage(b))
}

// withTargets returns the request text with src as its source and each
// rendition's target a file under dir.
func withTargets(text []byte, src *sourceFile, dir string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(text, &m); err != nil || m == nil {
		return nil, fmt.Errorf("the request is not a JSON object")
	}
	m["source"], _ = json.Marshal(map[string]string{"url": src.path, "name": src.Name})
	var list []json.RawMessage
	if err := json.Unmarshal(m["renditions"], &list); err == nil {
		for i, item := range list {
			var rd map[string]json.RawMessage
			if json.Unmarshal(item, &rd) != nil || rd == nil {
				continue
			}
			var name string
			_ = json.Unmarshal(rd["name"], &name)
			delete(rd, "url")
			rd["target"], _ = json.Marshal(filepath.Join(dir, fmt.Sprintf("%d-%s", i, safeName(name, "rendition"))))
			list[i], _ = json.Marshal(rd)
		}
		m["renditions"], _ = json.Marshal(list)
	}
	return json.Marshal(m)
}

// views describes the renditions of a result.
func (h *Handler) views(runID string, req *api.Request, res *process.Result) []renditionView {
	out := make([]renditionView, 0, len(res.Renditions))
	for i, s := range res.Renditions {
		v := renditionView{Index: i, Name: s.Name, Fmt: s.Fmt, Status: s.Status, Reason: s.ErrorReason, Message: s.ErrorMessage}
		if i < len(res.Events) {
			ev := res.Events[i]
			v.Event, v.Timings = &ev, ev.Timings
		}
		if i < len(req.Renditions) && s.Status == api.StatusCreated {
			rd := req.Renditions[i]
			v.path = rd.Target.URL
			v.Output = describe(v.path, rd, v.Event)
			if v.Output != nil {
				v.Output.URL = fmt.Sprintf("api/runs/%s/files/%d", runID, i)
			}
		}
		out = append(out, v)
	}
	return out
}

// describe describes the output file at p of rendition rd.
func describe(p string, rd api.Rendition, ev *api.Event) *output {
	info, err := os.Stat(p)
	if err != nil || !info.Mode().IsRegular() {
		return nil
	}
	o := &output{Bytes: info.Size(), MimeType: api.FormatMimeType(rd.Fmt), Quality: api.IntOr(rd.Quality, 0)}
	fam, _ := api.FormatFamily(rd.Fmt)
	switch {
	case rd.Fmt == "text":
		o.Kind = "text"
		if b, err := os.ReadFile(p); err == nil {
			o.Chars = utf8.RuneCount(b)
		}
	case rd.Fmt == "machine-metadata-json" || rd.Fmt == "analysis":
		o.Kind = "json"
	case rd.Fmt == "xmp":
		o.Kind = "xml"
	case fam == api.FamilyVideo:
		o.Kind = "video"
	case fam == api.FamilyImage:
		o.Kind = "image"
		if ev != nil {
			o.Width, o.Height = metaInt(ev.Metadata[api.MetadataWidth]), metaInt(ev.Metadata[api.MetadataHeight])
		}
		if o.Width == 0 || o.Height == 0 {
			if f, err := os.Open(p); err == nil {
				if c, _, err := goimage.DecodeConfig(f); err == nil {
					o.Width, o.Height = c.Width, c.Height
				}
				f.Close()
			}
		}
	default:
		o.Kind = "binary"
	}
	if o.MimeType == "" {
		o.MimeType = "application/octet-stream"
	}
	return o
}

// metaInt reads an event metadata number.
func metaInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	}
	return 0
}

// keep records rn, dropping the oldest runs beyond maxRuns.
func (h *Handler) keep(rn *run) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.runs[rn.ID] = rn
	h.runOrder = append(h.runOrder, rn.ID)
	for len(h.runOrder) > maxRuns {
		old := h.runs[h.runOrder[0]]
		delete(h.runs, h.runOrder[0])
		h.runOrder = h.runOrder[1:]
		_ = os.RemoveAll(old.dir)
	}
}

// lookup returns run id's rendition at index.
func (h *Handler) lookup(id, index string) (*run, *renditionView, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	rn, ok := h.runs[id]
	if !ok {
		return nil, nil, false
	}
	i, err := strconv.Atoi(index)
	if err != nil || i < 0 || i >= len(rn.Renditions) || rn.Renditions[i].Output == nil {
		return rn, nil, false
	}
	return rn, &rn.Renditions[i], true
}

// getRun answers a run.
func (h *Handler) getRun(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	rn, ok := h.runs[r.PathValue("id")]
	h.mu.Unlock()
	if !ok {
		apiError(w, http.StatusNotFound, "run", "no such run")
		return
	}
	h.writeRun(w, rn)
}

// outputFile serves a rendition's file (?download=1 as an attachment).
func (h *Handler) outputFile(w http.ResponseWriter, r *http.Request) {
	_, v, ok := h.lookup(r.PathValue("id"), r.PathValue("index"))
	if !ok {
		apiError(w, http.StatusNotFound, "output", "no such output")
		return
	}
	serveOutput(w, r, v.path, v.Name, r.URL.Query().Has("download"))
}

// safeTypes are the content types outputs are served with, by fmt's media
// type; anything else is application/octet-stream.
var safeTypes = map[string]string{
	"image/png": "image/png", "image/jpeg": "image/jpeg", "image/webp": "image/webp", "image/gif": "image/gif",
	"image/avif": "image/avif", "image/tiff": "image/tiff", "image/heic": "image/heic", "image/jxl": "image/jxl",
	"video/mp4": "video/mp4", "application/json": "application/json; charset=utf-8",
	"text/plain": "text/plain; charset=utf-8",
}

// serveOutput serves the file at p, named name, with a safe content type
// and a policy that runs nothing it holds.
func serveOutput(w http.ResponseWriter, r *http.Request, p, name string, download bool) {
	f, err := os.Open(p)
	if err != nil {
		apiError(w, http.StatusNotFound, "output", "the file is gone")
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		apiError(w, http.StatusNotFound, "output", "the file is gone")
		return
	}
	ext := filepath.Ext(name)
	ct := safeTypes[api.FormatMimeType(api.CanonicalFormat(trimDot(ext)))]
	if ct == "" {
		switch ext {
		case ".txt":
			ct = safeTypes["text/plain"]
		case ".json":
			ct = safeTypes["application/json"]
		default:
			ct = "application/octet-stream"
		}
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; media-src 'self'; sandbox")
	hd.Set("Cache-Control", "no-store")
	disp := "inline"
	if download {
		disp = "attachment"
	}
	hd.Set("Content-Disposition", fmt.Sprintf("%s; filename=%q", disp, safeName(name, "output")))
	http.ServeContent(w, r, "", info.ModTime(), f)
}

// trimDot drops the leading dot of an extension.
func trimDot(ext string) string {
	if ext != "" {
		return ext[1:]
	}
	return ext
}
