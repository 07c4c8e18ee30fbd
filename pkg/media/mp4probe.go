package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
)

// The quick probe: the common MP4/QuickTime file (H.264 video, AAC sound,
// the index in one moov box) is described in Go from its boxes and the
// H.264 sequence parameter set, as ffprobe describes it, without starting
// a process. Anything else, and anything of such a file the quick probe
// does not fully understand (fragments, edit lists of several entries,
// other codecs, encryption, cover art, text or timecode tracks, a frame
// size or pixel shape the codec contradicts, a truncated file), goes to
// ffprobe, so the two never disagree on what the engine uses: the streams
// and their order, codecs, coded size, sample aspect ratio, rotation,
// frame rate, frame counts, durations, sample rates and channels. Tags are
// not read (Info.Tags and Stream.Tags stay nil).

// mp4FormatName is ffprobe's name of the MP4/QuickTime demuxer.
const mp4FormatName = "mov,mp4,m4a,3gp,3g2,mj2"

// Bounds of what the quick probe reads; a file past them goes to ffprobe.
const (
	mp4MaxMoov     = 16 << 20 // bytes of the moov box
	mp4MaxTopBoxes = 4096     // top-level boxes walked to find it
	mp4MaxTracks   = 16
	mp4MaxStts     = 1 << 20 // time-to-sample entries of a track
)

// errNotQuick says the quick probe leaves the file to ffprobe.
var errNotQuick = errors.New("not a file the quick probe describes")

// quickProbe describes the file at path when it is an MP4/QuickTime file
// the quick probe understands; otherwise it returns errNotQuick (or the
// error reading the file). Only a regular file is read: opening a pipe or
// a device could block, where ffprobe runs under the deadline.
func quickProbe(path string) (*Info, error) {
	if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
		return nil, errNotQuick
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errNotQuick
	}
	return probeMP4(f, st.Size())
}

// probeMP4 is quickProbe on a reader of size bytes.
func probeMP4(r io.ReaderAt, size int64) (*Info, error) {
	moovOff, moovLen, err := findMoov(r, size)
	if err != nil {
		return nil, err
	}
	moov := make([]byte, moovLen)
	if _, err := r.ReadAt(moov, moovOff); err != nil {
		return nil, errNotQuick
	}
	kids, ok := boxesOf(moov)
	if !ok {
		return nil, errNotQuick
	}
	in := &Info{Format: mp4FormatName, DurationKnown: true}
	var mvhd []byte
	for _, b := range kids {
		switch b.typ {
		case "mvhd":
			mvhd = b.body
		case "trak":
			if len(in.Streams) == mp4MaxTracks {
				return nil, errNotQuick
			}
			s, err := mp4Track(b.body)
			if err != nil {
				return nil, err
			}
			s.Index = len(in.Streams)
			in.Streams = append(in.Streams, s)
		case "mvex", "meta", "cmov", "rmra":
			// Fragments, cover art or other items, a compressed or a
			// reference movie.
			return nil, errNotQuick
		case "udta":
			if bytes.Contains(b.body, []byte("covr")) || bytes.Contains(b.body, []byte("chpl")) {
				return nil, errNotQuick
			}
		}
	}
	timescale, duration, matrix, ok := mp4Header(mvhd)
	if !ok || timescale == 0 || duration == 0 || !identity(matrix) || len(in.Streams) == 0 {
		return nil, errNotQuick
	}
	in.Duration = float64(duration) / float64(timescale)
	if in.Duration > 0 {
		in.BitRate = int64(float64(size) * 8 / in.Duration)
	}
	return in, nil
}

// findMoov walks the top-level boxes of the file and returns where the
// moov box's body is. A file that is not plainly an MP4/QuickTime file
// (its first box), that is fragmented, has no moov or several, or whose
// boxes run past its end (truncated) is not for the quick probe.
func findMoov(r io.ReaderAt, size int64) (off, n int64, err error) {
	var hdr [16]byte
	found := false
	for pos, i := int64(0), 0; pos < size; i++ {
		if i == mp4MaxTopBoxes || size-pos < 8 {
			return 0, 0, errNotQuick
		}
		if _, err := r.ReadAt(hdr[:8], pos); err != nil {
			return 0, 0, errNotQuick
		}
		bsize, hlen := int64(binary.BigEndian.Uint32(hdr[:4])), int64(8)
		typ := string(hdr[4:8])
		if i == 0 && typ != "ftyp" && typ != "moov" && typ != "mdat" && typ != "free" && typ != "wide" && typ != "skip" {
			return 0, 0, errNotQuick
		}
		switch bsize {
		case 0:
			bsize = size - pos
		case 1:
			if _, err := r.ReadAt(hdr[8:16], pos+8); err != nil {
				return 0, 0, errNotQuick
			}
			u := binary.BigEndian.Uint64(hdr[8:16])
			if u > math.MaxInt64 {
				return 0, 0, errNotQuick
			}
			bsize, hlen = int64(u), 16
		}
		if bsize < hlen || bsize > size-pos {
			return 0, 0, errNotQuick
		}
		switch typ {
		case "moov":
			if found || bsize-hlen > mp4MaxMoov {
				return 0, 0, errNotQuick
			}
			found, off, n = true, pos+hlen, bsize-hlen
		case "moof", "mfra", "sidx":
			return 0, 0, errNotQuick
		}
		pos += bsize
	}
	if !found {
		return 0, 0, errNotQuick
	}
	return off, n, nil
}

// box is one box: its type and body.
type box struct {
	typ  string
	body []byte
}

// boxesOf splits d into the boxes it holds; false when one is malformed.
func boxesOf(d []byte) ([]box, bool) {
	var out []box
	for len(d) > 0 {
		if len(d) < 8 {
			return nil, false
		}
		size, hlen := uint64(binary.BigEndian.Uint32(d)), uint64(8)
		typ := string(d[4:8])
		switch size {
		case 0:
			size = uint64(len(d))
		case 1:
			if len(d) < 16 {
				return nil, false
			}
			size, hlen = binary.BigEndian.Uint64(d[8:]), 16
		}
		if size < hlen || size > uint64(len(d)) {
			return nil, false
		}
		out = append(out, box{typ, d[hlen:size]})
		d = d[size:]
	}
	return out, true
}

// child returns the body of the only box of type typ among kids; false
// when there is none or several.
func child(kids []box, typ string) ([]byte, bool) {
	var body []byte
	n := 0
	for _, b := range kids {
		if b.typ == typ {
			body = b.body
			n++
		}
	}
	return body, n == 1
}

// path returns the body of the box at the path of types below d (each
// the only one of its type).
func path(d []byte, types ...string) ([]byte, bool) {
	for _, t := range types {
		kids, ok := boxesOf(d)
		if !ok {
			return nil, false
		}
		if d, ok = child(kids, t); !ok {
			return nil, false
		}
	}
	return d, true
}

// mp4Header reads an mvhd or mdhd box: its time scale and duration, and
// for mvhd its matrix (nil for mdhd, which has none).
func mp4Header(d []byte) (timescale uint32, duration uint64, matrix []byte, ok bool) {
	if len(d) < 4 {
		return 0, 0, nil, false
	}
	mo := 36 // where the matrix of an mvhd begins
	switch d[0] {
	case 0:
		if len(d) < 20 {
			return 0, 0, nil, false
		}
		timescale, duration = binary.BigEndian.Uint32(d[12:]), uint64(binary.BigEndian.Uint32(d[16:]))
		if duration == math.MaxUint32 {
			duration = 0 // unknown
		}
	case 1:
		if len(d) < 32 {
			return 0, 0, nil, false
		}
		timescale, duration = binary.BigEndian.Uint32(d[20:]), binary.BigEndian.Uint64(d[24:])
		mo = 48
	default:
		return 0, 0, nil, false
	}
	if len(d) >= mo+36 {
		matrix = d[mo : mo+36]
	}
	return timescale, duration, matrix, true
}

// identity reports whether a 3x3 display matrix (16.16 and 2.30 fixed
// point) is the identity.
func identity(m []byte) bool {
	want := [9]uint32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000}
	if len(m) != 36 {
		return false
	}
	for i, w := range want {
		if binary.BigEndian.Uint32(m[4*i:]) != w {
			return false
		}
	}
	return true
}

// quarterTurn returns the rotation ffprobe reports for a track's display
// matrix (normalised as parseProbe does), or false for a matrix other
// than a quarter turn of a whole multiple (a mirror, a scale, a shift).
func quarterTurn(m []byte) (int, bool) {
	if len(m) != 36 {
		return 0, false
	}
	v := func(i int) int32 { return int32(binary.BigEndian.Uint32(m[4*i:])) }
	if v(2) != 0 || v(5) != 0 || v(8) != 0x40000000 {
		return 0, false
	}
	const one = 0x10000
	// ffprobe reports minus the angle of (a, b): a matrix that turns the
	// picture a quarter clockwise for display reads -90, that is 270.
	switch [4]int32{v(0), v(1), v(3), v(4)} {
	case [4]int32{one, 0, 0, one}:
		return 0, true
	case [4]int32{0, one, -one, 0}:
		return 270, true
	case [4]int32{-one, 0, 0, -one}:
		return 180, true
	case [4]int32{0, -one, one, 0}:
		return 90, true
	}
	return 0, false
}

// mp4Track describes one trak box, or fails with errNotQuick.
func mp4Track(trak []byte) (Stream, error) {
	var s Stream
	kids, ok := boxesOf(trak)
	if !ok {
		return s, errNotQuick
	}
	tkhd, ok := child(kids, "tkhd")
	if !ok || len(tkhd) < 4 || tkhd[3]&1 == 0 { // a disabled track
		return s, errNotQuick
	}
	mo := 40
	if tkhd[0] == 1 {
		mo = 52
	}
	if len(tkhd) < mo+36 {
		return s, errNotQuick
	}
	if _, ok := child(kids, "tref"); ok {
		return s, errNotQuick // chapters, timecode, hint tracks refer to others
	}
	if edts, ok := child(kids, "edts"); ok {
		elst, ok := path(edts, "elst")
		if !ok || len(elst) < 8 || binary.BigEndian.Uint32(elst[4:]) > 1 {
			return s, errNotQuick
		}
	}
	mdia, ok := child(kids, "mdia")
	if !ok {
		return s, errNotQuick
	}
	mkids, ok := boxesOf(mdia)
	if !ok {
		return s, errNotQuick
	}
	mdhd, ok1 := child(mkids, "mdhd")
	hdlr, ok2 := child(mkids, "hdlr")
	stbl, ok3 := path(mdia, "minf", "stbl")
	if !ok1 || !ok2 || !ok3 || len(hdlr) < 12 {
		return s, errNotQuick
	}
	timescale, duration, _, ok := mp4Header(mdhd)
	if !ok || timescale == 0 {
		return s, errNotQuick
	}
	s.Duration = float64(duration) / float64(timescale)
	skids, ok := boxesOf(stbl)
	if !ok {
		return s, errNotQuick
	}
	stsd, ok := child(skids, "stsd")
	if !ok || len(stsd) < 8 || binary.BigEndian.Uint32(stsd[4:]) != 1 {
		return s, errNotQuick
	}
	entries, ok := boxesOf(stsd[8:])
	if !ok || len(entries) != 1 {
		return s, errNotQuick
	}
	samples, ok := sampleCount(skids)
	if !ok || samples == 0 {
		return s, errNotQuick
	}
	s.Frames = int64(samples)
	entry := entries[0]
	switch string(hdlr[8:12]) {
	case "vide":
		rot, ok := quarterTurn(tkhd[mo : mo+36])
		if !ok {
			return s, errNotQuick
		}
		s.Rotation = rot
		if err := videoEntry(&s, entry); err != nil {
			return s, err
		}
		stts, ok := child(skids, "stts")
		if !ok {
			return s, errNotQuick
		}
		if s.FrameRate, ok = averageRate(stts, timescale); !ok {
			return s, errNotQuick
		}
	case "soun":
		if !identity(tkhd[mo : mo+36]) {
			return s, errNotQuick
		}
		if err := audioEntry(&s, entry); err != nil {
			return s, err
		}
	default: // text, subtitles, timecode, hints, metadata
		return s, errNotQuick
	}
	return s, nil
}

// sampleCount returns the number of samples of a sample table (stsz or
// stz2); not ok when the table is too short to hold the sizes of that
// many samples (a damaged or hostile index: ffprobe judges it).
func sampleCount(stbl []box) (uint32, bool) {
	if stsz, ok := child(stbl, "stsz"); ok && len(stsz) >= 12 {
		n := binary.BigEndian.Uint32(stsz[8:])
		if binary.BigEndian.Uint32(stsz[4:]) == 0 && uint64(len(stsz)-12) < 4*uint64(n) {
			return 0, false
		}
		return n, true
	}
	if stz2, ok := child(stbl, "stz2"); ok && len(stz2) >= 12 {
		n := binary.BigEndian.Uint32(stz2[8:])
		if bits := uint64(stz2[7]); uint64(len(stz2)-12)*8 < bits*uint64(n) {
			return 0, false
		}
		return n, true
	}
	return 0, false
}

// averageRate computes the average frame rate of a video track from its
// time-to-sample table, as ffmpeg's demuxer does: the samples times the
// time scale over the sum of their durations, where a last entry of one
// sample far longer than the average (a closing frame held) counts at the
// average.
func averageRate(stts []byte, timescale uint32) (Ratio, bool) {
	if len(stts) < 8 {
		return Ratio{}, false
	}
	n := binary.BigEndian.Uint32(stts[4:])
	if n == 0 || n > mp4MaxStts || uint64(len(stts)) < 8+8*uint64(n) {
		return Ratio{}, false
	}
	var frames, total uint64
	for i := uint32(0); i < n; i++ {
		count := uint64(binary.BigEndian.Uint32(stts[8+8*i:]))
		delta := uint64(binary.BigEndian.Uint32(stts[12+8*i:]))
		if i+1 == n && i > 0 && count == 1 && frames > 100 && delta/10 > total/frames {
			delta = total / frames
		}
		frames += count
		total += count * delta
	}
	if frames == 0 || total == 0 {
		return Ratio{}, false
	}
	num, den := uint64(timescale)*frames, total
	g := gcd64(num, den)
	num, den = num/g, den/g
	if num > math.MaxInt32 || den > math.MaxInt32 {
		return Ratio{}, false
	}
	return Ratio{int(num), int(den)}, true
}

func gcd64(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// videoEntry reads an H.264 visual sample entry: the coded size and
// sample aspect ratio from its sequence parameter set, which must agree
// with the entry's size (the pasp box, when there is one, sets the aspect
// ratio, as it does for ffmpeg).
func videoEntry(s *Stream, e box) error {
	if (e.typ != "avc1" && e.typ != "avc3") || len(e.body) < 78 {
		return errNotQuick
	}
	s.Type, s.Codec = Video, "h264"
	w, h := int(binary.BigEndian.Uint16(e.body[24:])), int(binary.BigEndian.Uint16(e.body[26:]))
	kids, ok := boxesOf(e.body[78:])
	if !ok {
		return errNotQuick
	}
	for _, k := range kids {
		switch k.typ {
		case "sinf", "encv":
			return errNotQuick
		}
	}
	avcC, ok := child(kids, "avcC")
	if !ok {
		return errNotQuick
	}
	sps, ok := firstSPS(avcC)
	if !ok {
		return errNotQuick
	}
	p, ok := parseSPS(sps)
	if !ok || p.width != w || p.height != h {
		return errNotQuick
	}
	s.Width, s.Height = w, h
	sar := p.sar
	if pasp, ok := child(kids, "pasp"); ok {
		if len(pasp) < 8 {
			return errNotQuick
		}
		hs, vs := binary.BigEndian.Uint32(pasp), binary.BigEndian.Uint32(pasp[4:])
		if hs == 0 || vs == 0 || hs > math.MaxInt32 || vs > math.MaxInt32 {
			return errNotQuick
		}
		g := gcd(int(hs), int(vs))
		sar = Ratio{int(hs) / g, int(vs) / g}
	}
	if sar.Num != sar.Den && sar.Num > 0 && sar.Den > 0 {
		s.SampleAspect = sar
	}
	return nil
}

// audioEntry reads an AAC (low complexity or main profile) audio sample
// entry: the sample rate and channels of its decoder configuration, which
// is what ffprobe reports (an entry's own fields may differ).
func audioEntry(s *Stream, e box) error {
	if e.typ != "mp4a" || len(e.body) < 28 {
		return errNotQuick
	}
	s.Type, s.Codec = Audio, "aac"
	kidsAt := 28
	switch binary.BigEndian.Uint16(e.body[8:]) {
	case 0:
	case 1:
		kidsAt = 44
	default:
		return errNotQuick
	}
	if len(e.body) < kidsAt {
		return errNotQuick
	}
	kids, ok := boxesOf(e.body[kidsAt:])
	if !ok {
		return errNotQuick
	}
	esds, ok := child(kids, "esds")
	if !ok {
		return errNotQuick
	}
	rate, channels, ok := aacConfig(esds)
	if !ok {
		return errNotQuick
	}
	s.SampleRate, s.Channels = rate, channels
	return nil
}

// aacSampleRates are the rates of the sampling frequency indexes of an
// AudioSpecificConfig.
var aacSampleRates = [...]int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// aacConfig reads an esds box: its decoder configuration must be MPEG-4
// audio (object type 0x40) of AAC main or low complexity, with a sampling
// frequency index and a channel configuration of 1 to 6 channels.
func aacConfig(esds []byte) (rate, channels int, ok bool) {
	if len(esds) < 4 {
		return 0, 0, false
	}
	d := esds[4:] // version and flags
	// descriptor reads a descriptor of tag want at the start of d: its
	// body, and what follows it.
	descriptor := func(d []byte, want byte) ([]byte, []byte, bool) {
		if len(d) < 2 || d[0] != want {
			return nil, nil, false
		}
		n, i := 0, 1
		for ; i < len(d) && i <= 4; i++ {
			n = n<<7 | int(d[i]&0x7f)
			if d[i]&0x80 == 0 {
				break
			}
		}
		i++
		if i > len(d) || n > len(d)-i {
			return nil, nil, false
		}
		return d[i : i+n], d[i+n:], true
	}
	es, _, ok := descriptor(d, 0x03)
	if !ok || len(es) < 3 {
		return 0, 0, false
	}
	flags := es[2]
	es = es[3:]
	if flags&0x80 != 0 { // stream dependence
		if len(es) < 2 {
			return 0, 0, false
		}
		es = es[2:]
	}
	if flags&0x40 != 0 { // URL
		if len(es) < 1 || len(es) < 1+int(es[0]) {
			return 0, 0, false
		}
		es = es[1+int(es[0]):]
	}
	if flags&0x20 != 0 { // OCR stream
		if len(es) < 2 {
			return 0, 0, false
		}
		es = es[2:]
	}
	dc, _, ok := descriptor(es, 0x04)
	if !ok || len(dc) < 13 || dc[0] != 0x40 {
		return 0, 0, false
	}
	dsi, _, ok := descriptor(dc[13:], 0x05)
	if !ok || len(dsi) < 2 {
		return 0, 0, false
	}
	aot := dsi[0] >> 3
	freq := (dsi[0]&7)<<1 | dsi[1]>>7
	ch := (dsi[1] >> 3) & 0xf
	if (aot != 1 && aot != 2) || int(freq) >= len(aacSampleRates) || ch < 1 || ch > 6 {
		return 0, 0, false
	}
	return aacSampleRates[freq], int(ch), true
}

// firstSPS returns the first sequence parameter set of an avcC box.
func firstSPS(avcC []byte) ([]byte, bool) {
	if len(avcC) < 8 || avcC[0] != 1 || avcC[5]&0x1f == 0 {
		return nil, false
	}
	n := int(binary.BigEndian.Uint16(avcC[6:]))
	if n < 2 || len(avcC) < 8+n || avcC[8]&0x1f != 7 {
		return nil, false
	}
	return avcC[8 : 8+n], true
}
