package workertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Build compiles the Go main package in dir (a folder of the module that
// holds it, or of any module for an out-of-tree worker) into out with
// `go build`, and returns out. The go command is looked up on PATH, then
// in GOROOT/bin and /usr/local/go/bin.
func Build(ctx context.Context, dir, out string) (string, error) {
	goBin, err := goCommand()
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("workertest: build %s: %w", dir, err)
	}
	outAbs, err := filepath.Abs(out)
	if err != nil {
		return "", fmt.Errorf("workertest: build %s: %w", dir, err)
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", outAbs, ".")
	cmd.Dir = abs
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("workertest: go build in %s: %w\n%s", dir, err, strings.TrimSpace(stderr.String()))
	}
	return outAbs, nil
}

// goCommand finds the go command.
func goCommand() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	for _, p := range []string{filepath.Join(os.Getenv("GOROOT"), "bin", "go"), "/usr/local/go/bin/go"} {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("workertest: the go command is not on PATH nor in /usr/local/go/bin")
}
