package testutil

import (
	"fmt"
	"os"
	"os/exec"
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
