package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/invoke"
)

// TestStaticActionsLinkNoCLibraries keeps the actions that manifest.yml
// deploys on the stock Go runtime free of this project's C bindings
// (libvips, poppler): a binary linked against them cannot start there.
func TestStaticActionsLinkNoCLibraries(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the dependencies with")
	}
	for _, action := range []string{"../process", "../storage-event", "../metadata"} {
		out, err := exec.Command(goBin, "list", "-deps", "-f", "{{if .CgoFiles}}{{.ImportPath}}{{end}}", action).CombinedOutput()
		require.NoError(t, err, "%s", out)
		for _, pkg := range strings.Fields(string(out)) {
			assert.False(t, strings.HasPrefix(pkg, "github.com/assetcompute/"),
				"%s depends on %s, which uses cgo", action, pkg)
		}
	}
}

// TestWithoutAPIKeyTheActionSaysWhy checks the answer of an activation
// without __OW_API_KEY in the real action's configuration.
func TestWithoutAPIKeyTheActionSaysWhy(t *testing.T) {
	s := testServer(t, map[string]string{}, nil)
	s.local = func() (invoke.Invoker, error) { return nil, errNoAPIKey }
	_, err := s.handle(context.Background(), []byte(`{"source":"https://example.com/a.jpg","renditions":[{"fmt":"png","target":"https://example.com/put"}]}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "provide-api-key")
}
