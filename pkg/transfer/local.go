package transfer

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// fetchLocal copies a local file into s.
func fetchLocal(path string, s *sink) error {
	f, info, err := openLocalSource(path)
	if err != nil {
		return err
	}
	defer f.Close()
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

// openLocalSource opens a local source file for reading. Only a regular
// file (or a symbolic link to one) is a source: a directory, a device such
// as /dev/zero, a named pipe or a socket is refused with
// SourceUnsupported. The file's type is checked before it is opened, since
// opening a named pipe blocks until a writer comes, and it is opened
// non-blocking and checked again, so one swapped in between cannot block
// either.
func openLocalSource(path string) (*os.File, fs.FileInfo, error) {
	info, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, api.Errorf(api.ReasonGeneric, "source not found: %s", path)
		}
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "cannot read the source file "+path)
	}
	if !info.Mode().IsRegular() {
		return nil, nil, api.Errorf(api.ReasonSourceUnsupported, "source %s is %s, not a regular file", path, fileKind(info.Mode()))
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "cannot open the source file "+path)
	}
	info, err = f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, api.Wrap(api.ReasonGeneric, err, "cannot read the source file "+path)
	}
	if !info.Mode().IsRegular() {
		_ = f.Close()
		return nil, nil, api.Errorf(api.ReasonSourceUnsupported, "source %s is %s, not a regular file", path, fileKind(info.Mode()))
	}
	return f, info, nil
}

// checkLocalTarget refuses a target path where something other than a
// regular file (or a symbolic link to one) exists: a directory, a device
// such as /dev/null, a named pipe or a socket. Renaming the rendition over
// it would replace a device node or a pipe, or fail with an obscure error
// for a directory.
func checkLocalTarget(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return api.Wrap(api.ReasonGeneric, err, "cannot check the target "+path)
	case !info.Mode().IsRegular():
		return api.Errorf(api.ReasonGeneric, "target %s is %s: a target must be a regular file or a new path", path, fileKind(info.Mode()))
	}
	return nil
}

// fileKind names the type of a file that is not a regular file.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeIrregular != 0:
		return "a special file"
	}
	return "not a regular file"
}

// putLocal copies src to path atomically: into a temporary file next to
// it, then renamed over it. Parent directories are created. A path where
// something other than a regular file exists is refused (checkLocalTarget).
func putLocal(src *os.File, path string) error {
	if err := checkLocalTarget(path); err != nil {
		return err
	}
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
	// Checked again: something may have been made there meanwhile.
	if err := checkLocalTarget(path); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return api.Wrap(api.ReasonGeneric, err, "cannot write the target "+path)
	}
	ok = true
	return nil
}
