// Package cases holds the worker test cases of the built-in actions and
// of the example custom worker, one folder per action and case (see
// package workertest), and the test that runs them all with `go test`
// (and so `make test`). `acs test-worker` runs the same cases from the
// command line.
package cases

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/workertest"
)

// builtinOrExample are the actions that must ship at least 10 cases.
var builtinOrExample = map[string]bool{"thumbnail": true, "metadata": true, "fulltext": true, "office": true, "example-tagger": true, "analysis": true}

// TestCases builds every action that has cases here and runs its cases
// through the action loop.
func TestCases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the action binaries")
	}
	actions, err := workertest.Actions(".")
	require.NoError(t, err)
	require.Subset(t, actions, []string{"thumbnail", "metadata", "fulltext", "office", "example-tagger"})
	for _, action := range actions {
		t.Run(action, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			suite, err := workertest.Run(ctx, workertest.Options{
				CasesDir: ".",
				Action:   action,
				BuildDir: filepath.Join("..", "..", "actions", workertest.RunBy(action)),
			})
			require.NoError(t, err)
			if builtinOrExample[action] {
				require.GreaterOrEqual(t, len(suite.Results), 10, "every built-in action ships at least 10 cases")
			}
			for _, r := range suite.Results {
				t.Run(r.Case, func(t *testing.T) {
					if !r.Passed {
						t.Errorf("%s: %s\n(run `acs test-worker %s %s` to see it alone, -u to accept the new output)", r.Dir, r.Message, action, r.Case)
					}
				})
			}
		})
	}
}
