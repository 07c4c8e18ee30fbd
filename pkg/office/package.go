package office

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"image"
	_ "image/jpeg" // embedded thumbnails: DecodeConfig only
	_ "image/png"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
)

// Thumbnail is a raster preview picture embedded in a document package.
type Thumbnail struct {
	// Part is its name in the package: "docProps/thumbnail.jpeg",
	// "Thumbnails/thumbnail.png", "preview.jpg", ...
	Part string
	// Format is "jpeg" or "png".
	Format string
	// Width and Height are its dimensions in pixels.
	Width, Height int
	// Data is the picture file.
	Data []byte
}

// Inspection is what the package of a zip-based document tells before
// any rendering: its embedded thumbnails and the page count its
// properties declare.
type Inspection struct {
	// Thumbnails are the raster thumbnails found, largest first. Vector
	// ones (EMF, WMF) are left out: nothing here draws them.
	Thumbnails []Thumbnail
	// Pages is the page (or slide) count the document's properties
	// declare, or 0 when they declare none.
	Pages int
	// IWork is, for a package laid out like an iWork document, which of
	// Apple's formats it holds: IWorkXML or IWorkArchive; empty otherwise.
	IWork string
}

// The two formats of iWork documents (Inspection.IWork).
const (
	// IWorkXML is the XML of iWork '09 and earlier: index.xml (Pages,
	// Numbers) or index.apxl / presentation.apxl (Keynote), optionally
	// gzipped.
	IWorkXML = "iWork '09 XML"
	// IWorkArchive is the format of iWork 2013 and later: protobuf
	// archives under Index/ (or in Index.zip).
	IWorkArchive = "iWork 2013+ archive"
)

// iworkKind tells which iWork format the package z holds (see
// Inspection.IWork).
func iworkKind(z *pkgZip) string {
	for _, n := range []string{"index.xml", "index.xml.gz", "index.apxl", "index.apxl.gz", "presentation.apxl", "presentation.apxl.gz"} {
		if z.lookup(n) != nil {
			return IWorkXML
		}
	}
	if z.lookup("Index.zip") != nil {
		return IWorkArchive
	}
	for name := range z.byName {
		if strings.HasPrefix(strings.TrimPrefix(name, "/"), "Index/") && strings.HasSuffix(name, ".iwa") {
			return IWorkArchive
		}
	}
	return ""
}

// thumbnailRel is the OPC relationship type of a package thumbnail.
const thumbnailRel = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"

// thumbnailParts are the parts where producers store a document's
// thumbnail: OOXML (docProps/thumbnail.*, also found through the package
// relationships), ODF (Thumbnails/thumbnail.png) and iWork (QuickLook/
// in iWork '09; preview*.jpg at the root since 2013).
var thumbnailParts = []string{
	"docProps/thumbnail.jpeg", "docProps/thumbnail.jpg", "docProps/thumbnail.png",
	"Thumbnails/thumbnail.png",
	"QuickLook/Thumbnail.jpg", "preview.jpg", "preview-web.jpg", "preview-micro.jpg",
}

// Inspect reads the package of the zip-based document in r (size bytes, of
// format f) under lim: it refuses an encrypted document (SourceUnsupported:
// an ODF whose manifest lists encryption data for its content, or a
// package whose entries are zip-encrypted), a zip bomb (SourceTooLarge)
// and a damaged directory (SourceCorrupt), and returns its raster
// thumbnails and declared page count. Parts over the limits are skipped.
func Inspect(ctx context.Context, r io.ReaderAt, size int64, f format.Format, lim ZipLimits) (*Inspection, error) {
	z, err := openPackage(r, size, f.Title, lim)
	if err != nil {
		return nil, err
	}
	for name, zf := range z.byName {
		if zf.Flags&0x1 != 0 && !strings.HasSuffix(name, "/") {
			return nil, api.Errorf(api.ReasonSourceUnsupported, "the %s is encrypted (its zip entries are password protected); it cannot be previewed", f.Title)
		}
	}
	if err := checkODFEncryption(ctx, z, f); err != nil {
		return nil, err
	}
	if err := checkExpansion(z, f); err != nil {
		return nil, err
	}
	ins := &Inspection{IWork: iworkKind(z)}
	if ins.Pages, err = declaredPages(ctx, z); err != nil {
		return nil, err
	}
	parts := append([]string(nil), thumbnailParts...)
	if rels, err := z.read(ctx, "_rels/.rels"); err == nil && rels != nil {
		parts = append(relTargets(rels, thumbnailRel), parts...)
	} else if err != nil && !errors.Is(err, errSkipped) {
		return nil, err
	}
	seen := map[string]bool{}
	for _, p := range parts {
		zf := z.lookup(p)
		if zf == nil || seen[zf.Name] {
			continue
		}
		seen[zf.Name] = true
		b, err := z.read(ctx, p)
		if err != nil && !errors.Is(err, errSkipped) {
			return nil, err
		}
		if b == nil {
			continue
		}
		cfg, kind, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
			continue // EMF, WMF, or a damaged picture
		}
		ins.Thumbnails = append(ins.Thumbnails, Thumbnail{Part: strings.TrimPrefix(zf.Name, "/"), Format: kind, Width: cfg.Width, Height: cfg.Height, Data: b})
	}
	// Largest first; stable for equal sizes (the usual part first).
	for i := 1; i < len(ins.Thumbnails); i++ {
		for j := i; j > 0 && area(ins.Thumbnails[j]) > area(ins.Thumbnails[j-1]); j-- {
			ins.Thumbnails[j], ins.Thumbnails[j-1] = ins.Thumbnails[j-1], ins.Thumbnails[j]
		}
	}
	return ins, nil
}

func area(t Thumbnail) int64 { return int64(t.Width) * int64(t.Height) }

// relTargets returns the package-relative targets of the relationships of
// type typ in an OPC relationships part.
func relTargets(rels []byte, typ string) []string {
	var out []string
	d := xml.NewDecoder(bytes.NewReader(rels))
	for {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" || attr(se, "Type") != typ || strings.EqualFold(attr(se, "TargetMode"), "External") {
			continue
		}
		t := path.Clean("/" + attr(se, "Target"))
		out = append(out, strings.TrimPrefix(t, "/"))
	}
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// checkODFEncryption refuses an OpenDocument package whose manifest lists
// encryption data for its content (a password-protected document).
func checkODFEncryption(ctx context.Context, z *pkgZip, f format.Format) error {
	b, err := z.read(ctx, "META-INF/manifest.xml")
	if err != nil && !errors.Is(err, errSkipped) {
		return err
	}
	if b == nil {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	content := false
	for {
		tok, err := d.Token()
		if err != nil {
			return nil
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "file-entry":
				content = attr(se, "full-path") == "content.xml"
			case "encryption-data":
				if content {
					return api.Errorf(api.ReasonSourceUnsupported, "the %s is encrypted (password protected); it cannot be previewed", f.Title)
				}
			}
		}
	}
}

// declaredPages reads the page or slide count of the document properties:
// docProps/app.xml (Pages, Slides) or meta.xml (meta:page-count).
func declaredPages(ctx context.Context, z *pkgZip) (int, error) {
	for _, part := range []string{"docProps/app.xml", "meta.xml"} {
		b, err := z.read(ctx, part)
		if err != nil && !errors.Is(err, errSkipped) {
			return 0, err
		}
		if b == nil {
			continue
		}
		d := xml.NewDecoder(bytes.NewReader(b))
		var in string
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			switch t := tok.(type) {
			case xml.StartElement:
				in = t.Name.Local
				if t.Name.Local == "document-statistic" {
					if n, err := strconv.Atoi(attr(t, "page-count")); err == nil && n > 0 {
						return n, nil
					}
				}
			case xml.CharData:
				if in == "Pages" || in == "Slides" {
					if n, err := strconv.Atoi(strings.TrimSpace(string(t))); err == nil && n > 0 {
						return n, nil
					}
				}
			case xml.EndElement:
				in = ""
			}
		}
	}
	return 0, nil
}

// checkExpansion refuses, with SourceTooLarge, a package whose parts
// declare more than MaxExpandedBytes expanded, or one of whose parts of a
// MiB or more expands more than MaxRatio times: a zip bomb that
// LibreOffice would otherwise inflate (under the cage's memory limit, at
// the cost of seconds and a gigabyte).
func checkExpansion(z *pkgZip, f format.Format) error {
	var total uint64
	for name, zf := range z.byName {
		total += zf.UncompressedSize64
		if zf.UncompressedSize64 >= 1<<20 {
			if ratio := float64(zf.UncompressedSize64) / float64(max(zf.CompressedSize64, 1)); ratio > z.lim.MaxRatio {
				return api.Errorf(api.ReasonSourceTooLarge, "the %s is a zip bomb: %s expands %.0f times, more than %.0f",
					f.Title, name, ratio, z.lim.MaxRatio)
			}
		}
	}
	if total > uint64(z.lim.MaxExpandedBytes) {
		return api.Errorf(api.ReasonSourceTooLarge, "the %s expands to %d bytes, more than the limit of %d",
			f.Title, total, z.lim.MaxExpandedBytes)
	}
	return nil
}

// oleEncryptionMarkers are the UTF-16LE stream names that mark an
// encrypted OLE2 file: an encrypted OOXML package (EncryptedPackage,
// EncryptionInfo) or an encrypted PowerPoint 97 file (EncryptedSummary).
var oleEncryptionMarkers = [][]byte{utf16le("EncryptedPackage"), utf16le("EncryptionInfo"), utf16le("EncryptedSummary")}

// oleEncrypted reports whether the OLE2 file in r is encrypted: it names
// an encryption stream in its first MiB, where its directory is, or it
// is a Word 97 document whose FIB says encrypted (RC4 or XOR
// obfuscation: a password to open), or an Excel 97 workbook whose first record
// after BOF is FILEPASS.
func oleEncrypted(r io.ReaderAt, size int64) bool {
	buf := make([]byte, min(size, 1<<20))
	n, _ := r.ReadAt(buf, 0)
	buf = buf[:n]
	for _, m := range oleEncryptionMarkers {
		if bytes.Contains(buf, m) {
			return true
		}
	}
	if len(buf) < 512 {
		return false
	}
	shift := binary.LittleEndian.Uint16(buf[0x1E:])
	if shift != 9 && shift != 12 {
		return false
	}
	if off, ok := oleStream(r, buf, "WordDocument", shift); ok {
		var fib [12]byte
		if _, err := r.ReadAt(fib[:], off); err == nil &&
			binary.LittleEndian.Uint16(fib[0:]) == 0xA5EC {
			// fEncrypted; fObfuscated (0x8000) only tells RC4 from XOR
			// when it is set.
			const fEncrypted = 0x0100
			return binary.LittleEndian.Uint16(fib[0x0A:])&fEncrypted != 0
		}
	}
	for _, name := range []string{"Workbook", "Book"} {
		if off, ok := oleStream(r, buf, name, shift); ok {
			var rec [4]byte
			if _, err := r.ReadAt(rec[:], off); err != nil || binary.LittleEndian.Uint16(rec[0:]) != 0x0809 {
				return false
			}
			bofLen := int64(binary.LittleEndian.Uint16(rec[2:]))
			if _, err := r.ReadAt(rec[:2], off+4+bofLen); err != nil {
				return false
			}
			const filepass = 0x002F
			return binary.LittleEndian.Uint16(rec[0:]) == filepass
		}
	}
	return false
}

// oleStream finds the directory entry of the stream called name among
// the directory entries in head (the first bytes of an OLE2 file, whose
// entries are 128 bytes long and aligned on 128 bytes after the 512-byte
// header) and returns the file offset of its first bytes: its first
// sector, or for a stream under the mini-stream cutoff (4096 bytes) its
// first 64-byte mini sector inside the root entry's stream, found by
// following the root's sector chain through the FAT (at most
// oleMaxChain steps, FAT sectors named in the header only).
func oleStream(r io.ReaderAt, head []byte, name string, shift uint16) (int64, bool) {
	want := utf16le(name)
	for p := 512; p+128 <= len(head); p += 128 {
		e := head[p : p+128]
		if e[0x42] != 2 || !bytes.HasPrefix(e, want) || binary.LittleEndian.Uint16(e[0x40:]) != uint16(len(want)+2) {
			continue
		}
		start := binary.LittleEndian.Uint32(e[0x74:])
		size := binary.LittleEndian.Uint32(e[0x78:])
		if start >= 0xFFFFFFFA {
			return 0, false
		}
		if size >= 4096 {
			return (int64(start) + 1) << shift, true
		}
		return oleMiniOffset(r, head, shift, int64(start)*64)
	}
	return 0, false
}

// oleMaxChain bounds the sector chain oleMiniOffset follows.
const oleMaxChain = 1 << 14

// oleMiniOffset returns the file offset of byte pos of the mini stream
// (the root entry's stream) of the OLE2 file whose header is in head.
func oleMiniOffset(r io.ReaderAt, head []byte, shift uint16, pos int64) (int64, bool) {
	sectorSize := int64(1) << shift
	dir := int64(binary.LittleEndian.Uint32(head[0x30:]))
	var root [128]byte
	if _, err := r.ReadAt(root[:], (dir+1)<<shift); err != nil || root[0x42] != 5 {
		return 0, false
	}
	sec := int64(binary.LittleEndian.Uint32(root[0x74:]))
	for k := pos >> shift; k > 0; k-- {
		if k > oleMaxChain {
			return 0, false
		}
		next, ok := oleFATEntry(r, head, shift, sec)
		if !ok {
			return 0, false
		}
		sec = next
	}
	if sec >= 0xFFFFFFFA {
		return 0, false
	}
	return (sec+1)<<shift + pos&(sectorSize-1), true
}

// oleFATEntry returns the FAT entry of sector sec (the next sector of its
// chain), reading the FAT sector the header's DIFAT names.
func oleFATEntry(r io.ReaderAt, head []byte, shift uint16, sec int64) (int64, bool) {
	perSector := (int64(1) << shift) / 4
	idx := sec / perSector
	if sec < 0 || idx >= 109 {
		return 0, false
	}
	fat := int64(binary.LittleEndian.Uint32(head[0x4C+4*idx:]))
	if fat >= 0xFFFFFFFA {
		return 0, false
	}
	var b [4]byte
	if _, err := r.ReadAt(b[:], (fat+1)<<shift+(sec%perSector)*4); err != nil {
		return 0, false
	}
	next := int64(binary.LittleEndian.Uint32(b[:]))
	return next, next < 0xFFFFFFFA
}

func utf16le(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		out = append(out, c, 0)
	}
	return out
}
