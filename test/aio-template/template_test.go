// Package aiotemplate holds the worker test cases of the template of
// @adobe/generator-add-action-asset-compute 3.0.0, as `aio app add
// action` writes them into a project (test/asset-compute/worker/), and
// worker/, a Go worker that does what the template's worker does. The
// cases run unchanged with `acs test-worker` (see cmd/acs and package
// workertest, whose tests run them); this package's test checks that
// they are still byte for byte the npm package's.
package aiotemplate

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// generatorPackage is the npm package the cases come from.
const generatorPackage = "@adobe/generator-add-action-asset-compute@3.0.0"

// TestCasesAreTheGeneratorsOwn fetches the generator's package with npm
// and compares its template cases with the committed copy.
func TestCasesAreTheGeneratorsOwn(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches an npm package")
	}
	npm := testutil.NeedTool(t, "npm")
	tar := testutil.NeedTool(t, "tar")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "pack", "--silent", generatorPackage)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "npm_config_cache="+filepath.Join(dir, ".npm"), "npm_config_update_notifier=false")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "npm pack: %s", out)
	tgz := filepath.Join(dir, string(bytes.TrimSpace(out)))
	if lines := bytes.Split(bytes.TrimSpace(out), []byte("\n")); len(lines) > 1 {
		tgz = filepath.Join(dir, string(lines[len(lines)-1]))
	}
	x := exec.CommandContext(ctx, tar, "-xzf", tgz, "-C", dir)
	out, err = x.CombinedOutput()
	require.NoError(t, err, "tar: %s", out)

	theirs := filepath.Join(dir, "package", "templates", "test")
	ours := filepath.Join("test", "asset-compute", "worker")
	var names []string
	require.NoError(t, filepath.WalkDir(theirs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(theirs, p)
		names = append(names, rel)
		want, err := os.ReadFile(p)
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(ours, rel))
		if assert.NoError(t, err, "%s is missing from the committed copy", rel) {
			assert.True(t, bytes.Equal(want, got), "%s differs from the package's", rel)
		}
		return nil
	}))
	assert.ElementsMatch(t, []string{
		filepath.Join("corrupt-input", "file.jpg"), filepath.Join("corrupt-input", "params.json"),
		filepath.Join("simple-test", "file.jpg"), filepath.Join("simple-test", "params.json"), filepath.Join("simple-test", "rendition.jpg"),
	}, names)
}
