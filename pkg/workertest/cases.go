package workertest

import (
	"encoding/json"
	"fmt"
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
	// mockPrefix starts the name of a stand-in definition: mock-<host>.json.
	mockPrefix = "mock-"
)

// Case is one worker test case: a folder test/cases/<action>/<case>/.
type Case struct {
	// Action is the action under test (the parent folder's name).
	Action string
	// Name is the case's folder name.
	Name string
	// Dir is the case folder.
	Dir string
	// Source is the source file (file.*).
	Source string
	// Params are the rendition instructions, without errorReason.
	Params map[string]json.RawMessage
	// ErrorReason, when set, is the reason the rendition must fail with.
	ErrorReason api.Reason
	// Expected is the expected output (rendition.*), or "" when none exists.
	Expected string
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
// (path.Match syntax; "" matches all), sorted by name.
func LoadCases(root, action, glob string) ([]*Case, error) {
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
		c, err := loadCase(filepath.Join(adir, e.Name()), action, shared)
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

// loadCase reads one case folder.
func loadCase(dir, action string, shared map[string]json.RawMessage) (*Case, error) {
	c := &Case{Action: action, Name: filepath.Base(dir), Dir: dir, Mocks: map[string]string{}, ActionParams: map[string]json.RawMessage{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("workertest: case %s/%s: %w", action, c.Name, err)
	}
	for _, e := range entries {
		n := e.Name()
		switch {
		case e.IsDir():
		case strings.HasPrefix(n, "file."):
			c.Source = filepath.Join(dir, n)
		case strings.HasPrefix(n, "rendition."):
			c.Expected = filepath.Join(dir, n)
		case n == MetadataFile:
			c.Metadata = filepath.Join(dir, n)
		case strings.HasPrefix(n, mockPrefix) && strings.HasSuffix(n, ".json"):
			c.Mocks[strings.TrimSuffix(strings.TrimPrefix(n, mockPrefix), ".json")] = filepath.Join(dir, n)
		}
	}
	if c.Source == "" {
		return nil, fmt.Errorf("workertest: case %s/%s has no source file (file.*)", action, c.Name)
	}
	if c.Params, err = readObject(filepath.Join(dir, ParamsFile), false); err != nil {
		return nil, err
	}
	if raw, ok := c.Params[ErrorReasonKey]; ok {
		var reason api.Reason
		if err := json.Unmarshal(raw, &reason); err != nil || !reason.Valid() {
			return nil, fmt.Errorf("workertest: case %s/%s: %s must be one of %v", action, c.Name, ErrorReasonKey, api.Reasons)
		}
		c.ErrorReason = reason
		delete(c.Params, ErrorReasonKey)
	}
	for k, v := range shared {
		c.ActionParams[k] = v
	}
	own, err := readObject(filepath.Join(dir, ActionParamsFile), true)
	if err != nil {
		return nil, err
	}
	for k, v := range own {
		c.ActionParams[k] = v
	}
	if b, err := os.ReadFile(filepath.Join(dir, CaseOptionsFile)); err == nil {
		if err := json.Unmarshal(b, &c.Options); err != nil {
			return nil, fmt.Errorf("workertest: case %s/%s: %s: %w", action, c.Name, CaseOptionsFile, err)
		}
	}
	return c, nil
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
