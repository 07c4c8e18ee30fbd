package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// PigoModule is the module (and version, as go.mod requires it) whose
// test photo NeedPigoSample finds.
const PigoModule = "github.com/esimov/pigo@v1.4.6"

// NeedPigoSample returns the path of the portrait photo the face
// detector's module ships (testdata/sample.jpg of PigoModule, 320x400, one
// frontal face, MIT licence) in the Go module cache, where building this
// module puts it. When it is missing the test is skipped, or, when the CI
// environment variable is set, fails.
func NeedPigoSample(t testing.TB) string {
	t.Helper()
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err == nil {
			cache = strings.TrimSpace(string(out))
		}
	}
	p := filepath.Join(cache, filepath.FromSlash(PigoModule), "testdata", "sample.jpg")
	if _, err := os.Stat(p); cache == "" || err != nil {
		Missing(t, fmt.Sprintf("%s's testdata/sample.jpg is not in the module cache (%q): run go mod download", PigoModule, p))
	}
	return p
}
