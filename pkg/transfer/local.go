package transfer

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// fetchLocal copies a local file into s.
func fetchLocal(path string, s *sink) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return api.Errorf(api.ReasonGeneric, "source not found: %s", path)
		}
		return api.Wrap(api.ReasonGeneric, err, "cannot open the source file "+path)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot read the source file "+path)
	}
	if !info.Mode().IsRegular() {
		return api.Errorf(api.ReasonSourceUnsupported, "source %s is not a regular file", path)
	}
	if info.Size() > s.limit {
		return sourceTooLarge(info.Size(), s.limit)
	}
	if _, err := io.Copy(s, f); err != nil {
		if s.werr != nil {
			return s.werr
		}
		return api.Wrap(api.ReasonGeneric, err, "cannot read the source file "+path)
	}
	return nil
}

// putLocal copies src to path atomically: into a temporary file next to
// it, then renamed over it. Parent directories are created.
func putLocal(src *os.File, path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot create the target directory "+dir)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot write the target "+path)
	}
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, io.NewSectionReader(src, 0, 1<<62)); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot write the target "+path)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot write the target "+path)
	}
	if err := tmp.Sync(); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot write the target "+path)
	}
	if err := tmp.Close(); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot write the target "+path)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot write the target "+path)
	}
	ok = true
	return nil
}
