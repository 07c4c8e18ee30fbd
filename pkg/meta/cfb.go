package meta

import (
	"encoding/binary"
	"fmt"
)

// A minimal, bounded reader of OLE2 compound files (the Compound File
// Binary format of the legacy Office documents): the header, the FAT
// sectors the header lists (the first 109; a file whose FAT goes on in
// DIFAT sectors is read as far as those reach), the directory, and the
// streams, the small ones (under the mini stream cutoff) through the
// mini FAT and the mini stream. Every chain walk is capped by the number
// of sectors the FAT can describe, so a loop ends; every sector number is
// checked against the file before it is read.

const (
	cfbFree       = 0xFFFFFFFF
	cfbEndOfChain = 0xFFFFFFFE
	cfbMaxRegSect = 0xFFFFFFFA

	// cfbMaxStream bounds the size of a stream read whole.
	cfbMaxStream = 1 << 20
	// cfbMaxDirEntries bounds the directory read.
	cfbMaxDirEntries = 1 << 14
)

// cfbFile is an open compound file.
type cfbFile struct {
	s         *src
	sectSize  int64
	miniSize  int64
	cutoff    int64
	fat       []uint32
	miniFAT   []uint32
	dir       []cfbEntry
	rootChain []uint32 // the sectors of the mini stream
}

// cfbEntry is one directory entry.
type cfbEntry struct {
	name  string
	kind  byte // 1 storage, 2 stream, 5 root
	start uint32
	size  int64
}

// openCFB reads the header, the FAT, the directory and the mini FAT.
func openCFB(s *src) (*cfbFile, error) {
	h, err := s.readAt(0, 512)
	if err != nil {
		return nil, err
	}
	if string(h[:8]) != oleSignature {
		return nil, corruptf("no OLE2 signature")
	}
	le := binary.LittleEndian
	shift := le.Uint16(h[0x1E:])
	miniShift := le.Uint16(h[0x20:])
	if shift != 9 && shift != 12 {
		return nil, corruptf("sector size 2^%d", shift)
	}
	if miniShift != 6 {
		return nil, corruptf("mini sector size 2^%d", miniShift)
	}
	f := &cfbFile{s: s, sectSize: 1 << shift, miniSize: 1 << miniShift, cutoff: int64(le.Uint32(h[0x38:]))}
	if f.cutoff == 0 || f.cutoff > cfbMaxStream {
		f.cutoff = 4096
	}
	nFAT := int(le.Uint32(h[0x2C:]))
	if nFAT > 109 {
		nFAT = 109 // the header's DIFAT only
	}
	// The FAT cannot describe more sectors than the file holds.
	maxSects := (s.size + f.sectSize - 1) / f.sectSize
	for i := 0; i < nFAT; i++ {
		sect := le.Uint32(h[0x4C+4*i:])
		if sect > cfbMaxRegSect {
			break
		}
		data, err := f.sector(sect)
		if err != nil {
			if len(f.fat) == 0 {
				return nil, err
			}
			break
		}
		for j := 0; j+4 <= len(data); j += 4 {
			f.fat = append(f.fat, le.Uint32(data[j:]))
		}
		if int64(len(f.fat)) >= maxSects {
			break
		}
	}
	if len(f.fat) == 0 {
		return nil, corruptf("no FAT")
	}
	dirData, err := f.readChain(le.Uint32(h[0x30:]), cfbMaxDirEntries*128, f.fat, f.sector)
	if err != nil && len(dirData) < 128 {
		return nil, fmt.Errorf("directory: %w", err)
	}
	for i := 0; i+128 <= len(dirData); i += 128 {
		e := dirData[i : i+128]
		n := int(le.Uint16(e[0x40:]))
		if n > 64 {
			n = 64
		}
		name := make([]rune, 0, n/2)
		for j := 0; j+1 < n; j += 2 {
			c := le.Uint16(e[j:])
			if c == 0 {
				break
			}
			name = append(name, rune(c))
		}
		size := int64(le.Uint64(e[0x78:]))
		if f.sectSize == 512 {
			size &= 0xFFFFFFFF
		}
		f.dir = append(f.dir, cfbEntry{name: string(name), kind: e[0x42], start: le.Uint32(e[0x74:]), size: size})
	}
	if len(f.dir) == 0 || f.dir[0].kind != 5 {
		return nil, corruptf("no root directory entry")
	}
	if mf, err := f.readChain(le.Uint32(h[0x3C:]), int64(le.Uint32(h[0x40:]))*f.sectSize, f.fat, f.sector); err == nil || len(mf) > 0 {
		for j := 0; j+4 <= len(mf); j += 4 {
			f.miniFAT = append(f.miniFAT, le.Uint32(mf[j:]))
		}
	}
	f.rootChain = f.chain(f.dir[0].start, f.fat)
	return f, nil
}

// sector reads regular sector n.
func (f *cfbFile) sector(n uint32) ([]byte, error) {
	if n > cfbMaxRegSect {
		return nil, corruptf("sector number %#x", n)
	}
	off := (int64(n) + 1) * f.sectSize
	if off >= f.s.size {
		return nil, fmt.Errorf("sector %d past the end: %w", n, errTruncated)
	}
	return f.s.readAt(off, f.sectSize)
}

// miniSector reads mini sector n of the mini stream.
func (f *cfbFile) miniSector(n uint32) ([]byte, error) {
	off := int64(n) * f.miniSize
	i := off / f.sectSize
	if i >= int64(len(f.rootChain)) {
		return nil, corruptf("mini sector %d outside the mini stream", n)
	}
	data, err := f.sector(f.rootChain[i])
	if err != nil {
		return nil, err
	}
	o := off % f.sectSize
	return data[o : o+f.miniSize], nil
}

// chain returns the sector numbers of the chain starting at start, ending
// at the first entry that is not a valid sector and after at most
// len(table) steps (a loop).
func (f *cfbFile) chain(start uint32, table []uint32) []uint32 {
	var out []uint32
	for s := start; s <= cfbMaxRegSect && int64(s) < int64(len(table)) && len(out) < len(table); s = table[s] {
		out = append(out, s)
	}
	return out
}

// readChain reads up to limit bytes along the chain from start. It
// returns what it read and an error when the chain ends early on damage.
func (f *cfbFile) readChain(start uint32, limit int64, table []uint32, read func(uint32) ([]byte, error)) ([]byte, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []byte
	for _, s := range f.chain(start, table) {
		if int64(len(out)) >= limit {
			break
		}
		data, err := read(s)
		if err != nil {
			return out, err
		}
		out = append(out, data...)
	}
	if int64(len(out)) > limit {
		out = out[:limit]
	}
	return out, nil
}

// stream returns the stream of the given name (in any storage), nil when
// there is none. A stream larger than cfbMaxStream is not read.
func (f *cfbFile) stream(name string) ([]byte, error) {
	for _, e := range f.dir {
		if e.kind != 2 || e.name != name {
			continue
		}
		if e.size > cfbMaxStream {
			return nil, fmt.Errorf("stream %q of %d bytes is larger than %d", name, e.size, cfbMaxStream)
		}
		var data []byte
		var err error
		if e.size < f.cutoff {
			data, err = f.readChain(e.start, e.size, f.miniFAT, f.miniSector)
		} else {
			data, err = f.readChain(e.start, e.size, f.fat, f.sector)
		}
		if err == nil && int64(len(data)) < e.size {
			err = fmt.Errorf("stream %q is cut short (%d of %d bytes): %w", name, len(data), e.size, errTruncated)
		}
		return data, err
	}
	return nil, nil
}

// streamRange returns n bytes from offset off of the stream of the given
// name, reading only the sectors that hold them (a stream of any size);
// nil when there is no such stream or it is shorter. n is at most
// cfbMaxStream.
func (f *cfbFile) streamRange(name string, off, n int64) ([]byte, error) {
	if off < 0 || n <= 0 || n > cfbMaxStream {
		return nil, fmt.Errorf("range %d+%d of stream %q", off, n, name)
	}
	for _, e := range f.dir {
		if e.kind != 2 || e.name != name {
			continue
		}
		if off+n > e.size {
			return nil, nil
		}
		size, table, read := f.sectSize, f.fat, f.sector
		if e.size < f.cutoff {
			size, table, read = f.miniSize, f.miniFAT, f.miniSector
		}
		chain := f.chain(e.start, table)
		first, last := off/size, (off+n-1)/size
		if last >= int64(len(chain)) {
			return nil, fmt.Errorf("stream %q is cut short: %w", name, errTruncated)
		}
		var out []byte
		for i := first; i <= last; i++ {
			data, err := read(chain[i])
			if err != nil {
				return nil, err
			}
			out = append(out, data...)
		}
		o := off - first*size
		return out[o : o+n], nil
	}
	return nil, nil
}
