package text

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// maxZipEntries caps the entries of a zip-based document. Real documents
// have a few hundred; a central directory of millions is an attack on memory.
const maxZipEntries = 100_000

// safeZip opens the parts of a zip-based document under the limits of
// Options: a part is refused before it is expanded when its declared size
// does not fit what is left of MaxExpandedBytes or its declared compression
// ratio is above MaxCompressionRatio, and while it is read neither its
// declared size nor the budget can be exceeded. Parts that are themselves
// archives are refused.
type safeZip struct {
	format string
	zr     *zip.Reader
	byName map[string]*zip.File
	opts   Options
	used   int64 // bytes expanded so far, all parts together
}

// openZip reads the central directory of the zip in r. Errors are
// SourceCorrupt: the caller already knows r starts like a zip.
func openZip(r io.ReaderAt, size int64, format string, opts Options) (*safeZip, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, corrupt(format, err)
	}
	if len(zr.File) > maxZipEntries {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "%s source has %d zip entries, more than the limit of %d", format, len(zr.File), maxZipEntries)
	}
	z := &safeZip{format: format, zr: zr, opts: opts, byName: make(map[string]*zip.File, len(zr.File))}
	for _, zf := range zr.File {
		name := strings.TrimPrefix(zf.Name, "/")
		if _, dup := z.byName[name]; !dup {
			z.byName[name] = zf
		}
	}
	return z, nil
}

// has reports whether the archive has a part called name.
func (z *safeZip) has(name string) bool {
	_, ok := z.lookup(name)
	return ok
}

// lookup finds a part by name, exactly or else ignoring case (some
// producers disagree on the case of part names).
func (z *safeZip) lookup(name string) (*zip.File, bool) {
	name = strings.TrimPrefix(name, "/")
	if zf, ok := z.byName[name]; ok {
		return zf, true
	}
	for n, zf := range z.byName {
		if strings.EqualFold(n, name) {
			return zf, true
		}
	}
	return nil, false
}

// names returns the part names, in archive order.
func (z *safeZip) names() []string {
	out := make([]string, 0, len(z.zr.File))
	for _, zf := range z.zr.File {
		out = append(out, strings.TrimPrefix(zf.Name, "/"))
	}
	return out
}

// open returns a reader over the expanded part called name, after checking
// its declared size and ratio against the limits. The reader enforces the
// declared size and the remaining budget as it goes. A missing part is an
// error wrapping os.ErrNotExist.
func (z *safeZip) open(name string) (io.ReadCloser, error) {
	zf, ok := z.lookup(name)
	if !ok {
		return nil, fmt.Errorf("%s part %q: %w", z.format, name, os.ErrNotExist)
	}
	if zf.Flags&0x1 != 0 {
		return nil, encrypted(z.format)
	}
	declared := zf.UncompressedSize64
	left := z.opts.MaxExpandedBytes - z.used
	if declared > uint64(max(left, 0)) {
		return nil, api.Errorf(api.ReasonSourceTooLarge,
			"%s source would expand past the limit of %d bytes (part %q declares %d bytes)",
			z.format, z.opts.MaxExpandedBytes, name, declared)
	}
	if declared >= minRatioCheckBytes {
		comp := max(zf.CompressedSize64, 1)
		if ratio := float64(declared) / float64(comp); ratio > z.opts.MaxCompressionRatio {
			return nil, api.Errorf(api.ReasonSourceTooLarge,
				"%s source looks like a zip bomb: part %q expands %.0f times, more than the limit of %.0f",
				z.format, name, ratio, z.opts.MaxCompressionRatio)
		}
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, corrupt(z.format, fmt.Errorf("part %q: %w", name, err))
	}
	lr := &limitedPart{z: z, name: name, r: rc, left: int64(declared)}
	br := bufio.NewReaderSize(lr, 32<<10)
	if head, _ := br.Peek(8); isArchive(head) {
		rc.Close()
		return nil, api.Errorf(api.ReasonSourceUnsupported, "%s source has a nested archive in part %q; nested archives are refused", z.format, name)
	}
	return struct {
		io.Reader
		io.Closer
	}{br, rc}, nil
}

// readAll reads a whole part, within the limits; for small parts only
// (manifests, relationships).
func (z *safeZip) readAll(name string) ([]byte, error) {
	rc, err := z.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// limitedPart counts expanded bytes against the part's declared size and the
// archive's budget.
type limitedPart struct {
	z    *safeZip
	name string
	r    io.Reader
	left int64 // declared bytes not yet read
}

func (l *limitedPart) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.left -= int64(n)
	l.z.used += int64(n)
	if l.left < 0 {
		return n, corrupt(l.z.format, fmt.Errorf("part %q is larger than its zip header says", l.name))
	}
	if l.z.used > l.z.opts.MaxExpandedBytes {
		return n, api.Errorf(api.ReasonSourceTooLarge, "%s source expands past the limit of %d bytes", l.z.format, l.z.opts.MaxExpandedBytes)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, corrupt(l.z.format, fmt.Errorf("part %q: %w", l.name, err))
	}
	return n, err
}

// isArchive reports whether head starts like a zip, gzip, 7z, rar, xz,
// bzip2 or zstd archive.
func isArchive(head []byte) bool {
	for _, m := range [][]byte{
		[]byte("PK\x03\x04"), []byte("PK\x05\x06"), {0x1f, 0x8b}, []byte("7z\xbc\xaf\x27\x1c"),
		[]byte("Rar!\x1a\x07"), {0xfd, '7', 'z', 'X', 'Z', 0}, []byte("BZh"), {0x28, 0xb5, 0x2f, 0xfd},
	} {
		if bytes.HasPrefix(head, m) {
			return true
		}
	}
	return false
}

// resolvePart resolves a relationship target relative to the part that
// declares it ("word/document.xml" + "media/x.png" = "word/media/x.png").
func resolvePart(from, target string) string {
	if strings.HasPrefix(target, "/") {
		return path.Clean(strings.TrimPrefix(target, "/"))
	}
	return path.Clean(path.Join(path.Dir(from), target))
}

// relsPath returns the relationships part of a part ("word/document.xml" ->
// "word/_rels/document.xml.rels").
func relsPath(part string) string {
	return path.Join(path.Dir(part), "_rels", path.Base(part)+".rels")
}
