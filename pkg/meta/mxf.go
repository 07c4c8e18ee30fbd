package meta

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf16"
)

// MXF files (SMPTE 377) are KLV triplets: a 16-byte key (a SMPTE UL), a
// BER length, a value. The header partition pack comes first, then the
// header metadata: a primer pack and local sets (2-byte tag, 2-byte
// length, value) linked by their instance UIDs: the Preface, the
// Identification sets (the writing application: company, product,
// version, modification date), the material and source packages with
// their Tracks (edit rate) and Sequences (duration), and the essence
// descriptors (picture: stored, sampled and display size, frame layout,
// coding UL; sound: sampling rate, channels, quantisation bits). readMXF
// reads the header metadata (HeaderByteCount bytes after the partition
// pack); when the header partition is open or incomplete (a file still
// being written, or a writer that fills the durations in later), the
// footer partition's copy of the header metadata, when there is one, is
// read instead. The essence is never read.

const (
	// mxfMaxSets bounds the local sets read.
	mxfMaxSets = 10000
	// mxfMaxTags bounds the tags of one local set.
	mxfMaxTags = 1000
	// mxfScanNoCount is how much is read when a partition does not say how
	// long its header metadata is.
	mxfScanNoCount = 1 << 20
)

// mxfSet is a local set: its type (bytes 13-14 of its key) and its tags.
type mxfSet struct {
	typ  uint16
	tags map[uint16][]byte
}

// mxfPartitionKey is the start of every partition pack key.
var mxfPartitionKey = []byte{0x06, 0x0E, 0x2B, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0D, 0x01, 0x02, 0x01, 0x01}

// mxfKLV reads one KLV at the start of d: the key, the value's offset and
// length; ok is false when d is too short for the key and length.
func mxfKLV(d []byte) (key []byte, off int, n int64, ok bool) {
	if len(d) < 17 {
		return nil, 0, 0, false
	}
	key = d[:16]
	l := d[16]
	if l < 0x80 {
		return key, 17, int64(l), true
	}
	nb := int(l & 0x7F)
	if nb == 0 || nb > 8 || 17+nb > len(d) {
		return nil, 0, 0, false
	}
	var v uint64
	for _, c := range d[17 : 17+nb] {
		v = v<<8 | uint64(c)
	}
	if v > 1<<62 {
		return nil, 0, 0, false
	}
	return key, 17 + nb, int64(v), true
}

// readMXF reads an MXF file.
func readMXF(x *extraction) error {
	s, b := x.s, x.b
	sets, status, footer, err := x.mxfPartition(0)
	if err != nil {
		return err
	}
	if status != 4 && footer > 0 && footer < s.size {
		if fs, _, _, err := x.mxfPartition(footer); err == nil && len(fs) > 0 {
			sets = fs
		} else if len(sets) == 0 {
			b.warn("MXF: the footer partition could not be read")
		}
	}
	if len(sets) == 0 {
		b.warn("MXF: no header metadata")
	}
	mxfFacts(x, sets)
	return nil
}

// mxfPartition reads the partition pack at off and the header metadata
// that follows it. It returns the local sets, the partition status (the
// last byte but one of the key: 1 open incomplete ... 4 closed complete)
// and the offset of the footer partition (0 when unknown).
func (x *extraction) mxfPartition(off int64) ([]mxfSet, byte, int64, error) {
	s, b := x.s, x.b
	h, err := s.readUpTo(off, 17+8+256)
	if err != nil {
		return nil, 0, 0, err
	}
	key, vo, n, ok := mxfKLV(h)
	if !ok || !bytes.HasPrefix(key, mxfPartitionKey) || n < 88 || vo+40 > len(h) {
		return nil, 0, 0, corruptf("no partition pack at offset %d", off)
	}
	v := h[vo:]
	status := key[14]
	footer := int64(binary.BigEndian.Uint64(v[24:]))
	hbc := int64(binary.BigEndian.Uint64(v[32:]))
	start := off + int64(vo) + n
	if start > s.size {
		return nil, 0, 0, corruptf("the partition pack is truncated")
	}
	// HeaderByteCount counts from the primer pack: skip the fill between.
	for i := 0; i < 16 && start+17 <= s.size; i++ {
		f, err := s.readUpTo(start, 25)
		if err != nil {
			return nil, 0, 0, err
		}
		fk, fo, fn, ok := mxfKLV(f)
		if !ok || !mxfFill(fk) || start+int64(fo)+fn > s.size {
			break
		}
		start += int64(fo) + fn
	}
	if hbc <= 0 {
		hbc = mxfScanNoCount
	}
	if hbc > b.opts.MaxSegmentBytes {
		b.warn("MXF: header metadata of %d bytes: only the first %d were read", hbc, b.opts.MaxSegmentBytes)
		hbc = b.opts.MaxSegmentBytes
	}
	if start+hbc > s.size {
		if off == 0 && hbc != mxfScanNoCount {
			b.warn("MXF: the header metadata is truncated: the file is cut short")
		}
		hbc = s.size - start
	}
	d, err := s.readAt(start, hbc)
	if err != nil {
		return nil, 0, 0, err
	}
	return mxfSets(b, d), status, footer, nil
}

// mxfSets reads the local sets of header metadata d, stopping at the first
// KLV that is not metadata (essence, an index table, a partition).
func mxfSets(b *builder, d []byte) []mxfSet {
	var sets []mxfSet
	for p := 0; p < len(d) && len(sets) < mxfMaxSets; {
		key, vo, n, ok := mxfKLV(d[p:])
		if !ok {
			break
		}
		if int64(p+vo)+n > int64(len(d)) {
			if key[4] == 0x02 && key[5] == 0x53 {
				b.warn("MXF: a metadata set is truncated")
			}
			break
		}
		val := d[p+vo : p+vo+int(n)]
		p += vo + int(n)
		switch {
		case key[4] == 0x02 && key[5] == 0x53: // local set, 2-byte tags and lengths
			set := mxfSet{typ: uint16(key[13])<<8 | uint16(key[14]), tags: map[uint16][]byte{}}
			for q, t := 0, 0; q+4 <= len(val) && t < mxfMaxTags; t++ {
				tag := binary.BigEndian.Uint16(val[q:])
				l := int(binary.BigEndian.Uint16(val[q+2:]))
				if q+4+l > len(val) {
					break
				}
				set.tags[tag] = val[q+4 : q+4+l]
				q += 4 + l
			}
			sets = append(sets, set)
		case mxfFill(key):
		case key[4] == 0x02 && key[5] == 0x05 && key[12] == 0x01 && key[13] == 0x05:
			// primer pack
		case key[4] == 0x01 && key[5] == 0x01:
			// other dictionary items (dark metadata)
		default:
			return sets
		}
	}
	return sets
}

// mxfFill reports whether key is the KLV fill item's.
func mxfFill(key []byte) bool {
	return len(key) == 16 && key[4] == 0x01 && key[5] == 0x01 && key[8] == 0x03 && key[9] == 0x01 && key[10] == 0x02 && key[11] == 0x10
}

// mxf set types (bytes 13-14 of the key).
const (
	mxfIdentification  = 0x0130
	mxfMaterialPackage = 0x0136
	mxfTrack           = 0x013B
	mxfSequence        = 0x010F
)

// mxfFacts reads the stream facts, dates and identification from sets.
func mxfFacts(x *extraction, sets []mxfSet) {
	b := x.b
	byUID := map[string]*mxfSet{}
	for i := range sets {
		if uid, ok := sets[i].tags[0x3C0A]; ok && len(uid) == 16 {
			byUID[string(uid)] = &sets[i]
		}
	}
	ms := mediaStreams{}
	var idents []*mxfSet
	var material *mxfSet
	for i := range sets {
		st := &sets[i]
		switch {
		case st.typ == mxfIdentification:
			idents = append(idents, st)
		case st.typ == mxfMaterialPackage && material == nil:
			material = st
		case !ms.hasVideo && (st.tags[0x3203] != nil || st.tags[0x3209] != nil || st.tags[0x3201] != nil):
			mxfPicture(st, &ms)
		case !ms.hasAudio && (st.tags[0x3D03] != nil || st.tags[0x3D07] != nil):
			mxfSound(st, &ms)
		}
	}
	// The duration: the longest picture or sound track of the material
	// package (its sequence's duration over its edit rate).
	if material != nil {
		for _, ref := range mxfBatch(material.tags[0x4403]) {
			tr := byUID[ref]
			if tr == nil || tr.typ != mxfTrack {
				continue
			}
			num, den, ok := mxfRational(tr.tags[0x4B01])
			seq := byUID[string(tr.tags[0x4803])]
			if !ok || seq == nil || len(seq.tags[0x0202]) != 8 {
				continue
			}
			// Timecode and data tracks do not count: only picture
			// (01.03.02.02.01) and sound (01.03.02.02.02) data definitions.
			if dd := seq.tags[0x0201]; len(dd) == 16 && (dd[10] != 0x02 || dd[11] != 0x02 || (dd[12] != 0x01 && dd[12] != 0x02)) {
				continue
			}
			n := int64(binary.BigEndian.Uint64(seq.tags[0x0202]))
			if d := float64(n) * den / num; n > 0 && d > ms.duration {
				ms.duration = d
			}
		}
		for _, t := range []struct {
			tag uint16
			key string
		}{{0x4405, "xmp:CreateDate"}, {0x4404, "xmp:ModifyDate"}} {
			if d, ok := mxfTimestamp(material.tags[t.tag]); ok {
				b.set(t.key, Date(d), prioIPTC)
			}
		}
	}
	if ms.duration == 0 {
		ms.duration = mxfContainerDuration(sets)
	}
	if len(idents) > 0 {
		first, last := idents[0], idents[len(idents)-1]
		if v := mxfString(first.tags[0x3C02]); v != "" {
			tool := v
			if ver := mxfString(first.tags[0x3C04]); ver != "" {
				tool += " " + ver
			}
			b.set("xmp:CreatorTool", Text(tool), prioIPTC)
		}
		if v := mxfString(first.tags[0x3C01]); v != "" {
			b.set("acs:Company", Text(v), prioIPTC)
		}
		if d, ok := mxfTimestamp(last.tags[0x3C06]); ok {
			b.set("xmp:ModifyDate", Date(d), prioIPTC)
		}
	}
	if ms.duration > 0 {
		ms.bitrate = float64(x.s.size) * 8 / ms.duration
	}
	ms.set(b)
}

// mxfContainerDuration is the first essence descriptor's container
// duration over its sample rate (edit rate), or 0.
func mxfContainerDuration(sets []mxfSet) float64 {
	for _, st := range sets {
		d := st.tags[0x3002]
		num, den, ok := mxfRational(st.tags[0x3001])
		if len(d) == 8 && ok {
			if n := int64(binary.BigEndian.Uint64(d)); n > 0 {
				return float64(n) * den / num
			}
		}
	}
	return 0
}

// mxfPicture reads a picture essence descriptor.
func mxfPicture(st *mxfSet, ms *mediaStreams) {
	u32 := func(tags ...uint16) int {
		for _, t := range tags {
			if v := st.tags[t]; len(v) == 4 {
				if n := int(binary.BigEndian.Uint32(v)); n > 0 && n < 1<<20 {
					return n
				}
			}
		}
		return 0
	}
	ms.hasVideo = true
	ms.width = u32(0x3209, 0x3205, 0x3203)
	ms.height = u32(0x3208, 0x3204, 0x3202)
	if l := st.tags[0x320C]; len(l) == 1 && (l[0] == 1 || l[0] == 4) {
		ms.height *= 2 // the heights are of one field
	}
	if num, den, ok := mxfRational(st.tags[0x3001]); ok {
		ms.frameRate = num / den
	}
	ms.videoCodec = mxfPictureCodec(st.tags[0x3201])
	if ms.videoCodec == "" && st.typ == 0x0151 {
		ms.videoCodec = "mpeg2video"
	}
	if ms.videoCodec == "" {
		ms.videoCodec = mxfContainerCodec(st.tags[0x3004])
	}
	if ul := st.tags[0x3201]; len(ul) == 16 {
		ms.videoCodecID = mxfUL(ul)
	}
}

// mxfSound reads a sound essence descriptor.
func mxfSound(st *mxfSet, ms *mediaStreams) {
	ms.hasAudio = true
	if num, den, ok := mxfRational(st.tags[0x3D03]); ok {
		ms.sampleRate = int(num/den + 0.5)
	}
	if v := st.tags[0x3D07]; len(v) == 4 {
		ms.channels = int(binary.BigEndian.Uint32(v))
	}
	bits := 0
	if v := st.tags[0x3D01]; len(v) == 4 {
		bits = int(binary.BigEndian.Uint32(v))
	}
	comp := st.tags[0x3D06]
	switch {
	case len(comp) == 16 && comp[8] == 0x04 && comp[9] == 0x02 && comp[10] == 0x02 && comp[11] == 0x02 && comp[12] == 0x03:
		switch comp[14] {
		case 0x01:
			ms.audioCodec = "ac3"
		case 0x04, 0x05, 0x06:
			ms.audioCodec = "mp2"
		}
	case len(comp) == 16 && comp[8] == 0x04 && comp[9] == 0x02 && comp[10] == 0x02 && comp[11] == 0x01 && comp[12] == 0x7E:
		ms.audioCodec = fmt.Sprintf("pcm_s%dbe", max(bits, 16))
	default:
		if bits == 16 || bits == 24 || bits == 32 {
			ms.audioCodec = fmt.Sprintf("pcm_s%dle", bits)
			ms.bitsPerSample = bits
		}
	}
	if len(comp) == 16 {
		ms.audioCodecID = mxfUL(comp)
	}
}

// mxfPictureCodec is the ffprobe name of a picture essence coding UL.
func mxfPictureCodec(ul []byte) string {
	if len(ul) != 16 || ul[8] != 0x04 || ul[9] != 0x01 || ul[10] != 0x02 {
		return ""
	}
	switch {
	case ul[11] == 0x01:
		return "rawvideo"
	case ul[11] != 0x02:
		return ""
	case ul[12] == 0x01 && ul[13] >= 0x01 && ul[13] <= 0x0F:
		return "mpeg2video"
	case ul[12] == 0x01 && ul[13] >= 0x20 && ul[13] <= 0x2F:
		return "mpeg4"
	case ul[12] == 0x01 && ul[13] >= 0x30 && ul[13] <= 0x3F:
		return "h264"
	case ul[12] == 0x02:
		return "dvvideo"
	case ul[12] == 0x03 && ul[13] == 0x01:
		return "jpeg2000"
	case ul[12] == 0x03 && ul[13] == 0x02:
		return "vc1"
	case ul[12] == 0x03 && ul[13] == 0x06:
		return "prores"
	case ul[12] == 0x71:
		return "dnxhd"
	}
	return ""
}

// mxfContainerCodec is the ffprobe name of the codec an essence container
// UL implies, for a picture descriptor without a coding UL.
func mxfContainerCodec(ul []byte) string {
	if len(ul) != 16 || ul[8] != 0x0D || ul[9] != 0x01 || ul[10] != 0x03 || ul[11] != 0x01 || ul[12] != 0x02 {
		return ""
	}
	switch ul[13] {
	case 0x01, 0x04:
		return "mpeg2video"
	case 0x02:
		return "dvvideo"
	case 0x05:
		return "rawvideo"
	case 0x0C:
		return "jpeg2000"
	case 0x10:
		return "h264"
	case 0x11:
		return "dnxhd"
	case 0x1C:
		return "prores"
	}
	return ""
}

// mxfUL writes a UL as exiftool and the SMPTE registers do:
// "060e2b34.0401.0103.04010202.01011100".
func mxfUL(ul []byte) string {
	return fmt.Sprintf("%x.%x.%x.%x.%x", ul[0:4], ul[4:6], ul[6:8], ul[8:12], ul[12:16])
}

// mxfBatch reads a batch (or array) of 16-byte references.
func mxfBatch(v []byte) []string {
	if len(v) < 8 {
		return nil
	}
	n := int(binary.BigEndian.Uint32(v))
	size := int(binary.BigEndian.Uint32(v[4:]))
	if size != 16 {
		return nil
	}
	var out []string
	for i := 0; i < n && 8+16*(i+1) <= len(v) && i < 1000; i++ {
		out = append(out, string(v[8+16*i:8+16*(i+1)]))
	}
	return out
}

// mxfRational reads a rational (two signed 32-bit integers), positive.
func mxfRational(v []byte) (float64, float64, bool) {
	if len(v) != 8 {
		return 0, 0, false
	}
	num := int32(binary.BigEndian.Uint32(v))
	den := int32(binary.BigEndian.Uint32(v[4:]))
	if num <= 0 || den <= 0 {
		return 0, 0, false
	}
	return float64(num), float64(den), true
}

// mxfTimestamp reads a timestamp: year (16 bits), month, day, hours,
// minutes, seconds, quarter milliseconds; all zero is no date.
func mxfTimestamp(v []byte) (string, bool) {
	if len(v) != 8 {
		return "", false
	}
	y := int(binary.BigEndian.Uint16(v))
	mo, d, h, mi, s := int(v[2]), int(v[3]), int(v[4]), int(v[5]), int(v[6])
	if y == 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s), true
}

// mxfString decodes a UTF-16BE string, without its terminating NUL.
func mxfString(v []byte) string {
	u := make([]uint16, 0, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		c := binary.BigEndian.Uint16(v[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}
