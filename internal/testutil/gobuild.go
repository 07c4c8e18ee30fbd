package testutil

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// GoBuild builds the Go package pkg (a path as go build takes it, relative
// to the test's directory) into the executable exe, with cgo on or off and
// with any further go build flags, for tests that run real action
// binaries. The error carries the compiler's output.
func GoBuild(exe, pkg string, cgo bool, flags ...string) error {
	args := append([]string{"build"}, flags...)
	args = append(args, "-o", exe, pkg)
	build := exec.Command("go", args...)
	enabled := "0"
	if cgo {
		enabled = "1"
	}
	build.Env = append(os.Environ(), "CGO_ENABLED="+enabled)
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return nil
}

// MainWithBuilds runs the tests of m for TestMain after build has built
// what they need into a temporary directory, removed when they end; in
// -short mode it runs them without building. It returns the exit code: 1
// when the directory or the build fails (the error is printed).
func MainWithBuilds(m *testing.M, prefix string, build func(dir string) error) int {
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
