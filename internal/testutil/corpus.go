package testutil

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CIEnv is the environment variable CI sets (CI=true). When it is set, a
// test that needs the shared sample corpus fails when the corpus is not
// there instead of skipping: a CI run must not pass by running none of
// the corpus tests.
const CIEnv = "CI"

// CorpusDir returns the shared sample corpus directory, shared/corpus
// beside the checkout (<root>/<checkout> and <root>/shared/corpus), found
// from the module root above the working directory. The directory may not
// exist; see NeedCorpus.
func CorpusDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testutil: finding the corpus: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "corpus"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testutil: finding the corpus: no go.mod above the working directory")
		}
		dir = parent
	}
}

// NeedCorpus returns the path of parts inside the shared sample corpus
// ("images", "photo.jpg"). When it is missing the test is skipped with a
// message saying where the corpus was looked for, or, when the CI
// environment variable is set, fails.
func NeedCorpus(t testing.TB, parts ...string) string {
	t.Helper()
	dir, err := CorpusDir()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(append([]string{dir}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		Missing(t, fmt.Sprintf("shared corpus: %s not found (the corpus is expected at <root>/shared/corpus beside the checkout at <root>/<checkout>): %v", p, err))
	}
	return p
}

// NeedTool returns the path of the program name (looked up in PATH, or
// name itself when it is a path). When it is missing the test is skipped
// with a message naming the Debian package set-up that installs it, or,
// when the CI environment variable is set, fails: scripts/install-deps.sh
// installs every tool the tests drive, so a CI run must not pass by
// skipping them.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	Missing(t, fmt.Sprintf("%s is not installed (scripts/install-deps.sh installs it): %v", name, err))
	return ""
}

// Missing ends a test that needs something this machine lacks (a tool, a
// package, a sample, a codec): skipped, saying why, or, when the CI
// environment variable is set, failed, since scripts/install-deps.sh
// installs everything the tests need and a CI run must not pass by
// skipping.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(CIEnv) != "" {
		t.Fatalf("%s; %s is set, so this is a failure, not a skip", why, CIEnv)
	}
	t.Skip(why)
}
