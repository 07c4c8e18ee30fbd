package devserver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/owaction"
)

// DefaultMaxCodeBytes caps the decompressed content of an action zip.
const DefaultMaxCodeBytes = owaction.DefaultMaxCodeBytes

// errNoExec reports an action zip without exec at its root.
var errNoExec = errors.New("the action zip has no exec file at its root")

// unpackAction extracts an action zip into dir with the /init harness's
// extractor (owaction.Unzip: no entries outside dir, no links or special
// files, bounded entries and decompressed bytes) and checks that it holds an
// exec file, which it makes executable.
func unpackAction(data []byte, dir string, maxBytes int64) error {
	if err := owaction.Unzip(data, dir, maxBytes); err != nil {
		return err
	}
	exe := filepath.Join(dir, owaction.ExecName)
	if fi, err := os.Stat(exe); err != nil || !fi.Mode().IsRegular() {
		return errNoExec
	}
	if err := os.Chmod(exe, 0o755); err != nil {
		return fmt.Errorf("making exec executable: %w", err)
	}
	return nil
}
