package workertest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// templateDir is the copy of the aio generator's template project: its
// worker cases and a Go worker that does what its worker does.
var templateDir = filepath.Join("..", "..", "test", "aio-template")

var (
	copyWorkerOnce sync.Once
	copyWorkerExe  string
	copyWorkerErr  error
	copyWorkerDir  string
)

// copyWorker builds the template's Go worker (it copies the source and
// fails an empty one with SourceCorrupt) once for the package's tests.
func copyWorker(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a worker action: skipped in -short mode")
	}
	copyWorkerOnce.Do(func() {
		copyWorkerDir, copyWorkerErr = os.MkdirTemp("", "workertest-copy-")
		if copyWorkerErr == nil {
			copyWorkerExe, copyWorkerErr = Build(context.Background(), filepath.Join(templateDir, "worker"), filepath.Join(copyWorkerDir, "exec"))
		}
	})
	require.NoError(t, copyWorkerErr)
	return copyWorkerExe
}

func TestMain(m *testing.M) {
	code := m.Run()
	if copyWorkerDir != "" {
		_ = os.RemoveAll(copyWorkerDir)
	}
	os.Exit(code)
}

// aioSuite writes files under root/<worker>/<case>/ (the layout of
// test/asset-compute) and returns root.
func aioSuite(t *testing.T, files map[string]string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "asset-compute")
	for rel, content := range files {
		p := filepath.Join(root, "worker", rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return root
}

func results(s *Suite) map[string]Result {
	m := map[string]Result{}
	for _, r := range s.Results {
		m[r.Case] = r
	}
	return m
}

// TestGeneratorTemplateCases runs the test cases of the worker template of
// @adobe/generator-add-action-asset-compute 3.0.0, unchanged, against the
// Go worker that does what the template's worker does.
func TestGeneratorTemplateCases(t *testing.T) {
	exe := copyWorker(t)
	suite, err := Run(context.Background(), Options{
		CasesDir: filepath.Join(templateDir, "test", "asset-compute"), Action: "worker",
		Exec: exe, Layout: LayoutAIO,
	})
	require.NoError(t, err)
	rs := results(suite)
	require.Len(t, rs, 2)
	assert.True(t, rs["simple-test"].Passed, rs["simple-test"].Message)
	assert.True(t, rs["corrupt-input"].Passed, rs["corrupt-input"].Message)
	assert.True(t, rs["corrupt-input"].ExpectedError)
	assert.Positive(t, rs["simple-test"].ProcTime)
}

func TestAIOLayoutCases(t *testing.T) {
	exe := copyWorker(t)
	root := aioSuite(t, map[string]string{
		// A validate script replaces the comparison: it passes a
		// rendition the built-in comparison would refuse...
		"validate-passes/file.txt":      "hello\n",
		"validate-passes/rendition.txt": "something else\n",
		"validate-passes/validate":      "set -e\ntest -s \"$2\"\ngrep -q hello \"$2\"\n",
		// ... and fails one it would accept.
		"validate-fails/file.txt":      "hello\n",
		"validate-fails/rendition.txt": "hello\n",
		"validate-fails/validate":      "echo 'checksum differs' >&2\nexit 4\n",
		// An error name as the aio SDK throws it, and no params.json
		// needed for the format.
		"error-name/file.jpg":     "",
		"error-name/params.json":  `{"fmt": "jpg", "errorReason": "SourceCorruptError"}`,
		"wrong-error/file.jpg":    "",
		"wrong-error/params.json": `{"errorReason": "RenditionTooLargeError"}`,
		// Bad cases are reported, and the others still run.
		"both/file.txt":         "x",
		"both/params.json":      `{"errorReason": "SourceCorrupt"}`,
		"both/rendition.txt":    "x",
		"unknown/file.txt":      "x",
		"unknown/params.json":   `{"errorReason": "NoSuchError"}`,
		"not-json/file.txt":     "x",
		"not-json/params.json":  `{"fmt":`,
		"no-source/params.json": `{}`,
		"plain/file.txt":        "copied\n",
		"plain/rendition.txt":   "copied\n",
	})
	failed := filepath.Join(t.TempDir(), "failed")
	suite, err := Run(context.Background(), Options{CasesDir: root, Action: "worker", Exec: exe, Layout: LayoutAIO, FailedDir: failed})
	require.NoError(t, err)
	rs := results(suite)
	require.Len(t, rs, 9)

	assert.True(t, rs["validate-passes"].Passed, rs["validate-passes"].Message)
	assert.True(t, rs["plain"].Passed, rs["plain"].Message)
	assert.True(t, rs["error-name"].Passed, rs["error-name"].Message)

	vf := rs["validate-fails"]
	assert.False(t, vf.Passed)
	assert.False(t, vf.Error, "a failing validate script is a failure, not an error")
	assert.Contains(t, vf.Message, "exit code was: 4")
	assert.Contains(t, vf.Message, "checksum differs")
	kept, err := os.ReadFile(filepath.Join(failed, "validate-fails", "rendition.txt"))
	require.NoError(t, err, "the rendition of a failed case is kept in failed/<case>/")
	assert.Equal(t, "hello\n", string(kept))
	_, err = os.Stat(filepath.Join(failed, "validate-passes"))
	assert.True(t, os.IsNotExist(err), "passing cases leave nothing in failed/")

	we := rs["wrong-error"]
	assert.False(t, we.Passed)
	assert.False(t, we.Error)
	assert.Contains(t, we.Message, "RenditionTooLargeError (RenditionTooLarge)")
	assert.Contains(t, we.Message, "got SourceCorrupt")

	for _, name := range []string{"both", "unknown", "not-json"} {
		assert.True(t, rs[name].Error, "%s: %s", name, rs[name].Message)
		assert.False(t, rs[name].Passed)
	}
	assert.Contains(t, rs["both"].Message, "expects an error")
	assert.Contains(t, rs["unknown"].Message, "NoSuchError")
	assert.True(t, rs["no-source"].Skipped)

	assert.Equal(t, 3, suite.Errors())
	assert.Equal(t, 1, suite.Skipped())
	assert.Equal(t, 5, suite.Failed(), "2 failures and 3 errors")
}

func TestValidateScriptDeadline(t *testing.T) {
	exe := copyWorker(t)
	root := aioSuite(t, map[string]string{
		"hangs/file.txt":      "x\n",
		"hangs/rendition.txt": "x\n",
		"hangs/validate":      "sleep 600\n",
		"hangs/case.json":     `{"timeout": "5s"}`,
	})
	suite, err := Run(context.Background(), Options{CasesDir: root, Action: "worker", Exec: exe, Layout: LayoutAIO})
	require.NoError(t, err)
	r := suite.Results[0]
	assert.False(t, r.Passed)
	assert.Contains(t, r.Message, "did not finish before the case's deadline")
}

func TestAIOParams(t *testing.T) {
	root := aioSuite(t, map[string]string{
		"png/file.jpg":         "x",
		"png/rendition.PNG":    "x",
		"given/file.jpg":       "x",
		"given/params.json":    `{"fmt": "webp", "wid": 64}`,
		"given/rendition.jpeg": "x",
	})
	cases, err := LoadCasesLayout(root, "worker", "", LayoutAIO)
	require.NoError(t, err)
	require.Len(t, cases, 2)
	tmp := t.TempDir()
	rendition := func(c *Case) map[string]any {
		raw, _, err := activationParams(c, tmp, nil, LayoutAIO)
		require.NoError(t, err)
		var p struct{ Renditions []map[string]any }
		require.NoError(t, json.Unmarshal(raw, &p))
		require.Len(t, p.Renditions, 1)
		return p.Renditions[0]
	}
	given := rendition(cases[0])
	assert.Equal(t, "webp", given["fmt"])
	assert.Equal(t, 64.0, given["wid"], "instructions are passed as written")
	assert.Equal(t, "worker", given["worker"], "an aio case is for the worker under test, whatever its fmt")
	png := rendition(cases[1])
	assert.Equal(t, "png", png["fmt"], "fmt is the expected rendition's extension")
	assert.Equal(t, "rendition.png", png["name"])
}

func TestParseErrorReason(t *testing.T) {
	for in, want := range map[string]api.Reason{
		"SourceCorrupt": api.ReasonSourceCorrupt, "SourceCorruptError": api.ReasonSourceCorrupt,
		"GenericError": api.ReasonGeneric, "RenditionFormatUnsupportedError": api.ReasonRenditionFormatUnsupported,
		"SourceUnsupportedError": api.ReasonSourceUnsupported, "": "", "Error": "", "NoSuchError": "",
	} {
		got, ok := ParseErrorReason(in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, want != "", ok, in)
	}
}
