package metablock

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// PhotoshopPrefix starts the image resources of a JPEG APP13 segment.
const PhotoshopPrefix = "Photoshop 3.0\x00"

// Photoshop image resource IDs of metadata blocks.
const (
	ResourceResolution = 0x03ED // ResolutionInfo
	ResourceIPTC       = 0x0404 // IPTC-NAA record (IIM datasets)
	ResourceICC        = 0x040F // ICC profile
	ResourceVersion    = 0x0421 // VersionInfo
	ResourceEXIF       = 0x0422 // EXIF data 1
	ResourceXMP        = 0x0424 // XMP packet
	ResourceIPTCDigest = 0x0425 // MD5 digest of the IPTC-NAA record
)

// Resource is one Photoshop image resource block.
type Resource struct {
	// Sig is the block's signature: "8BIM", or one of the rarer "PHUT",
	// "AgHg", "DCSR", "MeSa".
	Sig string
	// ID is the resource ID.
	ID uint16
	// Size is the size the block declares; Data is shorter when the
	// block is truncated.
	Size int64
	// Data is the resource's data, a sub-slice of the walked bytes.
	Data []byte
}

// Truncated reports whether the block declares more data than there is.
func (r Resource) Truncated() bool { return int64(len(r.Data)) < r.Size }

// ErrTruncatedResource reports a resource block cut before its data size.
var ErrTruncatedResource = errors.New("truncated resource block")

// WalkResources calls fn for each image resource block of data (a
// sequence of signature, ID, padded Pascal name, size and padded data, as
// in a PSD file, TIFF tag 34377 or, after PhotoshopPrefix, JPEG APP13),
// until fn returns false or the blocks end. A truncated last block is
// passed to fn with what there is of its data. It returns nil at a clean
// end (trailing NUL padding included) or an error naming the damage that
// ended the walk.
func WalkResources(data []byte, fn func(Resource) bool) error {
	for len(data) > 0 {
		if len(data) < 12 {
			if len(bytes.Trim(data, "\x00")) > 0 {
				return ErrTruncatedResource
			}
			return nil
		}
		sig := string(data[:4])
		if sig != "8BIM" && sig != "PHUT" && sig != "AgHg" && sig != "DCSR" && sig != "MeSa" {
			return fmt.Errorf("unknown resource signature %q", sig)
		}
		r := Resource{Sig: sig, ID: binary.BigEndian.Uint16(data[4:])}
		pos := 7 + int(data[6]) // the Pascal name, padded to even
		if pos%2 == 1 {
			pos++
		}
		if pos+4 > len(data) {
			return ErrTruncatedResource
		}
		r.Size = int64(binary.BigEndian.Uint32(data[pos:]))
		pos += 4
		r.Data = data[pos : pos+int(min(r.Size, int64(len(data)-pos)))]
		if !fn(r) {
			return nil
		}
		next := pos + len(r.Data)
		if next%2 == 1 {
			next++
		}
		if next > len(data) {
			return nil
		}
		data = data[next:]
	}
	return nil
}

// FindResource returns the data of the first complete 8BIM resource id in
// data, after an optional PhotoshopPrefix, or nil.
func FindResource(data []byte, id uint16) []byte {
	var found []byte
	_ = WalkResources(bytes.TrimPrefix(data, []byte(PhotoshopPrefix)), func(r Resource) bool {
		if r.Sig == "8BIM" && r.ID == id {
			if !r.Truncated() {
				found = r.Data
			}
			return false
		}
		return true
	})
	return found
}
