// Package mp4index reads the sample index of an MP4 or QuickTime file
// (the moov box: mvhd, trak, elst, mdhd, hdlr, stsd, stts, ctts, stss,
// stsc, stsz/stz2, stco/co64) through an io.ReaderAt, and tells which byte
// ranges of the file a decoder needs to show the video frames at given
// times: the boxes other than media data, and the samples from the
// keyframe before each time up to the frame. With it a caller that reads
// the file through ranged requests can fetch a few megabytes of a large
// file, lay them out in a sparse local copy, and hand that copy to a
// decoder that seeks as usual.
//
// It is pure Go and bounded against hostile input: box sizes are checked
// against their parents and the file, entry counts against the bytes that
// hold them, and the moov size and the number of samples against Limits
// before anything is allocated.
package mp4index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// Errors of Read, wrapped with details (errors.Is).
var (
	// ErrNotMP4 is a file that does not start with an MP4 or QuickTime box.
	ErrNotMP4 = errors.New("not an MP4 or QuickTime file")
	// ErrNoMoov is a file without a complete moov box (truncated, or
	// still being written).
	ErrNoMoov = errors.New("no complete moov box")
	// ErrFragmented is a fragmented MP4 (mvex, moof): its samples are
	// indexed in fragments, not in the moov.
	ErrFragmented = errors.New("fragmented MP4")
	// ErrCorrupt is a malformed box or sample table.
	ErrCorrupt = errors.New("malformed MP4 index")
	// ErrUnsupported is an index this package does not model (an edit
	// list of several segments or another rate).
	ErrUnsupported = errors.New("unsupported MP4 index")
	// ErrLimit is an index larger than Limits allow.
	ErrLimit = errors.New("MP4 index beyond the limits")
)

// Limits bound what Read reads and keeps.
type Limits struct {
	// MaxMoovBytes is the largest moov box read; default 64 MiB.
	MaxMoovBytes int64
	// MaxSamples is the most samples kept, over all the video and audio
	// tracks (24 bytes each); default 2,097,152 (48 MiB).
	MaxSamples int
	// MaxBoxes is the most top-level boxes walked; default 4096.
	MaxBoxes int
}

func (l Limits) withDefaults() Limits {
	if l.MaxMoovBytes <= 0 {
		l.MaxMoovBytes = 64 << 20
	}
	if l.MaxSamples <= 0 {
		l.MaxSamples = 1 << 21
	}
	if l.MaxBoxes <= 0 {
		l.MaxBoxes = 4096
	}
	return l
}

// Box is a top-level box of the file.
type Box struct {
	// Type is the box's four-character type.
	Type string
	// Offset and Size place the whole box, header included, in the file.
	Offset, Size int64
	// Header is the size of its header (8, or 16 with a 64-bit size).
	Header int64
}

// Range is a span of bytes of the file.
type Range struct {
	Offset, Length int64
}

// End returns the offset just past the range.
func (r Range) End() int64 { return r.Offset + r.Length }

// Index is what Read learnt of a file.
type Index struct {
	// Size is the file's size.
	Size int64
	// Boxes are the top-level boxes, in file order.
	Boxes []Box
	// Moov is the moov box.
	Moov Box
	// Faststart is true when the moov comes before the media data.
	Faststart bool
	// Duration is the movie's duration in seconds (mvhd), 0 when unknown.
	Duration float64
	// Tracks are the movie's tracks, in file order. Only video and audio
	// tracks have their samples indexed.
	Tracks []*Track
}

// Track is one track of the movie.
type Track struct {
	// ID is the track's id (tkhd).
	ID uint32
	// Handler is the handler type: "vide", "soun", "text", ...
	Handler string
	// Codec is the type of the first sample entry: "avc1", "hvc1", "mp4a".
	Codec string
	// Timescale is the media timescale (mdhd), in units per second.
	Timescale uint32
	// Duration is the media duration in seconds (mdhd).
	Duration float64

	samples []sample // decode order
	sync    []int    // indices of sync samples, ascending; nil: all are
	// shift is the media time of the edit (subtracted from times) and
	// delay the empty edit before it, both in media units.
	shift, delay int64
	minCTO       int64
}

type sample struct {
	off  int64
	size uint32
	cto  int32
	dts  int64
}

// Samples returns the number of samples indexed.
func (t *Track) Samples() int { return len(t.samples) }

// Video returns the first video track that has samples, or nil.
func (ix *Index) Video() *Track {
	for _, t := range ix.Tracks {
		if t.Handler == "vide" && len(t.samples) > 0 {
			return t
		}
	}
	return nil
}

// containers of the file's top level that may start it.
var firstBoxes = map[string]bool{"ftyp": true, "moov": true, "mdat": true, "free": true, "skip": true, "wide": true, "pnot": true, "uuid": true}

// Read walks the top-level boxes of the file r of size bytes, reads its
// moov and indexes the samples of its video and audio tracks. It reads
// one header per top-level box and the moov whole. Errors wrap ErrNotMP4,
// ErrNoMoov, ErrFragmented, ErrCorrupt, ErrUnsupported or ErrLimit, or
// are the reader's.
func Read(r io.ReaderAt, size int64, lim Limits) (*Index, error) {
	lim = lim.withDefaults()
	ix := &Index{Size: size}
	var hdr [16]byte
	seenMdat := false
	for off := int64(0); off < size; {
		if len(ix.Boxes) >= lim.MaxBoxes {
			return nil, fmt.Errorf("%w: more than %d top-level boxes", ErrLimit, lim.MaxBoxes)
		}
		n := min(int64(len(hdr)), size-off)
		if n < 8 {
			break // trailing bytes too short for a box: ignored, as decoders do
		}
		if err := readFull(r, hdr[:n], off); err != nil {
			return nil, err
		}
		b := Box{Type: fourCC(hdr[4:8]), Offset: off, Header: 8, Size: int64(binary.BigEndian.Uint32(hdr[:4]))}
		if len(ix.Boxes) == 0 && !firstBoxes[b.Type] {
			return nil, fmt.Errorf("%w: the first box is %q", ErrNotMP4, b.Type)
		}
		switch b.Size {
		case 0:
			b.Size = size - off
		case 1:
			if n < 16 {
				return nil, fmt.Errorf("%w: box %q at %d: truncated 64-bit size", ErrCorrupt, b.Type, off)
			}
			b.Header = 16
			u := binary.BigEndian.Uint64(hdr[8:16])
			if u > math.MaxInt64 {
				return nil, fmt.Errorf("%w: box %q at %d: size %d", ErrCorrupt, b.Type, off, u)
			}
			b.Size = int64(u)
		}
		if b.Size < b.Header {
			return nil, fmt.Errorf("%w: box %q at %d: size %d is smaller than its header", ErrCorrupt, b.Type, off, b.Size)
		}
		if b.Size > size-off {
			if b.Type == "moov" || ix.Moov.Type == "" {
				return nil, fmt.Errorf("%w: box %q at %d needs %d bytes, the file has %d from there (truncated)", ErrNoMoov, b.Type, off, b.Size, size-off)
			}
			return nil, fmt.Errorf("%w: box %q at %d needs %d bytes, the file has %d from there (truncated)", ErrCorrupt, b.Type, off, b.Size, size-off)
		}
		switch b.Type {
		case "moov":
			if ix.Moov.Type != "" {
				return nil, fmt.Errorf("%w: two moov boxes", ErrCorrupt)
			}
			ix.Moov = b
			ix.Faststart = !seenMdat
		case "mdat":
			seenMdat = true
		case "moof", "mfra", "sidx":
			return nil, fmt.Errorf("%w: top-level %q box", ErrFragmented, b.Type)
		}
		ix.Boxes = append(ix.Boxes, b)
		off += b.Size
	}
	if ix.Moov.Type == "" {
		return nil, fmt.Errorf("%w: none among %d top-level boxes", ErrNoMoov, len(ix.Boxes))
	}
	if ix.Moov.Size > lim.MaxMoovBytes {
		return nil, fmt.Errorf("%w: the moov box is %d bytes, more than %d", ErrLimit, ix.Moov.Size, lim.MaxMoovBytes)
	}
	moov := make([]byte, ix.Moov.Size-ix.Moov.Header)
	if err := readFull(r, moov, ix.Moov.Offset+ix.Moov.Header); err != nil {
		return nil, err
	}
	p := &parser{size: size, budget: lim.MaxSamples}
	if err := p.moov(ix, moov); err != nil {
		return nil, err
	}
	return ix, nil
}

// readFull reads len(p) bytes at off; a short file is ErrCorrupt.
func readFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the file ends at %d, before %d", ErrCorrupt, off+int64(n), off+int64(len(p)))
	}
	return err
}

func fourCC(b []byte) string {
	out := make([]byte, 4)
	for i, c := range b[:4] {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}

// child is a box inside the moov, as a slice of its payload.
type child struct {
	typ  string
	body []byte
}

// children splits a container's payload into its boxes.
func children(b []byte, where string) ([]child, error) {
	var out []child
	for len(b) > 0 {
		if len(b) < 8 {
			// Some writers pad containers with a few zero bytes.
			if allZero(b) {
				break
			}
			return nil, fmt.Errorf("%w: %s: %d stray bytes", ErrCorrupt, where, len(b))
		}
		size := uint64(binary.BigEndian.Uint32(b[:4]))
		typ := fourCC(b[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			if allZero(b[:8]) {
				// A terminator written by QuickTime.
				return out, nil
			}
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return nil, fmt.Errorf("%w: %s/%s: truncated 64-bit size", ErrCorrupt, where, typ)
			}
			size, hdr = binary.BigEndian.Uint64(b[8:16]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return nil, fmt.Errorf("%w: %s/%s: size %d does not fit in its %d-byte parent", ErrCorrupt, where, typ, size, len(b))
		}
		out = append(out, child{typ: typ, body: b[hdr:size]})
		b = b[size:]
	}
	return out, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parser holds the state of reading one moov.
type parser struct {
	size   int64 // the file's size
	budget int   // samples still allowed
}

func (p *parser) moov(ix *Index, b []byte) error {
	boxes, err := children(b, "moov")
	if err != nil {
		return err
	}
	var movieScale uint32
	for _, c := range boxes {
		switch c.typ {
		case "mvhd":
			scale, dur, err := timeHeader(c.body, "mvhd")
			if err != nil {
				return err
			}
			movieScale = scale
			if scale > 0 {
				ix.Duration = float64(dur) / float64(scale)
			}
		case "mvex":
			return fmt.Errorf("%w: the moov has an mvex box", ErrFragmented)
		}
	}
	for _, c := range boxes {
		if c.typ != "trak" {
			continue
		}
		t, err := p.trak(c.body, movieScale)
		if err != nil {
			return err
		}
		ix.Tracks = append(ix.Tracks, t)
	}
	return nil
}

// timeHeader reads the timescale and duration of an mvhd or mdhd.
func timeHeader(b []byte, what string) (uint32, uint64, error) {
	if len(b) < 4 {
		return 0, 0, fmt.Errorf("%w: %s too short", ErrCorrupt, what)
	}
	switch b[0] {
	case 0:
		if len(b) < 20 {
			return 0, 0, fmt.Errorf("%w: %s too short", ErrCorrupt, what)
		}
		return binary.BigEndian.Uint32(b[12:16]), uint64(binary.BigEndian.Uint32(b[16:20])), nil
	case 1:
		if len(b) < 32 {
			return 0, 0, fmt.Errorf("%w: %s too short", ErrCorrupt, what)
		}
		return binary.BigEndian.Uint32(b[20:24]), binary.BigEndian.Uint64(b[24:32]), nil
	}
	return 0, 0, fmt.Errorf("%w: %s version %d", ErrCorrupt, what, b[0])
}

// find returns the body of the first box of type typ among boxes.
func find(boxes []child, typ string) []byte {
	for _, c := range boxes {
		if c.typ == typ {
			return c.body
		}
	}
	return nil
}

func (p *parser) trak(b []byte, movieScale uint32) (*Track, error) {
	boxes, err := children(b, "trak")
	if err != nil {
		return nil, err
	}
	t := &Track{}
	if tkhd := find(boxes, "tkhd"); len(tkhd) >= 24 {
		if tkhd[0] == 1 && len(tkhd) >= 24 {
			t.ID = binary.BigEndian.Uint32(tkhd[20:24])
		} else {
			t.ID = binary.BigEndian.Uint32(tkhd[12:16])
		}
	}
	mdia := find(boxes, "mdia")
	if mdia == nil {
		return t, nil
	}
	mboxes, err := children(mdia, "mdia")
	if err != nil {
		return nil, err
	}
	if mdhd := find(mboxes, "mdhd"); mdhd != nil {
		scale, dur, err := timeHeader(mdhd, "mdhd")
		if err != nil {
			return nil, err
		}
		t.Timescale = scale
		if scale > 0 {
			t.Duration = float64(dur) / float64(scale)
		}
	}
	if hdlr := find(mboxes, "hdlr"); len(hdlr) >= 12 {
		t.Handler = fourCC(hdlr[8:12])
	}
	if t.Handler != "vide" && t.Handler != "soun" {
		return t, nil
	}
	if t.Timescale == 0 {
		return nil, fmt.Errorf("%w: track %d has no timescale", ErrCorrupt, t.ID)
	}
	if edts := find(boxes, "edts"); edts != nil {
		if err := t.edits(edts, movieScale); err != nil {
			return nil, err
		}
	}
	minf := find(mboxes, "minf")
	if minf == nil {
		return t, nil
	}
	fboxes, err := children(minf, "minf")
	if err != nil {
		return nil, err
	}
	stbl := find(fboxes, "stbl")
	if stbl == nil {
		return t, nil
	}
	sboxes, err := children(stbl, "stbl")
	if err != nil {
		return nil, err
	}
	if stsd := find(sboxes, "stsd"); len(stsd) >= 16 {
		t.Codec = fourCC(stsd[12:16])
	}
	if err := p.samples(t, sboxes); err != nil {
		return nil, fmt.Errorf("track %d (%s): %w", t.ID, t.Handler, err)
	}
	return t, nil
}

// edits reads the edit list: leading empty edits delay the track, the
// first media edit gives the media time shown first. Several media edits
// or a rate other than 1 are ErrUnsupported.
func (t *Track) edits(b []byte, movieScale uint32) error {
	boxes, err := children(b, "edts")
	if err != nil {
		return err
	}
	elst := find(boxes, "elst")
	if len(elst) < 8 {
		return nil
	}
	v, n := elst[0], uint64(binary.BigEndian.Uint32(elst[4:8]))
	size := uint64(12)
	if v == 1 {
		size = 20
	}
	if n*size > uint64(len(elst)-8) {
		return fmt.Errorf("%w: elst of %d entries in %d bytes", ErrCorrupt, n, len(elst)-8)
	}
	media := 0
	for i := range n {
		e := elst[8+i*size:]
		var dur uint64
		var mt int64
		var rate uint32
		if v == 1 {
			dur, mt, rate = binary.BigEndian.Uint64(e), int64(binary.BigEndian.Uint64(e[8:])), binary.BigEndian.Uint32(e[16:])
		} else {
			dur, mt, rate = uint64(binary.BigEndian.Uint32(e)), int64(int32(binary.BigEndian.Uint32(e[4:]))), binary.BigEndian.Uint32(e[8:])
		}
		if mt == -1 {
			if media > 0 {
				continue // a trailing empty edit changes nothing shown before it
			}
			if movieScale == 0 || dur > math.MaxInt64/uint64(t.Timescale) {
				return fmt.Errorf("%w: empty edit of %d", ErrUnsupported, dur)
			}
			t.delay += int64(dur * uint64(t.Timescale) / uint64(movieScale))
			continue
		}
		if mt < 0 {
			return fmt.Errorf("%w: edit at media time %d", ErrCorrupt, mt)
		}
		media++
		if media > 1 {
			return fmt.Errorf("%w: an edit list of several segments", ErrUnsupported)
		}
		if rate != 1<<16 {
			return fmt.Errorf("%w: an edit at rate %#x", ErrUnsupported, rate)
		}
		t.shift = mt
	}
	return nil
}

// table checks a full box of n entries of size bytes after a header of
// hdr bytes, and returns the entries.
func table(b []byte, what string, hdr int, countAt int, size uint64) ([]byte, uint64, error) {
	if len(b) < hdr {
		return nil, 0, fmt.Errorf("%w: %s too short", ErrCorrupt, what)
	}
	n := uint64(binary.BigEndian.Uint32(b[countAt : countAt+4]))
	if size > 0 && n > uint64(len(b)-hdr)/size {
		return nil, 0, fmt.Errorf("%w: %s says %d entries, its %d bytes hold %d", ErrCorrupt, what, n, len(b)-hdr, uint64(len(b)-hdr)/size)
	}
	return b[hdr:], n, nil
}

// samples builds the sample table of t.
func (p *parser) samples(t *Track, boxes []child) error {
	var sizes []uint32
	var n uint64
	var fixed uint32
	switch {
	case find(boxes, "stsz") != nil:
		b := find(boxes, "stsz")
		if len(b) < 12 {
			return fmt.Errorf("%w: stsz too short", ErrCorrupt)
		}
		fixed = binary.BigEndian.Uint32(b[4:8])
		n = uint64(binary.BigEndian.Uint32(b[8:12]))
		if n > uint64(p.budget) {
			return fmt.Errorf("%w: %d samples, more than the %d allowed", ErrLimit, n, p.budget)
		}
		if fixed == 0 {
			if n > uint64(len(b)-12)/4 {
				return fmt.Errorf("%w: stsz says %d samples, its %d bytes hold %d", ErrCorrupt, n, len(b)-12, (len(b)-12)/4)
			}
			sizes = make([]uint32, n)
			for i := range sizes {
				sizes[i] = binary.BigEndian.Uint32(b[12+4*i:])
			}
		}
	case find(boxes, "stz2") != nil:
		b := find(boxes, "stz2")
		if len(b) < 12 {
			return fmt.Errorf("%w: stz2 too short", ErrCorrupt)
		}
		bits := uint64(b[7])
		n = uint64(binary.BigEndian.Uint32(b[8:12]))
		if bits != 4 && bits != 8 && bits != 16 {
			return fmt.Errorf("%w: stz2 field size %d", ErrCorrupt, bits)
		}
		if n > uint64(p.budget) {
			return fmt.Errorf("%w: %d samples, more than the %d allowed", ErrLimit, n, p.budget)
		}
		if (n*bits+7)/8 > uint64(len(b)-12) {
			return fmt.Errorf("%w: stz2 says %d samples, its %d bytes hold fewer", ErrCorrupt, n, len(b)-12)
		}
		sizes = make([]uint32, n)
		d := b[12:]
		for i := range sizes {
			switch bits {
			case 4:
				v := d[i/2]
				if i%2 == 0 {
					v >>= 4
				}
				sizes[i] = uint32(v & 0xf)
			case 8:
				sizes[i] = uint32(d[i])
			case 16:
				sizes[i] = uint32(binary.BigEndian.Uint16(d[2*i:]))
			}
		}
	default:
		return nil // no samples
	}
	if n == 0 {
		return nil
	}
	p.budget -= int(n)
	sizeOf := func(i int) uint32 {
		if sizes != nil {
			return sizes[i]
		}
		return fixed
	}

	// Chunk offsets.
	var offs []int64
	if b := find(boxes, "stco"); b != nil {
		d, cn, err := table(b, "stco", 8, 4, 4)
		if err != nil {
			return err
		}
		offs = make([]int64, cn)
		for i := range offs {
			offs[i] = int64(binary.BigEndian.Uint32(d[4*i:]))
		}
	} else if b := find(boxes, "co64"); b != nil {
		d, cn, err := table(b, "co64", 8, 4, 8)
		if err != nil {
			return err
		}
		offs = make([]int64, cn)
		for i := range offs {
			u := binary.BigEndian.Uint64(d[8*i:])
			if u > uint64(p.size) {
				return fmt.Errorf("%w: chunk %d at %d, past the end of the %d-byte file", ErrCorrupt, i+1, u, p.size)
			}
			offs[i] = int64(u)
		}
	} else {
		return fmt.Errorf("%w: no chunk offsets (stco, co64)", ErrCorrupt)
	}
	stsc, scn, err := table(find(boxes, "stsc"), "stsc", 8, 4, 12)
	if err != nil {
		return err
	}
	if scn == 0 {
		return fmt.Errorf("%w: an empty stsc", ErrCorrupt)
	}

	t.samples = make([]sample, n)
	i := 0
	for e := uint64(0); e < scn && i < int(n); e++ {
		first := uint64(binary.BigEndian.Uint32(stsc[12*e:]))
		per := uint64(binary.BigEndian.Uint32(stsc[12*e+4:]))
		last := uint64(len(offs)) // chunks of this run: first .. last (1-based)
		if e+1 < scn {
			last = uint64(binary.BigEndian.Uint32(stsc[12*(e+1):])) - 1
		}
		if first == 0 || last < first-1 || first > uint64(len(offs))+1 {
			return fmt.Errorf("%w: stsc entry %d starts at chunk %d", ErrCorrupt, e+1, first)
		}
		last = min(last, uint64(len(offs)))
		for c := first; c <= last && i < int(n); c++ {
			off := offs[c-1]
			for k := uint64(0); k < per && i < int(n); k++ {
				sz := sizeOf(i)
				if off+int64(sz) > p.size {
					return fmt.Errorf("%w: sample %d (%d bytes at %d) ends past the end of the %d-byte file (truncated)", ErrCorrupt, i+1, sz, off, p.size)
				}
				t.samples[i] = sample{off: off, size: sz}
				off += int64(sz)
				i++
			}
		}
	}
	if i < int(n) {
		return fmt.Errorf("%w: the chunks hold %d of the %d samples", ErrCorrupt, i, n)
	}

	// Decoding times.
	stts, tn, err := table(find(boxes, "stts"), "stts", 8, 4, 8)
	if err != nil {
		return err
	}
	i = 0
	var dts int64
	for e := uint64(0); e < tn && i < int(n); e++ {
		count := uint64(binary.BigEndian.Uint32(stts[8*e:]))
		delta := int64(binary.BigEndian.Uint32(stts[8*e+4:]))
		for k := uint64(0); k < count && i < int(n); k++ {
			t.samples[i].dts = dts
			dts += delta
			i++
		}
	}
	if i < int(n) {
		return fmt.Errorf("%w: stts times %d of the %d samples", ErrCorrupt, i, n)
	}

	// Composition offsets.
	if b := find(boxes, "ctts"); b != nil {
		d, cn, err := table(b, "ctts", 8, 4, 8)
		if err != nil {
			return err
		}
		i = 0
		minCTO := int64(math.MaxInt64)
		for e := uint64(0); e < cn && i < int(n); e++ {
			count := uint64(binary.BigEndian.Uint32(d[8*e:]))
			cto := int32(binary.BigEndian.Uint32(d[8*e+4:]))
			for k := uint64(0); k < count && i < int(n); k++ {
				t.samples[i].cto = cto
				minCTO = min(minCTO, int64(cto))
				i++
			}
		}
		if i < int(n) || minCTO == math.MaxInt64 {
			minCTO = min(minCTO, 0) // samples the table leaves out have none
		}
		t.minCTO = minCTO
	}

	// Sync samples.
	if b := find(boxes, "stss"); b != nil {
		d, sn, err := table(b, "stss", 8, 4, 4)
		if err != nil {
			return err
		}
		t.sync = make([]int, 0, min(sn, n))
		for e := range sn {
			s := int(binary.BigEndian.Uint32(d[4*e:])) - 1
			if s >= 0 && s < int(n) && (len(t.sync) == 0 || s > t.sync[len(t.sync)-1]) {
				t.sync = append(t.sync, s)
			}
		}
		if len(t.sync) == 0 || t.sync[0] != 0 {
			// Decoding starts at the first sample whatever the table says.
			t.sync = append([]int{0}, t.sync...)
		}
	}
	return nil
}

// pts returns the presentation time of sample i in seconds, with the edit
// list applied.
func (t *Track) pts(i int) float64 {
	s := t.samples[i]
	return float64(s.dts+int64(s.cto)-t.shift+t.delay) / float64(t.Timescale)
}

// seekTime returns the time of sample i that a demuxer seeks by: its
// decoding time with the edit list applied.
func (t *Track) seekTime(i int) float64 {
	return float64(t.samples[i].dts-t.shift+t.delay) / float64(t.Timescale)
}

// syncAtOrBefore returns the last sync sample at or before sample i.
func (t *Track) syncAtOrBefore(i int) int {
	if t.sync == nil {
		return i
	}
	k := sort.SearchInts(t.sync, i+1) - 1
	if k < 0 {
		return 0
	}
	return t.sync[k]
}

// NextSync returns the first sync sample after sample i, or the last
// sample when none follows: how far a decoder that skips all but
// keyframes reads before it shows the keyframe that ends a stretch.
func (t *Track) NextSync(i int) int {
	n := len(t.samples)
	if n == 0 {
		return -1
	}
	if t.sync == nil {
		return min(i+1, n-1)
	}
	k := sort.SearchInts(t.sync, i+1)
	if k >= len(t.sync) {
		return n - 1
	}
	return t.sync[k]
}

// Span returns the first and last samples, in decoding order, that a
// decoder reads to show every frame presented from `from` to `to`
// seconds: it starts at the last sync sample whose decoding and
// presentation times are both at or before `from` (so a demuxer seeking
// to `from`, or somewhat earlier, lands on it or later), and ends with
// the last sample presented at or before `to`, plus extra samples in
// decoding order (for decoders that hold frames back to reorder them).
// Times before the first frame give the first samples, times after the
// last the last ones.
func (t *Track) Span(from, to float64, extra int) (first, last int) {
	n := len(t.samples)
	if n == 0 {
		return 0, -1
	}
	to = max(to, from)
	// The last sample whose decoding time is at or before from.
	i := sort.Search(n, func(i int) bool { return t.seekTime(i) > from }) - 1
	first = 0
	if i >= 0 {
		first = t.syncAtOrBefore(i)
		for first > 0 && (t.pts(first) > from || t.seekTime(first) > from) {
			first = t.syncAtOrBefore(first - 1)
		}
	}
	// A sample can be presented at or before `to` only if its decoding
	// time plus the smallest composition offset is.
	limit := to - float64(t.minCTO)/float64(t.Timescale)
	last = first
	for j := first; j < n && t.seekTime(j) <= limit; j++ {
		if t.pts(j) <= to {
			last = j
		}
	}
	last = min(n-1, last+max(extra, 0))
	return first, last
}

// Ranges returns the byte ranges of samples first to last (decoding
// order), merged where they touch.
func (t *Track) Ranges(first, last int) []Range {
	first = max(first, 0)
	last = min(last, len(t.samples)-1)
	var out []Range
	for i := first; i <= last; i++ {
		s := t.samples[i]
		if s.size == 0 {
			continue
		}
		if k := len(out) - 1; k >= 0 && out[k].End() == s.off {
			out[k].Length += int64(s.size)
			continue
		}
		out = append(out, Range{s.off, int64(s.size)})
	}
	return out
}

// Start returns the earliest presentation time of the first samples of
// the video and audio tracks, in seconds: the time a player (and ffmpeg's
// -ss, which counts from it) takes for the start of the movie. 0 when no
// track has samples.
func (ix *Index) Start() float64 {
	start, found := 0.0, false
	for _, t := range ix.Tracks {
		// The first frame shown is among the first few decoded.
		for i := range min(len(t.samples), 16) {
			if p := t.pts(i); !found || p < start {
				start, found = p, true
			}
		}
	}
	return start
}

// Meta returns the byte ranges a demuxer reads besides the samples: every
// top-level box other than media data whole (ftyp, moov, free, uuid, ...),
// and the header of every mdat.
func (ix *Index) Meta() []Range {
	var out []Range
	for _, b := range ix.Boxes {
		if b.Type == "mdat" {
			out = append(out, Range{b.Offset, b.Header})
			continue
		}
		out = append(out, Range{b.Offset, b.Size})
	}
	return out
}

// Head returns the byte ranges of the first n samples of every video and
// audio track: what a prober decodes to learn the streams' parameters.
func (ix *Index) Head(n int) []Range {
	var out []Range
	for _, t := range ix.Tracks {
		if len(t.samples) > 0 && n > 0 {
			out = append(out, t.Ranges(0, n-1)...)
		}
	}
	return out
}

// Merge sorts ranges and joins those that overlap or lie less than gap
// bytes apart.
func Merge(rs []Range, gap int64) []Range {
	var in []Range
	for _, r := range rs {
		if r.Length > 0 {
			in = append(in, r)
		}
	}
	sort.Slice(in, func(i, j int) bool { return in[i].Offset < in[j].Offset })
	var out []Range
	for _, r := range in {
		if k := len(out) - 1; k >= 0 && r.Offset <= out[k].End()+gap {
			out[k].Length = max(out[k].End(), r.End()) - out[k].Offset
			continue
		}
		out = append(out, r)
	}
	return out
}

// Total returns the bytes the ranges cover (counting overlaps twice;
// Merge them first).
func Total(rs []Range) int64 {
	var n int64
	for _, r := range rs {
		n += r.Length
	}
	return n
}
