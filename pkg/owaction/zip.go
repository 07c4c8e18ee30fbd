package owaction

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Names of the files an action zip must hold at its root.
const (
	// ExecName is the action executable.
	ExecName = "exec"
	// ExecEnvName is the file naming the runtime image the executable was
	// built for; the runtime compares its trimmed content with its own
	// OW_EXECUTION_ENV.
	ExecEnvName = "exec.env"
)

// maxZipEntries bounds the number of entries in an action zip.
const maxZipEntries = 10000

// ZipAction returns an action zip holding the file at execPath as exec
// (mode 0755) and executionEnv as exec.env, the layout /init expects for a
// binary Go action.
func ZipAction(execPath, executionEnv string) ([]byte, error) {
	exe, err := os.ReadFile(execPath)
	if err != nil {
		return nil, fmt.Errorf("owaction: reading the action executable: %w", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := []struct {
		name string
		mode os.FileMode
		data []byte
	}{
		{ExecName, 0o755, exe},
		{ExecEnvName, 0o644, []byte(executionEnv)},
	}
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		h.SetMode(f.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("owaction: zipping %s: %w", f.name, err)
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, fmt.Errorf("owaction: zipping %s: %w", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("owaction: finishing the action zip: %w", err)
	}
	return buf.Bytes(), nil
}

// Unzip extracts an action zip held in data into dir, which must exist. It
// refuses entries whose names leave dir (absolute paths, ".."), symbolic
// links and other special files, more than 10000 entries, and more than
// maxBytes of content in all, counting what is actually decompressed rather
// than what the headers claim. It is the extractor of the /init harness,
// exported for other hosts of action zips (package devserver).
func Unzip(data []byte, dir string, maxBytes int64) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("reading the action zip: %w", err)
	}
	if len(zr.File) > maxZipEntries {
		return fmt.Errorf("the action zip has %d entries, the limit is %d", len(zr.File), maxZipEntries)
	}
	budget := maxBytes
	for _, f := range zr.File {
		name := strings.TrimSuffix(f.Name, "/")
		if !filepath.IsLocal(name) || strings.Contains(f.Name, `\`) {
			return fmt.Errorf("the action zip has an entry outside its root: %q", f.Name)
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return fmt.Errorf("extracting %q: %w", f.Name, err)
			}
			continue
		case !mode.IsRegular():
			return fmt.Errorf("the action zip has a special file (%s): %q", mode.Type(), f.Name)
		}
		written, err := extractFile(f, target, budget)
		if err != nil {
			return fmt.Errorf("extracting %q: %w", f.Name, err)
		}
		budget -= written
	}
	return nil
}

// errTooBig reports an action zip whose content exceeds the size cap.
var errTooBig = errors.New("the action zip's content exceeds the size limit")

// extractFile writes f to target, reading at most budget bytes.
func extractFile(f *zip.File, target string, budget int64) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return 0, err
	}
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, f.Mode().Perm()|0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(rc, budget+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	if n > budget {
		return n, errTooBig
	}
	return n, nil
}
