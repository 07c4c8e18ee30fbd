package workertest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/internal/cage"
)

// validate runs the case's validate script on the expected and the
// actual rendition, as `bash -x validate EXPECTED ACTUAL`, caged: no
// network, a private working directory, resource limits and the case's
// deadline. It returns "" when the script exits 0, else what it said.
func validate(ctx context.Context, cg *cage.Cage, c *Case, actual string) (string, error) {
	if cg == nil {
		return "", errors.New("workertest: no cage for validate scripts")
	}
	bash, err := cage.LookPath("bash")
	if err != nil {
		return "", fmt.Errorf("workertest: validate scripts need bash: %w", err)
	}
	script, err := filepath.Abs(c.Validate)
	if err != nil {
		return "", err
	}
	expected, err := filepath.Abs(c.Expected)
	if err != nil {
		return "", err
	}
	_, err = cg.Run(ctx, cage.Cmd{Path: bash, Args: []string{"-x", script, expected, actual}})
	if err == nil {
		return "", nil
	}
	var ce *cage.Error
	if !errors.As(err, &ce) {
		return "", fmt.Errorf("workertest: running %s: %w", ValidateFile, err)
	}
	how := fmt.Sprintf("exit code was: %d", ce.ExitCode)
	if ctx.Err() != nil {
		how = "it did not finish before the case's deadline and was killed"
	}
	msg := fmt.Sprintf("rendition %s not as expected: %s %s", filepath.Base(actual), ValidateFile, how)
	if tail := strings.TrimSpace(ce.Stderr); tail != "" {
		msg += "\n" + cage.LastLines(tail, 10)
	}
	return msg, nil
}
