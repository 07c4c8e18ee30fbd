package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/office"
	"github.com/assetcompute/assetcompute/pkg/report"
	"github.com/assetcompute/assetcompute/pkg/settings"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// cmdBatch runs `acs batch`: every rendition of a profile for many local
// source files, through the same worker lifecycle and image engine as the
// thumbnail action (a local file target per rendition), with -j sources at
// a time. An interrupt stops it cleanly: unfinished renditions fail and no
// temporary file is left behind.
//
// With --near-duplicates it makes no renditions: it reports the groups of
// near-identical FILEs on standard output (see nearDuplicates).
func cmdBatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("acs batch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profilePath := fs.String("profile", "", "profile: a JSON list of image (or mp4 preview clip) rendition instructions without targets (required)")
	outDir := fs.String("out", "", "output directory; renditions go to DIR/<source basename>/<rendition name> (required)")
	jobs := fs.Int("j", runtime.GOMAXPROCS(0), "number of sources rendered at once")
	timeout := fs.Duration("timeout", 10*time.Minute, "deadline for each source")
	threads := fs.Int("threads", 0, "libvips threads per image (default: the CPUs divided by -j, at least 1)")
	verbose := fs.Bool("v", false, "log the worker lifecycle to standard error")
	nearDup := fs.Bool("near-duplicates", false, "report groups of near-identical FILEs (perceptual hashes) instead of rendering; no --profile or --out")
	distance := fs.Int("distance", DefaultNearDistance, "with --near-duplicates: the largest pHash and dHash distance (bits of 64) of near-identical files")
	asJSON := fs.Bool("json", false, "with --near-duplicates: write the report as JSON")
	reportPath := fs.String("report", "", "also write a contact sheet of the sources and their renditions to this HTML `file` (self-contained: previews inline)")
	var set settingFlags
	fs.Var(&set, "setting", settingUsage)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: acs batch --profile PROFILE.json --out DIR [-j N] [--report report.html] FILE...

       acs batch --near-duplicates [--distance N] [--json] [-j N] FILE...

Renders every rendition of the profile for each FILE, in this process, with
the thumbnail action's code (the office action's for Office, OpenDocument
and iWork files). The profile is a JSON list of rendition
instructions without targets, for example
  [{"name": "thumb.jpg", "fmt": "jpg", "width": 256, "height": 256},
   {"name": "preview.webp", "fmt": "webp", "width": 1280, "quality": 75}]
Renditions are written to DIR/<source basename>/<rendition name>.
A rendition may be made from another one of the profile, named in its
source instruction, as in a request (docs/composition.md):
  {"name": "small.png", "fmt": "png", "width": 64, "source": {"rendition": "thumb.jpg"}}
With --report, also writes a contact sheet: one self-contained HTML page
showing each FILE and its renditions (previews inline), their sizes,
dimensions and step timings, and the reason of each failure (docs/report.md).
Exit status: 0 all renditions created, 1 some failed, 2 invalid profile or command line.

With --near-duplicates, hashes each FILE (pHash and dHash of the analysis
rendition: photos, PDF pages, video frames, raw previews) and prints the
groups of files whose two hashes both differ in at most --distance bits,
with each file's distances to the first of its group; exit status 1 when a
FILE could not be read.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitInvalid
	}
	if *nearDup {
		if *profilePath != "" || *outDir != "" || *reportPath != "" || fs.NArg() == 0 || *jobs < 1 || *timeout <= 0 || *threads < 0 || *distance < 0 || *distance > 64 {
			fs.Usage()
			return exitInvalid
		}
	} else if *profilePath == "" || *outDir == "" || fs.NArg() == 0 || *jobs < 1 || *timeout <= 0 || *threads < 0 {
		fs.Usage()
		return exitInvalid
	}
	deployment, err := deploymentSettings(set.s)
	if err != nil {
		fmt.Fprintln(stderr, "acs batch:", err)
		return exitInvalid
	}
	if *nearDup {
		return batchNearDuplicates(ctx, fs.Args(), deployment, *jobs, *threads, *timeout, *distance, *asJSON, *verbose, stdout, stderr)
	}
	profile, err := readProfile(*profilePath)
	if err != nil {
		fmt.Fprintln(stderr, "acs batch:", err)
		return exitInvalid
	}
	sources, err := batchSources(fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, "acs batch:", err)
		return exitInvalid
	}
	out, err := filepath.Abs(*outDir)
	if err == nil {
		err = os.MkdirAll(out, 0o755)
	}
	if err != nil {
		fmt.Fprintln(stderr, "acs batch: cannot create the output directory:", err)
		return exitInvalid
	}

	level := slog.LevelError + 4 // the failures are reported below
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	// Temporary files next to the output, so renditions are moved into
	// place rather than copied.
	tmp, err := os.MkdirTemp(out, ".acs-batch-")
	if err != nil {
		fmt.Fprintln(stderr, "acs batch: cannot create a temporary directory:", err)
		return exitFailed
	}
	defer os.RemoveAll(tmp)
	if *threads == 0 {
		*threads = max(1, runtime.GOMAXPROCS(0) / *jobs)
	}
	var report string
	if *reportPath != "" {
		if report, err = filepath.Abs(*reportPath); err != nil {
			fmt.Fprintln(stderr, "acs batch:", err)
			return exitInvalid
		}
	}
	w, engine, err := newBatchWorker(logger, *threads, tmp, deployment)
	if err != nil {
		fmt.Fprintln(stderr, "acs batch:", err)
		return exitFailed
	}

	parent := ctx
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	bar := newProgress(stderr, len(sources), len(sources)*len(profile))
	results := make([][]api.RenditionResult, len(sources))
	work := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < min(*jobs, len(sources)); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				results[k] = renderSource(ctx, w, sources[k], profile, out, *timeout)
				bar.done(sources[k], results[k])
			}
		}()
	}
	for k := range sources {
		work <- k
	}
	close(work)
	wg.Wait()
	status := bar.finish()
	if report != "" {
		// Written after an interrupt too, for what was made; a second
		// interrupt stops it.
		rctx, rstop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
		defer rstop()
		if err := writeBatchReport(rctx, report, sources, profile, results, out, engine, tmp, *jobs); err != nil {
			fmt.Fprintln(stderr, "acs batch: cannot write the contact sheet:", err)
			return exitFailed
		}
		fmt.Fprintln(stderr, "acs batch: contact sheet written to", report)
	}
	return status
}

// writeBatchReport writes the contact sheet of a batch to path: each
// source with its renditions (results[k] for sources[k], nil for a source
// never started), previews made with engine, parallelism previews at once.
func writeBatchReport(ctx context.Context, path string, sources []batchSource, profile []api.Rendition, results [][]api.RenditionResult,
	out string, engine *image.Engine, tmp string, parallelism int) error {
	sheet := make([]report.Source, 0, len(sources))
	for k, src := range sources {
		rs := results[k]
		if rs == nil {
			rs = make([]api.RenditionResult, len(profile))
			for i, r := range profile {
				rs[i] = api.Failed(r.Name, api.Errorf(api.ReasonTimeout, "not started: the batch was interrupted"))
			}
		}
		s := report.Source{Name: src.base, Path: src.path}
		for i, r := range rs {
			rr := report.Rendition{Result: r}
			if r.Created() && i < len(profile) {
				rr.Path = filepath.Join(out, src.base, profile[i].Name)
			}
			s.Renditions = append(s.Renditions, rr)
		}
		sheet = append(sheet, s)
	}
	return report.WriteFile(ctx, path, sheet, report.Options{
		Title:       "acs batch: " + filepath.Base(out),
		Preview:     report.ImagePreviews(engine, tmp),
		LinkBase:    filepath.Dir(path),
		Parallelism: parallelism,
	})
}

// batchSource is one FILE argument.
type batchSource struct {
	path string // absolute
	base string // the output subdirectory
}

// batchSources resolves the FILE arguments and refuses two with the same
// basename, whose renditions would overwrite each other.
func batchSources(args []string) ([]batchSource, error) {
	seen := map[string]string{}
	out := make([]batchSource, 0, len(args))
	for _, a := range args {
		abs, err := filepath.Abs(a)
		if err != nil {
			return nil, err
		}
		base := filepath.Base(abs)
		if prev, dup := seen[base]; dup {
			return nil, fmt.Errorf("%s and %s have the same basename %q: their renditions would overwrite each other", prev, a, base)
		}
		seen[base] = a
		out = append(out, batchSource{path: abs, base: base})
	}
	return out, nil
}

// maxProfileBytes caps the size of a profile file.
const maxProfileBytes = 1 << 20

// readProfile reads and validates a profile: a JSON list of image
// rendition instructions without targets. A rendition without a name is
// named rendition-N.<fmt>; names must be unique plain file names.
func readProfile(path string) ([]api.Rendition, error) {
	data, err := readLimited(path, nil, maxProfileBytes)
	var tl *tooLongError
	if errors.As(err, &tl) {
		return nil, fmt.Errorf("profile %s %s, more than the limit of %d bytes", path, tl.what(), maxProfileBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the profile: %w", err)
	}
	var raws []map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raws); err != nil {
		return nil, fmt.Errorf("profile %s: must be a JSON list of rendition instructions: %v", path, err)
	}
	if len(raws) == 0 {
		return nil, fmt.Errorf("profile %s: lists no rendition", path)
	}
	names := map[string]bool{}
	out := make([]api.Rendition, 0, len(raws))
	for i, raw := range raws {
		where := fmt.Sprintf("profile %s, rendition %d", path, i+1)
		if raw == nil {
			return nil, fmt.Errorf("%s: must be an object of instructions", where)
		}
		for _, k := range []string{"target", "url"} {
			if _, ok := raw[k]; ok {
				return nil, fmt.Errorf("%s: has a %s; acs batch writes renditions under --out, so a profile has no targets", where, k)
			}
		}
		// A stand-in target satisfies the parser; the real one is set per
		// source.
		raw["target"] = json.RawMessage(`"/dev/null"`)
		b, _ := json.Marshal(raw)
		r, err := api.ParseRendition(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", where, api.MessageOf(err))
		}
		if family, _ := r.Family(); family != api.FamilyImage && family != api.FamilyVideo || r.Worker != "" {
			return nil, fmt.Errorf("%s: fmt %q is not an image format; acs batch makes image renditions (%s) and mp4 preview clips of videos",
				where, r.Fmt, strings.Join(api.BuiltinFormats()[:8], ", "))
		}
		if r.Name == "" {
			r.Name = fmt.Sprintf("rendition-%d.%s", i+1, r.Fmt)
		}
		if r.Name != filepath.Base(r.Name) || strings.ContainsAny(r.Name, `/\`) || r.Name == "." || r.Name == ".." {
			return nil, fmt.Errorf("%s: name %q must be a plain file name", where, r.Name)
		}
		if names[r.Name] {
			return nil, fmt.Errorf("%s: name %q is used twice", where, r.Name)
		}
		names[r.Name] = true
		r.EmbedBinaryLimit = nil // every rendition is written under --out
		out = append(out, r)
	}
	// The source instructions ({"rendition": name}) are checked as a
	// request's are: a known name, no cycle, no chain too deep.
	req := api.Request{Renditions: make([]api.Rendition, len(out))}
	for i, r := range out {
		r.Target = api.Target{URL: "/" + r.Name} // a target of its own
		req.Renditions[i] = r
	}
	req.CheckRenditions()
	for i, r := range req.Renditions {
		if r.Invalid != nil {
			return nil, fmt.Errorf("profile %s, rendition %d: %s", path, i+1, api.MessageOf(r.Invalid))
		}
	}
	for i := range out {
		out[i].Target = api.Target{}
	}
	return out, nil
}

// newBatchWorker returns the thumbnail worker over local files: the same
// lifecycle, engine and rendition function as the thumbnail action, with
// one rendition at a time per source (parallelism comes from -j), threads
// libvips threads per image, its temporary files under tmp, and the
// deployment settings s (the source size limit, the image limits, ...).
func newBatchWorker(logger *slog.Logger, threads int, tmp string, s settings.Settings) (*worker.Worker, *image.Engine, error) {
	topts := transfer.Options{Logger: logger}
	if err := s.Apply(&topts); err != nil {
		return nil, nil, err
	}
	topts.AllowLocal = true
	topts.AllowHTTP = true
	topts.AllowPrivateNetworks = true
	engine, err := image.New(image.Options{Threads: threads})
	if err != nil {
		return nil, nil, fmt.Errorf("image engine: %w", err)
	}
	local := &localTransfer{opts: topts}
	// Office sources get the office action's code: their embedded
	// thumbnail or a page rendered by LibreOffice.
	off, err := office.New(office.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("office engine: %w", err)
	}
	fn := builtin.ImagesWithOffice(builtin.Thumbnail(engine, local), builtin.Office(engine, off, local))
	w, err := worker.New(fn, worker.Options{Transfer: local, Settings: s, Logger: logger, Parallelism: 1, TempDir: tmp})
	return w, engine, err
}

// localTransfer is the transfer of acs batch. A source that is a local
// file is read where it is, not copied into the activation directory (no
// rendition of the thumbnail worker uses the source's checksum, which is
// left empty), and a rendition is moved into its target file rather than
// copied. Anything else (a watermark URL, a file:// URL, a move across
// filesystems) goes through a transfer client, made on first use: making
// one loads the AWS configuration, 10 ms that a run over local files
// does not need.
type localTransfer struct {
	opts   transfer.Options
	once   sync.Once
	client *transfer.Client
	err    error
}

func (t *localTransfer) remote() (*transfer.Client, error) {
	t.once.Do(func() { t.client, t.err = transfer.New(t.opts) })
	if t.err != nil {
		return nil, api.Wrap(api.ReasonGeneric, t.err, "transfer settings are invalid")
	}
	return t.client, nil
}

// Fetch returns a local path in place.
func (t *localTransfer) Fetch(ctx context.Context, src api.Source, dir string) (*transfer.Fetched, error) {
	if !filepath.IsAbs(src.URL) {
		c, err := t.remote()
		if err != nil {
			return nil, err
		}
		return c.Fetch(ctx, src, dir)
	}
	fi, err := os.Stat(src.URL)
	limit := t.opts.MaxSourceBytes
	if limit == 0 {
		limit = transfer.DefaultMaxSourceBytes
	}
	switch {
	case err != nil && os.IsNotExist(err):
		return nil, api.Errorf(api.ReasonGeneric, "source not found: %s", src.URL)
	case err != nil:
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot read the source file "+src.URL)
	case !fi.Mode().IsRegular():
		return nil, api.Errorf(api.ReasonSourceUnsupported, "source %s is not a regular file", src.URL)
	case fi.Size() > limit:
		return nil, api.Errorf(api.ReasonSourceTooLarge, "source is %d bytes, more than the limit of %d bytes", fi.Size(), limit)
	}
	return &transfer.Fetched{Path: src.URL, Size: fi.Size()}, nil
}

// Put moves the rendition into its target file. A target where something
// other than a regular file exists (a directory, a named pipe, a device)
// is left to the transfer client, which refuses it.
func (t *localTransfer) Put(ctx context.Context, target api.Target, path string, opts transfer.PutOptions) error {
	if filepath.IsAbs(target.URL) {
		fi, err := os.Stat(target.URL)
		if (err != nil && os.IsNotExist(err)) || (err == nil && fi.Mode().IsRegular()) {
			if err := os.MkdirAll(filepath.Dir(target.URL), 0o755); err == nil && os.Rename(path, target.URL) == nil {
				return nil
			}
		}
	}
	c, err := t.remote()
	if err != nil {
		return err
	}
	return c.Put(ctx, target, path, opts)
}

// renderSource makes every rendition of one source. A rendition whose
// profile entry has source {"rendition": name} is made from that
// rendition's output file, once it is written, together with the other
// renditions made from the same file (one activation of the worker, which
// decodes it once); when that rendition failed, it fails too, with the
// same reason and a message naming it, as `acs process` does.
func renderSource(ctx context.Context, w *worker.Worker, src batchSource, profile []api.Rendition, out string, timeout time.Duration) []api.RenditionResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	renditions := make([]api.Rendition, len(profile))
	for i, r := range profile {
		r.Target = api.Target{URL: filepath.Join(out, src.base, r.Name)}
		r.SourceRendition = "" // the worker request's source is its source
		renditions[i] = r
	}
	parent := (&api.Request{Renditions: profile}).SourceIndices()
	results := make([]api.RenditionResult, len(profile))
	// run makes the renditions idx from source, and then, for each one
	// created, the renditions made from it.
	var run func(source api.Source, idx []int)
	run = func(source api.Source, idx []int) {
		req := &api.WorkerRequest{RequestID: "batch-" + src.base, Source: source}
		for _, i := range idx {
			req.Renditions = append(req.Renditions, renditions[i])
		}
		res := w.Process(ctx, req).Renditions
		for k, i := range idx {
			if k < len(res) {
				results[i] = res[k]
			} else {
				results[i] = api.Failed(profile[i].Name, api.Errorf(api.ReasonGeneric, "the worker returned no outcome"))
			}
		}
		for _, i := range idx {
			var children []int
			for c, p := range parent {
				if p == i {
					children = append(children, c)
				}
			}
			if len(children) == 0 {
				continue
			}
			if !results[i].Created() {
				failDependents(profile, parent, results, i)
				continue
			}
			run(api.Source{URL: renditions[i].Target.URL, MimeType: api.FormatMimeType(profile[i].Fmt)}, children)
		}
	}
	var roots []int
	for i, p := range parent {
		if p < 0 {
			roots = append(roots, i)
		}
	}
	run(api.Source{URL: src.path}, roots)
	return results
}

// failDependents fails every rendition made, directly or not, from
// rendition i, which failed.
func failDependents(profile []api.Rendition, parent []int, results []api.RenditionResult, i int) {
	for c, p := range parent {
		if p != i {
			continue
		}
		results[c] = api.RenditionResult{Name: profile[c].Name, Status: api.StatusFailed, Reason: results[i].Reason,
			Message: "source rendition '" + profile[i].Name + "' failed: " + results[i].Message}
		failDependents(profile, parent, results, c)
	}
}

// progress reports on stderr: a bar redrawn in place on a terminal, and a
// line per failed rendition and a summary in any case.
type progress struct {
	mu                  sync.Mutex
	w                   io.Writer
	tty                 bool
	sources, renditions int
	doneSources         int
	created, failed     int
	start               time.Time
}

func newProgress(w io.Writer, sources, renditions int) *progress {
	p := &progress{w: w, tty: isTerminal(w), sources: sources, renditions: renditions, start: time.Now()}
	p.draw()
	return p
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// done records the results of one source.
func (p *progress) done(src batchSource, results []api.RenditionResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doneSources++
	for _, r := range results {
		if r.Created() {
			p.created++
			continue
		}
		p.failed++
		if p.tty {
			fmt.Fprint(p.w, "\r\033[K")
		}
		fmt.Fprintf(p.w, "acs batch: %s/%s: %s: %s\n", src.base, r.Name, r.Reason, r.Message)
	}
	p.draw()
}

// draw redraws the bar; it does nothing off a terminal.
func (p *progress) draw() {
	if !p.tty {
		return
	}
	const width = 30
	filled := 0
	if p.sources > 0 {
		filled = width * p.doneSources / p.sources
	}
	rate := float64(p.created+p.failed) / max(time.Since(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r\033[K[%s%s] %d/%d sources, %d/%d renditions, %d failed, %.1f/s",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		p.doneSources, p.sources, p.created+p.failed, p.renditions, p.failed, rate)
}

// finish prints the summary and returns the exit status.
func (p *progress) finish() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	took := time.Since(p.start)
	fmt.Fprintf(p.w, "acs batch: %d sources, %d renditions: %d created, %d failed in %.2f s (%.1f renditions/s)\n",
		p.sources, p.renditions, p.created, p.failed, took.Seconds(), float64(p.created+p.failed)/max(took.Seconds(), 1e-3))
	if p.failed > 0 || p.created != p.renditions {
		return exitFailed
	}
	return exitOK
}
