package text

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// safeZip opens the parts of a zip-based document under the limits of
// Options: the archive is refused before its central directory is read
// when its end record declares more than MaxZipEntries entries; a part is
// refused before it is expanded when its declared size does not fit what
// is left of MaxExpandedBytes or its declared compression ratio is above
// MaxCompressionRatio; and while a part is read, neither its declared size,
// nor the budget, nor MaxCompressionRatio over all the parts opened can be
// exceeded. Parts that are themselves archives are refused. Reading checks
// the context every few hundred kilobytes, so every format that reads parts
// stops at a deadline.
type safeZip struct {
	ctx        context.Context
	format     string
	zr         *zip.Reader
	byName     map[string]*zip.File
	opts       Options
	used       int64 // bytes expanded so far, all parts together
	compressed int64 // compressed bytes of the parts opened so far
	sinceCheck int64 // bytes expanded since the last context check
}

// ctxCheckBytes is how many expanded bytes pass between two context checks.
const ctxCheckBytes = 256 << 10

// openZip reads the central directory of the zip in r. Errors are
// SourceCorrupt: the caller already knows r starts like a zip.
func openZip(ctx context.Context, r io.ReaderAt, size int64, format string, opts Options) (*safeZip, error) {
	if n, ok := zipDeclaredEntries(r, size); ok && n > uint64(opts.MaxZipEntries) {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "%s source declares %d zip entries, more than the limit of %d (MaxZipEntries)", format, n, opts.MaxZipEntries)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, corrupt(format, err)
	}
	if len(zr.File) > opts.MaxZipEntries {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "%s source has %d zip entries, more than the limit of %d (MaxZipEntries)", format, len(zr.File), opts.MaxZipEntries)
	}
	z := &safeZip{ctx: ctx, format: format, zr: zr, opts: opts, byName: make(map[string]*zip.File, len(zr.File))}
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
	z.compressed += int64(min(zf.CompressedSize64, uint64(math.MaxInt64/2)))
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

// readAll reads a whole small part (the mimetype of ODF and EPUB), within
// the limits; a part larger than max bytes is an error.
func (z *safeZip) readAll(name string, max int) ([]byte, error) {
	rc, err := z.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, corrupt(z.format, fmt.Errorf("part %q is larger than %d bytes", name, max))
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
	z := l.z
	if z.sinceCheck >= ctxCheckBytes {
		z.sinceCheck = 0
		if err := ctxErr(z.ctx); err != nil {
			return 0, err
		}
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	z.used += int64(n)
	z.sinceCheck += int64(n)
	if l.left < 0 {
		return n, corrupt(z.format, fmt.Errorf("part %q is larger than its zip header says", l.name))
	}
	if z.used > z.opts.MaxExpandedBytes {
		return n, api.Errorf(api.ReasonSourceTooLarge, "%s source expands past the limit of %d bytes (MaxExpandedBytes)", z.format, z.opts.MaxExpandedBytes)
	}
	if z.used > minRatioCheckBytes && float64(z.used) > z.opts.MaxCompressionRatio*float64(max(z.compressed, 1)) {
		return n, api.Errorf(api.ReasonSourceTooLarge,
			"%s source looks like a zip bomb: its parts expand more than %.0f times (MaxCompressionRatio), %d bytes out of %d",
			z.format, z.opts.MaxCompressionRatio, z.used, z.compressed)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, corrupt(l.z.format, fmt.Errorf("part %q: %w", l.name, err))
	}
	return n, err
}

// zipDeclaredEntries reads the number of entries a zip declares in its end
// of central directory record (or its ZIP64 end record), without reading
// the central directory. ok is false when no end record is found; the zip
// reader then fails on its own.
func zipDeclaredEntries(r io.ReaderAt, size int64) (n uint64, ok bool) {
	const eocdLen, maxComment = 22, 65535
	if size < eocdLen {
		return 0, false
	}
	tail := make([]byte, min(size, eocdLen+maxComment))
	start := size - int64(len(tail))
	if _, err := r.ReadAt(tail, start); err != nil && err != io.EOF {
		return 0, false
	}
	i := bytes.LastIndex(tail[:len(tail)-eocdLen+4], []byte("PK\x05\x06"))
	if i < 0 {
		return 0, false
	}
	eocd := tail[i:]
	n = uint64(binary.LittleEndian.Uint16(eocd[10:12]))
	if n != 0xffff && binary.LittleEndian.Uint32(eocd[16:20]) != 0xffffffff {
		return n, true
	}
	// ZIP64: the locator sits just before the end record and points to the
	// ZIP64 end record, which holds the 64-bit count.
	locAt := start + int64(i) - 20
	if locAt < 0 {
		return n, true
	}
	loc := make([]byte, 20)
	if _, err := r.ReadAt(loc, locAt); err != nil || !bytes.HasPrefix(loc, []byte("PK\x06\x07")) {
		return n, true
	}
	recAt := binary.LittleEndian.Uint64(loc[8:16])
	if size < 56 || recAt > uint64(size-56) {
		return n, true
	}
	rec := make([]byte, 56)
	if _, err := r.ReadAt(rec, int64(recAt)); err != nil || !bytes.HasPrefix(rec, []byte("PK\x06\x06")) {
		return n, true
	}
	return binary.LittleEndian.Uint64(rec[32:40]), true
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
