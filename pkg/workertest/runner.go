package workertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/internal/cage"
	"github.com/assetcompute/assetcompute/pkg/invoke"
)

// ZipFilesDir is the folder, inside an action's main package folder, whose
// files the action needs at run time next to its executable (a script, a
// model); scripts/build-actions.sh adds them to the action zip.
const ZipFilesDir = "zip"

// Options configure a run of one action's cases.
type Options struct {
	// CasesDir is the folder holding <action>/<case>/; default test/cases.
	CasesDir string
	// Action is the action under test: the name of its cases folder.
	Action string
	// Glob selects cases by name (path.Match syntax); default all.
	Glob string
	// Exec is the action executable. When empty, the Go main package in
	// BuildDir is built first.
	Exec string
	// BuildDir is the Go main package of the action; default
	// actions/<RunBy(Action)> (relative to the working directory).
	BuildDir string
	// Update rewrites the expectations of the cases that do not pass
	// (rendition.*, metadata.json when present, errorReason) from what the
	// action produced; passing cases are left alone.
	Update bool
	// MinPSNR is the image similarity threshold in dB; default
	// DefaultMinPSNR.
	MinPSNR float64
	// IgnoreKeys are the volatile JSON keys and XMP properties to ignore;
	// default DefaultIgnoreKeys.
	IgnoreKeys []string
	// Env is added to the action's environment (which holds LocalEnv).
	Env map[string]string
	// Timeout is each activation's deadline; default 60 s.
	Timeout time.Duration
	// Parallel is how many cases run at once; default 2.
	Parallel int
	// Log receives the action's logs; default discarded.
	Log io.Writer
	// Layout is how CasesDir is laid out; default LayoutACS.
	Layout Layout
	// FailedDir, when set, receives the rendition of every case that
	// failed its comparison, as FailedDir/<case>/<rendition file>.
	FailedDir string
	// LinkCache is where the files that file*.link and rendition*.link
	// name are kept once fetched; default DefaultLinkCache().
	LinkCache string
}

// Suite is the outcome of one action's cases.
type Suite struct {
	// Action is the action under test.
	Action string
	// Results holds one result per case, sorted by case name.
	Results []Result
	// Duration is the time the run took, the build included.
	Duration time.Duration
}

// Failed counts the cases that did not pass: failures and errors, not
// skipped cases.
func (s *Suite) Failed() int {
	n := 0
	for _, r := range s.Results {
		if !r.Passed && !r.Skipped {
			n++
		}
	}
	return n
}

// Errors counts the cases that could not be run or judged.
func (s *Suite) Errors() int {
	n := 0
	for _, r := range s.Results {
		if r.Error {
			n++
		}
	}
	return n
}

// Skipped counts the skipped cases.
func (s *Suite) Skipped() int {
	n := 0
	for _, r := range s.Results {
		if r.Skipped {
			n++
		}
	}
	return n
}

// Result is the outcome of one case.
type Result struct {
	// Case is the case's name.
	Case string
	// Dir is the case folder.
	Dir string
	// Passed reports whether the action did what the case expects.
	Passed bool
	// Error reports that the case could not be run or judged (an invalid
	// case, a mock that cannot start): an error rather than a failure.
	Error bool
	// Skipped reports that the case was not run (LayoutAIO: no source).
	Skipped bool
	// ExpectedError reports that the case passed by failing as expected.
	ExpectedError bool
	// Message says what differed, when the case failed.
	Message string
	// Updated reports that -u rewrote the case's expectations.
	Updated bool
	// Duration is the time the case took.
	Duration time.Duration
	// ProcTime is the time the activation took, 0 when it did not run.
	ProcTime time.Duration
}

// Run builds (unless Options.Exec is set) and runs the action's cases and
// returns their outcomes. An error means the cases could not be run at
// all: no cases folder, a build failure. A case that cannot run is
// reported in its Result (Error) and the others still run.
func Run(ctx context.Context, opts Options) (*Suite, error) {
	start := time.Now()
	opts = opts.withDefaults()
	cases, err := LoadCasesLayout(opts.CasesDir, opts.Action, opts.Glob, opts.Layout)
	if err != nil {
		return nil, err
	}
	exe := opts.Exec
	if exe == "" {
		tmp, err := os.MkdirTemp("", "acs-test-worker-")
		if err != nil {
			return nil, fmt.Errorf("workertest: %w", err)
		}
		defer os.RemoveAll(tmp)
		if exe, err = Build(ctx, opts.BuildDir, filepath.Join(tmp, "exec")); err != nil {
			return nil, err
		}
	}
	env := map[string]string{}
	for k, v := range LocalEnv {
		env[k] = v
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	files := filepath.Join(opts.BuildDir, ZipFilesDir)
	if st, err := os.Stat(files); err != nil || !st.IsDir() {
		files = ""
	}
	actionOpts := ActionOptions{Env: env, Log: opts.Log, Timeout: opts.Timeout, FilesDir: files}
	action, err := NewAction(opts.Action, exe, actionOpts)
	if err != nil {
		return nil, err
	}
	defer action.Close()
	var validator *cage.Cage
	for _, c := range cases {
		if c.Validate != "" {
			if validator, err = cage.New(cage.Options{NoNetwork: true}); err != nil {
				return nil, fmt.Errorf("workertest: validate scripts: %w", err)
			}
			break
		}
	}
	runTmp, err := os.MkdirTemp("", "acs-test-run-")
	if err != nil {
		return nil, fmt.Errorf("workertest: %w", err)
	}
	defer os.RemoveAll(runTmp)
	rc := &runContext{action: action, exe: exe, actionOpts: actionOpts, validator: validator, tmp: runTmp}

	suite := &Suite{Action: opts.Action, Results: make([]Result, len(cases))}
	sem := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			suite.Results[i] = runCase(ctx, rc, c, opts)
		}()
	}
	wg.Wait()
	suite.Duration = time.Since(start)
	return suite, nil
}

// RunBy returns the action that runs the cases of the folder called
// cases: the folder's own name, except "video", "raw", "postscript" and
// "analysis", whose cases (video and audio sources; camera raw sources;
// EPS, PS and Illustrator files; analysis renditions) the thumbnail
// action runs.
func RunBy(cases string) string {
	if cases == "video" || cases == "raw" || cases == "postscript" || cases == "analysis" {
		return "thumbnail"
	}
	return cases
}

func (o Options) withDefaults() Options {
	if o.CasesDir == "" {
		o.CasesDir = filepath.Join("test", "cases")
	}
	if o.BuildDir == "" {
		o.BuildDir = filepath.Join("actions", RunBy(o.Action))
	}
	if o.MinPSNR == 0 {
		o.MinPSNR = DefaultMinPSNR
	}
	if o.IgnoreKeys == nil {
		o.IgnoreKeys = DefaultIgnoreKeys
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultActivationTimeout
	}
	if o.Parallel <= 0 {
		o.Parallel = 2
	}
	if o.LinkCache == "" {
		o.LinkCache = DefaultLinkCache()
	}
	return o
}

// runContext is what the cases of one run share.
type runContext struct {
	// action runs the cases that need no stand-in.
	action *Action
	// exe and actionOpts start the action of a case with stand-ins.
	exe        string
	actionOpts ActionOptions
	// validator runs validate scripts; nil when no case has one.
	validator *cage.Cage
	// tmp holds the run's files (the stand-ins' authority).
	tmp string

	caOnce sync.Once
	ca     *mockAuthority
	caErr  error
}

// authority returns the run's certificate authority for stand-ins,
// making it on first use.
func (rc *runContext) authority() (*mockAuthority, error) {
	rc.caOnce.Do(func() {
		rc.ca, rc.caErr = newMockAuthority(rc.tmp)
		if rc.caErr != nil {
			rc.caErr = fmt.Errorf("workertest: stand-in certificates: %w", rc.caErr)
		}
	})
	return rc.ca, rc.caErr
}

// runCase runs one case and judges its outcome.
func runCase(ctx context.Context, rc *runContext, c *Case, opts Options) Result {
	start := time.Now()
	res := Result{Case: c.Name, Dir: c.Dir}
	switch {
	case c.Skip != "":
		res.Skipped, res.Message = true, c.Skip
		return res
	case c.Invalid != "":
		res.Error, res.Message = true, c.Invalid
		res.Duration = time.Since(start)
		return res
	}
	msg, updated, err := execCase(ctx, rc, c, opts, &res)
	switch {
	case err != nil:
		res.Error = true
		res.Message = err.Error()
	case msg != "":
		res.Message = msg
	default:
		res.Passed = true
		res.ExpectedError = c.ErrorReason != ""
	}
	res.Updated = updated
	res.Duration = time.Since(start)
	return res
}

// execCase runs the action on the case and returns "" when the outcome
// matches the expectations, else what differs. With Options.Update it
// rewrites the expectations instead and reports updated.
func execCase(ctx context.Context, rc *runContext, c *Case, opts Options, res *Result) (msg string, updated bool, err error) {
	tmp, err := os.MkdirTemp("", "acs-case-")
	if err != nil {
		return "", false, err
	}
	defer os.RemoveAll(tmp)

	var mocks []*mockServer
	defer func() {
		for _, m := range mocks {
			if p := m.problems(); p != "" && msg != "" {
				msg += "\n" + p
			}
			m.close()
		}
	}()
	for host, file := range c.Mocks {
		m, err := startMock(host, file)
		if err != nil {
			return "", false, err
		}
		mocks = append(mocks, m)
	}
	action := rc.action
	if len(mocks) > 0 {
		// The case's own activation, whose requests for the mocked hosts
		// go to their stand-ins.
		ca, err := rc.authority()
		if err != nil {
			return "", false, err
		}
		for _, m := range mocks {
			if err := m.startTLS(ca); err != nil {
				return "", false, err
			}
		}
		proxy := newMockProxy(mocks)
		defer func() {
			if p := proxy.problems(); p != "" && msg != "" {
				msg += "\n" + p
			}
			proxy.close()
		}()
		aopts := rc.actionOpts
		aopts.Env = map[string]string{}
		for k, v := range rc.actionOpts.Env {
			aopts.Env[k] = v
		}
		for k, v := range proxy.env(ca) {
			aopts.Env[k] = v
		}
		if action, err = NewAction(rc.action.Name(), rc.exe, aopts); err != nil {
			return "", false, err
		}
		defer action.Close()
	}

	if c.SourceLink != "" || c.ExpectedLink != "" {
		linked := *c
		if c.SourceLink != "" {
			if linked.Source, err = resolveLink(ctx, opts.LinkCache, c.SourceLink); err != nil {
				return "", false, err
			}
		}
		if c.ExpectedLink != "" {
			cached, err := resolveLink(ctx, opts.LinkCache, c.ExpectedLink)
			if err != nil {
				return "", false, err
			}
			// Under a name with the rendition's extension, which chooses
			// the comparison.
			linked.Expected = filepath.Join(tmp, "expected"+c.expectedExt)
			if err := os.Symlink(cached, linked.Expected); err != nil {
				return "", false, err
			}
		}
		c = &linked
	}
	params, out, err := activationParams(c, tmp, mocks, opts.Layout)
	if err != nil {
		return "", false, err
	}
	timeout := opts.Timeout
	if c.Options.Timeout != "" {
		if timeout, err = time.ParseDuration(c.Options.Timeout); err != nil {
			return "", false, fmt.Errorf("case.json: timeout: %w", err)
		}
	}
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	procStart := time.Now()
	rr := outcome(runCtx, action, params)
	res.ProcTime = time.Since(procStart)
	msg, err = judge(runCtx, rc, c, rr, out, opts)
	if opts.Update && (msg != "" || err != nil) {
		updated, err := update(c, rr, out)
		return "", updated, err
	}
	if msg != "" && opts.FailedDir != "" {
		if ferr := keepFailed(opts.FailedDir, c.Name, out); ferr != nil {
			msg += "\n(could not keep the rendition: " + ferr.Error() + ")"
		}
	}
	return msg, false, err
}

// keepFailed copies the rendition of a failed case, when there is one,
// to dir/<case>/, for inspection.
func keepFailed(dir, name, out string) error {
	b, err := os.ReadFile(out)
	if err != nil {
		return nil // no rendition to keep
	}
	d := filepath.Join(dir, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(d, filepath.Base(out)), b, 0o644)
}

// judge compares an outcome with the case's expectations and returns ""
// when they match, else what differs.
func judge(ctx context.Context, rc *runContext, c *Case, rr api.RenditionResult, out string, opts Options) (string, error) {
	if c.ErrorReason != "" {
		want := string(c.ErrorReason)
		if c.ErrorName != "" {
			want = c.ErrorName + " (" + want + ")"
		}
		if rr.Status != api.StatusFailed {
			return fmt.Sprintf("expected the rendition to fail with %s, but it was created", want), nil
		}
		if rr.Reason != c.ErrorReason {
			return fmt.Sprintf("expected reason %s, got %s: %s", want, rr.Reason, rr.Message), nil
		}
		return "", nil
	}
	if rr.Status != api.StatusCreated {
		return fmt.Sprintf("the rendition failed: %s: %s", rr.Reason, rr.Message), nil
	}
	if err := materialize(rr, out); err != nil {
		return "", err
	}
	cmp := comparer{minPSNR: opts.MinPSNR, ignore: append(append([]string{}, opts.IgnoreKeys...), c.Options.IgnoreKeys...)}
	if c.Options.MinPSNR > 0 {
		cmp.minPSNR = c.Options.MinPSNR
	}
	if c.Expected == "" {
		return fmt.Sprintf("no expected output (rendition.*) in %s; run with -u to record it", c.Dir), nil
	}
	if c.Validate != "" {
		if d, err := validate(ctx, rc.validator, c, out); err != nil || d != "" {
			return d, err
		}
	} else if d, err := cmp.compare(c.Expected, out); err != nil || d != "" {
		return d, err
	}
	if c.Metadata != "" {
		var want any
		b, err := os.ReadFile(c.Metadata)
		if err != nil {
			return "", err
		}
		if err := json.Unmarshal(b, &want); err != nil {
			return "", fmt.Errorf("%s: %w", MetadataFile, err)
		}
		var got any
		b, _ = json.Marshal(rr.Metadata)
		_ = json.Unmarshal(b, &got)
		if diffs := cmp.diffJSON("metadata", want, got, true); len(diffs) > 0 {
			return "metadata differs:\n  " + strings.Join(limit(diffs, 20), "\n  "), nil
		}
	}
	return "", nil
}

// activationParams builds the worker request of a case, with the mock
// hosts rewritten to their stand-ins, and returns it with the local path
// the rendition is written to.
func activationParams(c *Case, tmp string, mocks []*mockServer, layout Layout) (json.RawMessage, string, error) {
	rendition := map[string]json.RawMessage{}
	for k, v := range c.Params {
		rendition[k] = v
	}
	_, hasFmt := rendition["fmt"]
	_, hasWorker := rendition["worker"]
	if (!hasFmt || layout == LayoutAIO) && !hasWorker {
		// An aio case is always for the worker under test, whatever its
		// fmt (rendition.json gives "json", which only a worker knows).
		// A custom worker's case need not repeat what routes it there.
		rendition["worker"], _ = json.Marshal(c.Action)
	}
	name := "rendition"
	if raw, ok := rendition["name"]; ok {
		_ = json.Unmarshal(raw, &name)
	} else {
		if c.Expected != "" {
			name += c.expectedExt
		}
		rendition["name"], _ = json.Marshal(name)
	}
	out := filepath.Join(tmp, "out", filepath.Base(name))
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return nil, "", err
	}
	rendition["target"], _ = json.Marshal(out)
	src, err := filepath.Abs(c.Source)
	if err != nil {
		return nil, "", err
	}
	params := map[string]any{
		"requestId":  "test-" + c.Action + "-" + c.Name,
		"source":     map[string]string{"url": src, "name": filepath.Base(src)},
		"renditions": []any{rendition},
	}
	for k, v := range c.ActionParams {
		params[k] = v
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, "", err
	}
	s := string(b)
	for _, m := range mocks {
		if m.expectations == nil {
			// A Mock is reached by rewriting its host in the parameters;
			// MockServer expectations by the host's name (see mockProxy).
			s = m.rewrite(s)
		}
	}
	return json.RawMessage(s), out, nil
}

// outcome invokes the action and returns the rendition's result; failures
// to run the action become a failed result, as process would report them.
func outcome(ctx context.Context, action *Action, params json.RawMessage) api.RenditionResult {
	line, err := action.Invoke(ctx, params)
	if err != nil {
		return api.Failed("", err)
	}
	if ae := invoke.ParseActionError(action.Name(), line); ae != nil {
		return api.Failed("", ae.AsAPIError())
	}
	wr, err := api.DecodeWorkerResult(line, 1)
	if err != nil {
		return api.Failed("", api.Wrap(api.ReasonGeneric, err, "unusable worker result: "+err.Error()))
	}
	return wr.Renditions[0]
}

// materialize writes an embedded rendition (a data: URI in the result) to
// out, where an uploaded one already is.
func materialize(rr api.RenditionResult, out string) error {
	if rr.Data == "" {
		if _, err := os.Stat(out); err != nil {
			return fmt.Errorf("the action reported the rendition created but wrote nothing to its target: %w", err)
		}
		return nil
	}
	_, b64, ok := strings.Cut(rr.Data, ";base64,")
	if !ok {
		return fmt.Errorf("the embedded rendition is not a base64 data: URI")
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return fmt.Errorf("the embedded rendition: %w", err)
	}
	return os.WriteFile(out, b, 0o644)
}

// update rewrites a case's expectations from an outcome.
func update(c *Case, rr api.RenditionResult, out string) (bool, error) {
	if c.ExpectedLink != "" {
		return false, fmt.Errorf("the expected rendition is linked (%s): update the linked file itself", filepath.Base(c.Dir)+"/"+filepath.Base(c.Expected))
	}
	if rr.Status != api.StatusCreated {
		if rr.Reason == c.ErrorReason {
			return false, nil
		}
		if c.Expected != "" {
			if err := os.Remove(c.Expected); err != nil {
				return false, err
			}
		}
		c.Params[ErrorReasonKey], _ = json.Marshal(rr.Reason)
		defer delete(c.Params, ErrorReasonKey)
		return true, writeJSON(filepath.Join(c.Dir, ParamsFile), c.Params)
	}
	if err := materialize(rr, out); err != nil {
		return false, err
	}
	if c.ErrorReason != "" {
		if err := writeJSON(filepath.Join(c.Dir, ParamsFile), c.Params); err != nil {
			return false, err
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return false, err
	}
	expected := c.Expected
	if expected == "" {
		expected = filepath.Join(c.Dir, "rendition"+outputExt(c, out, b))
	}
	if err := os.WriteFile(expected, b, 0o644); err != nil {
		return false, err
	}
	if c.Metadata != "" {
		m := map[string]any{}
		for k, v := range rr.Metadata {
			m[k] = v
		}
		if err := writeJSON(c.Metadata, m); err != nil {
			return false, err
		}
	}
	return true, nil
}

// outputExt picks the extension of a new expected output: the rendition
// name's, else the fmt's, else the sniffed type's.
func outputExt(c *Case, out string, b []byte) string {
	if ext := filepath.Ext(out); ext != "" {
		return ext
	}
	var f string
	_ = json.Unmarshal(c.Params["fmt"], &f)
	switch api.CanonicalFormat(f) {
	case "":
	case "text":
		return ".txt"
	case "machine-metadata-json", "analysis":
		return ".json"
	default:
		return "." + api.CanonicalFormat(f)
	}
	ct := http.DetectContentType(b)
	switch {
	case strings.HasPrefix(ct, "image/"):
		return "." + strings.TrimPrefix(ct, "image/")
	case strings.HasPrefix(ct, "text/"):
		return ".txt"
	}
	return ".bin"
}

func writeJSON(file string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}
