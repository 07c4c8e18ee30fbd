package metablock

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Dataset is one IPTC IIM dataset.
type Dataset struct {
	// Record and Number name the dataset, as in 2:116 (Copyright Notice).
	Record, Number uint8
	// Size is the size the dataset declares; Data is shorter when the
	// dataset is truncated.
	Size int
	// Data is the dataset's value, a sub-slice of the walked bytes.
	Data []byte
	// Extended reports an extended dataset (a length of more than 32767
	// bytes, given as the length of the length).
	Extended bool
}

// Truncated reports whether the dataset declares more data than there is.
func (d Dataset) Truncated() bool { return len(d.Data) < d.Size }

// ErrTruncatedDataset reports a dataset header cut short.
var ErrTruncatedDataset = errors.New("truncated dataset header")

// ErrExtendedLength reports an extended dataset whose length does not fit.
var ErrExtendedLength = errors.New("bad extended dataset length")

// WalkIIM calls fn for each IPTC IIM dataset of data (tag marker 0x1C,
// record, dataset number, size, value), until fn returns false or the
// datasets end. A truncated last dataset is passed to fn with what there
// is of its value. It returns nil at a clean end (trailing NUL padding
// included) or an error naming the damage that ended the walk.
func WalkIIM(data []byte, fn func(Dataset) bool) error {
	for pos := 0; pos < len(data); {
		if data[pos] != 0x1C {
			if len(bytes.Trim(data[pos:], "\x00")) > 0 {
				return fmt.Errorf("unexpected byte 0x%02x at offset %d", data[pos], pos)
			}
			return nil
		}
		if pos+5 > len(data) {
			return ErrTruncatedDataset
		}
		d := Dataset{Record: data[pos+1], Number: data[pos+2]}
		d.Size = int(binary.BigEndian.Uint16(data[pos+3:]))
		pos += 5
		if d.Size&0x8000 != 0 { // extended dataset: the length of the length
			n := d.Size & 0x7FFF
			if n > 4 || pos+n > len(data) {
				return ErrExtendedLength
			}
			d.Size, d.Extended = 0, true
			for _, c := range data[pos : pos+n] {
				d.Size = d.Size<<8 | int(c)
			}
			pos += n
		}
		d.Data = data[pos : pos+max(0, min(d.Size, len(data)-pos))]
		if !fn(d) {
			return nil
		}
		pos += len(d.Data)
	}
	return nil
}
