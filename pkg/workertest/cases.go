package workertest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// File names in a case folder.
const (
	// ParamsFile holds the rendition instructions.
	ParamsFile = "params.json"
	// ErrorReasonKey in ParamsFile makes the case an expected failure.
	ErrorReasonKey = "errorReason"
	// ActionParamsFile holds action parameters (such as an API endpoint
	// and key) added to every activation. One in the action's folder
	// applies to all its cases; one in a case folder adds to it.
	ActionParamsFile = "action-params.json"
	// MetadataFile, when present, holds metadata the result must carry
	// (a subset; volatile keys ignored).
	MetadataFile = "metadata.json"
	// CaseOptionsFile, when present, adjusts the comparison for one case.
	CaseOptionsFile = "case.json"
	// ValidateFile, when present, is a script that judges the rendition
	// instead of the built-in comparison: it runs as
	// `bash -x validate EXPECTED ACTUAL` and must exit 0.
	ValidateFile = "validate"
	// LinkExt ends the name of a source or expected rendition that is
	// stored elsewhere: file.jpg.link holds the URL of the source.
	LinkExt = ".link"
	// mockPrefix starts the name of a stand-in definition: mock-<host>.json.
	mockPrefix = "mock-"
)

// Layout is how a cases folder is laid out.
type Layout int

const (
	// LayoutACS is this project's layout, test/cases/<action>/<case>/.
	LayoutACS Layout = iota
	// LayoutAIO is the layout of `aio asset-compute test-worker`,
	// test/asset-compute/<worker>/<case>/: every case goes to the worker
	// under test as is, fmt defaults to the expected rendition's
	// extension, and a folder without a source is skipped.
	LayoutAIO
)

// AIOCasesDir is where aio projects keep their worker cases.
var AIOCasesDir = filepath.Join("test", "asset-compute")

// Case is one worker test case: a folder test/cases/<action>/<case>/.
type Case struct {
	// Action is the action under test (the parent folder's name).
	Action string
	// Name is the case's folder name.
	Name string
	// Dir is the case folder.
	Dir string
	// Source is the source file (file.*); for a link, the file it was
	// fetched to.
	Source string
	// SourceLink is the URL a file*.link names, or "".
	SourceLink string
	// Params are the rendition instructions, without errorReason.
	Params map[string]json.RawMessage
	// ErrorReason, when set, is the reason the rendition must fail with.
	ErrorReason api.Reason
	// Expected is the expected output (rendition.*), or "" when none exists.
	Expected string
	// ExpectedLink is the URL a rendition*.link names, or "".
	ExpectedLink string
	// ErrorName is errorReason as written, when it is an error name such
	// as SourceCorruptError rather than a reason.
	ErrorName string
	// Validate is the case's validate script, or "" when none exists.
	Validate string
	// Invalid, when set, says why the case cannot run: it is reported as
	// an error, and the other cases still run.
	Invalid string
	// Skip, when set, says why the case is skipped (LayoutAIO: no source).
	Skip string
	// expectedExt is the expected rendition's extension (see expectedExt).
	expectedExt string
	// Metadata is the expected metadata file, or "" when none exists.
	Metadata string
	// ActionParams are added to the activation's parameters.
	ActionParams map[string]json.RawMessage
	// Mocks maps host names to their stand-in definitions (mock-<host>.json).
	Mocks map[string]string
	// Options adjust the comparison for this case.
	Options CaseOptions
}

// CaseOptions are a case's own comparison settings (case.json).
type CaseOptions struct {
	// MinPSNR overrides the image similarity threshold, in dB.
	MinPSNR float64 `json:"minPSNR,omitempty"`
	// IgnoreKeys are more volatile keys to ignore in JSON and XMP.
	IgnoreKeys []string `json:"ignoreKeys,omitempty"`
	// Timeout is the activation deadline, as a Go duration ("90s").
	Timeout string `json:"timeout,omitempty"`
}

// ComposeCasesDir is the folder of the cases folder that holds
// composition cases: requests of several renditions made from one
// another, run by the orchestrator over the actions (see
// test/cases/compose_test.go). It is not an action's folder, so Actions
// leaves it out.
const ComposeCasesDir = "compose"

// Actions lists the action folders under root, sorted.
func Actions(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("workertest: reading the cases folder: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && e.Name() != "testdata" && e.Name() != ComposeCasesDir {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// LoadCases reads the cases of action under root whose names match glob
// (path.Match syntax; "" matches all), sorted by name, in LayoutACS.
func LoadCases(root, action, glob string) ([]*Case, error) {
	return LoadCasesLayout(root, action, glob, LayoutACS)
}

// LoadCasesLayout is LoadCases for a given layout. A case folder that
// cannot run (unreadable params.json, an unknown errorReason, both an
// errorReason and an expected rendition) comes back with Invalid set; an
// error means the action's folder itself cannot be read.
func LoadCasesLayout(root, action, glob string, layout Layout) ([]*Case, error) {
	adir := filepath.Join(root, action)
	entries, err := os.ReadDir(adir)
	if err != nil {
		return nil, fmt.Errorf("workertest: reading the cases of %s: %w", action, err)
	}
	shared, err := readObject(filepath.Join(adir, ActionParamsFile), true)
	if err != nil {
		return nil, err
	}
	var cases []*Case
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if glob != "" {
			ok, err := path.Match(glob, e.Name())
			if err != nil {
				return nil, fmt.Errorf("workertest: case pattern %q: %w", glob, err)
			}
			if !ok {
				continue
			}
		}
		c, err := loadCase(filepath.Join(adir, e.Name()), action, shared, layout)
		if err != nil {
			c.Invalid = err.Error()
		}
		cases = append(cases, c)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

// loadCase reads one case folder. The case is returned even with an
// error, which says why it cannot run.
func loadCase(dir, action string, shared map[string]json.RawMessage, layout Layout) (*Case, error) {
	c := &Case{Action: action, Name: filepath.Base(dir), Dir: dir, Mocks: map[string]string{}, ActionParams: map[string]json.RawMessage{}, Params: map[string]json.RawMessage{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return c, fmt.Errorf("workertest: case %s/%s: %w", action, c.Name, err)
	}
	for _, e := range entries {
		n := e.Name()
		switch {
		case e.IsDir():
		case (n == "file" || strings.HasPrefix(n, "file.")) && c.Source == "":
			c.Source = filepath.Join(dir, n)
		case strings.HasPrefix(n, "rendition.") && c.Expected == "":
			c.Expected = filepath.Join(dir, n)
		case n == MetadataFile:
			c.Metadata = filepath.Join(dir, n)
		case n == ValidateFile:
			c.Validate = filepath.Join(dir, n)
		case strings.HasPrefix(n, mockPrefix) && strings.HasSuffix(n, ".json"):
			c.Mocks[strings.TrimSuffix(strings.TrimPrefix(n, mockPrefix), ".json")] = filepath.Join(dir, n)
		}
	}
	if c.Source == "" {
		if layout == LayoutAIO {
			c.Skip = "no test input file found (file.*)"
			return c, nil
		}
		return c, fmt.Errorf("workertest: case %s/%s has no source file (file.*)", action, c.Name)
	}
	if strings.HasSuffix(c.Source, LinkExt) {
		if c.SourceLink, err = readLink(c.Source); err != nil {
			return c, err
		}
	}
	if strings.HasSuffix(c.Expected, LinkExt) {
		if c.ExpectedLink, err = readLink(c.Expected); err != nil {
			return c, err
		}
	}
	if c.Params, err = readObject(filepath.Join(dir, ParamsFile), layout == LayoutAIO); err != nil {
		return c, err
	}
	if raw, ok := c.Params[ErrorReasonKey]; ok {
		var name string
		_ = json.Unmarshal(raw, &name)
		reason, ok := ParseErrorReason(name)
		if !ok {
			return c, fmt.Errorf("workertest: case %s/%s: %s %s must be one of %v, or an error name such as SourceCorruptError", action, c.Name, ErrorReasonKey, raw, api.Reasons)
		}
		c.ErrorReason = reason
		if name != string(reason) {
			c.ErrorName = name
		}
		delete(c.Params, ErrorReasonKey)
		if c.Expected != "" {
			return c, fmt.Errorf("workertest: invalid case %s/%s: it expects an error (%s in %s) and a rendition (%s)", action, c.Name, ErrorReasonKey, ParamsFile, filepath.Base(c.Expected))
		}
	}
	c.expectedExt = expectedExt(c)
	if _, ok := c.Params["fmt"]; !ok && layout == LayoutAIO && c.Expected != "" {
		// As aio does: the expected rendition's extension is the format.
		if ext := c.expectedExt; ext != "" {
			c.Params["fmt"], _ = json.Marshal(strings.TrimPrefix(ext, "."))
		}
	}
	for k, v := range shared {
		c.ActionParams[k] = v
	}
	own, err := readObject(filepath.Join(dir, ActionParamsFile), true)
	if err != nil {
		return c, err
	}
	for k, v := range own {
		c.ActionParams[k] = v
	}
	if b, err := os.ReadFile(filepath.Join(dir, CaseOptionsFile)); err == nil {
		if err := json.Unmarshal(b, &c.Options); err != nil {
			return c, fmt.Errorf("workertest: case %s/%s: %s: %w", action, c.Name, CaseOptionsFile, err)
		}
	}
	return c, nil
}

// ParseErrorReason reads the errorReason of a case: a reason such as
// SourceCorrupt, or the name of the error a worker SDK throws for it,
// such as SourceCorruptError (the reason followed by "Error").
func ParseErrorReason(s string) (api.Reason, bool) {
	if r := api.Reason(s); r.Valid() {
		return r, true
	}
	if r := api.Reason(strings.TrimSuffix(s, "Error")); strings.HasSuffix(s, "Error") && r.Valid() {
		return r, true
	}
	return "", false
}

// expectedExt is the extension of the expected rendition: rendition.png
// gives .png; a link, rendition.png.link, the one before .link, else its
// URL's.
func expectedExt(c *Case) string {
	name := filepath.Base(c.Expected)
	if c.ExpectedLink == "" {
		return strings.ToLower(filepath.Ext(name))
	}
	if ext := filepath.Ext(strings.TrimSuffix(name, LinkExt)); ext != "" {
		return strings.ToLower(ext)
	}
	if u, err := url.Parse(c.ExpectedLink); err == nil {
		return strings.ToLower(path.Ext(u.Path))
	}
	return ""
}

// readLink reads the URL a .link file holds.
func readLink(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("workertest: %w", err)
	}
	s := strings.TrimSpace(string(b))
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("workertest: %s must hold a URL, such as https://s3.amazonaws.com/bucket/key", filepath.Base(file))
	}
	return s, nil
}

// readObject reads a JSON object file; a missing file is an empty object
// when optional.
func readObject(file string, optional bool) (map[string]json.RawMessage, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		if optional && os.IsNotExist(err) {
			return map[string]json.RawMessage{}, nil
		}
		return nil, fmt.Errorf("workertest: %w", err)
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("workertest: %s is not a JSON object: %w", file, err)
	}
	return m, nil
}
