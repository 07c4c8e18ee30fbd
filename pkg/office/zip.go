package office

import (
	"archive/zip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// ZipLimits bound what is read from a zip-packaged document (OOXML, ODF,
// iWork) before LibreOffice sees it. A zero field takes the default.
type ZipLimits struct {
	// MaxEntries is the most entries the archive may declare; a larger
	// directory is refused before it is read. Default 20000.
	MaxEntries int
	// MaxPartBytes is the largest part (a thumbnail, a manifest) read,
	// expanded; a larger one is skipped. Default 16 MiB.
	MaxPartBytes int64
	// MaxRatio is the highest expansion ratio of a part of 1 MiB or more;
	// a part that expands more is refused as a zip bomb. Default 200.
	MaxRatio float64
	// MaxExpandedBytes is the most all parts together may declare,
	// expanded; a larger package is refused before LibreOffice opens it.
	// Default 512 MiB.
	MaxExpandedBytes int64
}

// Default zip limits.
const (
	DefaultMaxZipEntries = 20000
	DefaultMaxPartBytes  = 16 << 20
	DefaultMaxRatio      = 200
	DefaultMaxExpanded   = 512 << 20
)

func (l ZipLimits) withDefaults() ZipLimits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxZipEntries
	}
	if l.MaxPartBytes <= 0 {
		l.MaxPartBytes = DefaultMaxPartBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.MaxExpandedBytes <= 0 {
		l.MaxExpandedBytes = DefaultMaxExpanded
	}
	return l
}

// pkgZip is a zip-packaged document opened under ZipLimits.
type pkgZip struct {
	title  string // the format's title, for messages
	lim    ZipLimits
	byName map[string]*zip.File
}

// openPackage reads the central directory of the zip in r (size bytes),
// after checking the entry count its end record declares.
func openPackage(r io.ReaderAt, size int64, title string, lim ZipLimits) (*pkgZip, error) {
	lim = lim.withDefaults()
	if n, ok := declaredEntries(r, size); ok && n > uint64(lim.MaxEntries) {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "the %s declares %d zip entries, more than the limit of %d", title, n, lim.MaxEntries)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, api.Errorf(api.ReasonSourceCorrupt, "the %s is not a readable zip package: %v", title, err)
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, api.Errorf(api.ReasonSourceTooLarge, "the %s has %d zip entries, more than the limit of %d", title, len(zr.File), lim.MaxEntries)
	}
	z := &pkgZip{title: title, lim: lim, byName: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		name := strings.TrimPrefix(f.Name, "/")
		if _, dup := z.byName[name]; !dup {
			z.byName[name] = f
		}
	}
	return z, nil
}

// lookup finds a part by name, exactly or else ignoring case.
func (z *pkgZip) lookup(name string) *zip.File {
	if f, ok := z.byName[name]; ok {
		return f
	}
	for n, f := range z.byName {
		if strings.EqualFold(n, name) {
			return f
		}
	}
	return nil
}

// errSkipped marks a part that is over a limit or unreadable: the caller
// goes on without it.
var errSkipped = errors.New("part skipped")

// read returns the expanded content of part, at most MaxPartBytes of it.
// A missing part is (nil, nil). A part over the size limit, encrypted or
// unreadable wraps errSkipped; one over the ratio limit is SourceTooLarge.
func (z *pkgZip) read(ctx context.Context, name string) ([]byte, error) {
	f := z.lookup(name)
	if f == nil {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.Flags&0x1 != 0 {
		return nil, fmt.Errorf("%s: encrypted entry: %w", name, errSkipped)
	}
	if f.UncompressedSize64 > uint64(z.lim.MaxPartBytes) {
		return nil, fmt.Errorf("%s: %d bytes, over the limit of %d: %w", name, f.UncompressedSize64, z.lim.MaxPartBytes, errSkipped)
	}
	if f.UncompressedSize64 >= 1<<20 {
		if ratio := float64(f.UncompressedSize64) / float64(max(f.CompressedSize64, 1)); ratio > z.lim.MaxRatio {
			return nil, api.Errorf(api.ReasonSourceTooLarge, "the %s looks like a zip bomb: part %q expands %.0f times, more than the limit of %.0f",
				z.title, name, ratio, z.lim.MaxRatio)
		}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", name, err, errSkipped)
	}
	defer rc.Close()
	// archive/zip fails a part that expands past its declared size; the
	// limit reader bounds one whose size field lies low as well.
	b, err := io.ReadAll(io.LimitReader(rc, z.lim.MaxPartBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", name, err, errSkipped)
	}
	if int64(len(b)) > z.lim.MaxPartBytes {
		return nil, fmt.Errorf("%s: over the limit of %d bytes: %w", name, z.lim.MaxPartBytes, errSkipped)
	}
	return b, nil
}

// declaredEntries reads the entry count of the end of central directory
// record (or of the Zip64 one it points to) without reading the
// directory.
func declaredEntries(r io.ReaderAt, size int64) (uint64, bool) {
	const eocdLen, maxComment = 22, 65535
	tailLen := min(size, eocdLen+maxComment)
	if tailLen < eocdLen {
		return 0, false
	}
	tail := make([]byte, tailLen)
	if n, err := r.ReadAt(tail, size-tailLen); n != len(tail) && err != nil {
		return 0, false
	}
	i := strings.LastIndex(string(tail), "PK\x05\x06")
	if i < 0 || i+eocdLen > len(tail) {
		return 0, false
	}
	n := uint64(binary.LittleEndian.Uint16(tail[i+10:]))
	if n != 0xFFFF || i < 20 || string(tail[i-20:i-16]) != "PK\x06\x07" {
		return n, true
	}
	// Zip64: the locator before the record points at the Zip64 record.
	off := int64(binary.LittleEndian.Uint64(tail[i-12:]))
	rec := make([]byte, 56)
	if off < 0 || off > size-56 {
		return 0, false
	}
	if _, err := r.ReadAt(rec, off); err != nil || string(rec[:4]) != "PK\x06\x06" {
		return 0, false
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
}
