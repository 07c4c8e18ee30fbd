package meta

import "fmt"

// DV files (IEC 61834, SMPTE 314M: DV25, DVCPRO50, DVCPRO HD) are a
// sequence of fixed-size frames of DIF sequences, each 150 blocks of 80
// bytes: a header block (its DSF bit tells 525/60 from 625/50), two
// subcode blocks, three VAUX blocks, then audio and video blocks. The
// VAUX source pack (0x60) gives the signal type, the audio blocks' AAUX
// source pack (0x50) the sample rate, and the recording date and time
// packs (0x62, 0x63) of the VAUX or subcode blocks when the camera or
// writer set them. readDV reads the first DIF sequence only; the duration
// is the file size over the frame size, over the frame rate.

const (
	dvBlock    = 80
	dvSequence = 150 * dvBlock
)

// dvProfile is a DV variant, as ffmpeg's dv_profile tells them.
type dvProfile struct {
	dsf, stype    byte
	width, height int
	frameSize     int64
	rateNum       float64
	rateDen       float64
}

var dvProfiles = []dvProfile{
	{0, 0x00, 720, 480, 120000, 30000, 1001},
	{1, 0x00, 720, 576, 144000, 25, 1},
	{0, 0x04, 720, 480, 240000, 30000, 1001},
	{1, 0x04, 720, 576, 288000, 25, 1},
	{0, 0x14, 1280, 1080, 480000, 30000, 1001},
	{1, 0x14, 1440, 1080, 576000, 25, 1},
	{0, 0x18, 960, 720, 240000, 60000, 1001},
	{1, 0x18, 960, 720, 288000, 50, 1},
}

// readDV reads a DV file.
func readDV(x *extraction) error {
	s, b := x.s, x.b
	d, err := s.readUpTo(0, dvSequence)
	if err != nil {
		return err
	}
	if len(d) < 6*dvBlock || d[0]&0xE0 != 0x00 || d[1]&0xF0 != 0 {
		return corruptf("no DIF header block")
	}
	if len(d) < dvSequence {
		b.warn("DV: the file is shorter than one DIF sequence: it is truncated")
	}
	dsf := d[3] >> 7
	packs := dvPacks(d)
	stype := byte(0)
	if p, ok := packs[0x60]; ok {
		stype = p[3] & 0x1F
	}
	prof := dvProfiles[dsf]
	for _, p := range dvProfiles {
		if p.dsf == dsf && p.stype == stype {
			prof = p
			break
		}
	}
	ms := mediaStreams{hasVideo: true, videoCodec: "dvvideo", width: prof.width, height: prof.height,
		frameRate: prof.rateNum / prof.rateDen}
	frames := s.size / prof.frameSize
	if frames == 0 {
		frames = 1
	}
	ms.duration = float64(frames) * prof.rateDen / prof.rateNum
	if s.size%prof.frameSize != 0 {
		b.warn("DV: the file size is not a whole number of %d-byte frames: the last frame is truncated", prof.frameSize)
	}
	if p, ok := packs[0x50]; ok {
		freq := p[4] >> 3 & 7
		if freq < 3 {
			ms.hasAudio = true
			ms.sampleRate = [3]int{48000, 44100, 32000}[freq]
			ms.channels = 2
			ms.audioCodec = "pcm_s16le"
			ms.bitsPerSample = 16
			if p[4]&7 == 1 {
				ms.bitsPerSample = 12
			}
		}
	}
	if ms.duration > 0 {
		ms.bitrate = float64(s.size) * 8 / ms.duration
	}
	if date, ok := dvDate(packs); ok && date != "2070-01-01T00:00:00" {
		// (ffmpeg writes the Unix epoch, year 70, when it has no date.)
		b.set("exif:DateTimeOriginal", Date(date), prioIPTC)
		b.set("xmp:CreateDate", Date(date), prioIPTC)
	}
	ms.set(b)
	return nil
}

// dvPacks collects the 5-byte packs of the first DIF sequence d by their
// header byte: the first of each type found in the VAUX blocks (3-5),
// the subcode blocks (1-2) and the audio blocks (6, 22, ...).
func dvPacks(d []byte) map[byte][]byte {
	packs := map[byte][]byte{}
	add := func(p []byte) {
		if len(p) == 5 && p[0] != 0xFF {
			if _, ok := packs[p[0]]; !ok {
				packs[p[0]] = p
			}
		}
	}
	for blk := 3; blk <= 5; blk++ {
		for i := 0; i < 15; i++ {
			if o := blk*dvBlock + 3 + 5*i; o+5 <= len(d) {
				add(d[o : o+5])
			}
		}
	}
	for blk := 1; blk <= 2; blk++ {
		for i := 0; i < 6; i++ {
			if o := blk*dvBlock + 3 + 8*i + 3; o+5 <= len(d) {
				add(d[o : o+5])
			}
		}
	}
	for i := 0; i < 9; i++ {
		if o := (6+16*i)*dvBlock + 3; o+5 <= len(d) {
			add(d[o : o+5])
		}
	}
	return packs
}

// dvDate reads the recording date (pack 0x62) and time (0x63): BCD
// fields, the year of two digits (from 1975).
func dvDate(packs map[byte][]byte) (string, bool) {
	p, ok := packs[0x62]
	if !ok {
		return "", false
	}
	bcd := func(v byte) (int, bool) {
		if v>>4 > 9 || v&0x0F > 9 {
			return 0, false
		}
		return int(v>>4)*10 + int(v&0x0F), true
	}
	day, ok1 := bcd(p[2] & 0x3F)
	month, ok2 := bcd(p[3] & 0x1F)
	year, ok3 := bcd(p[4])
	if !ok1 || !ok2 || !ok3 || day < 1 || day > 31 || month < 1 || month > 12 {
		return "", false
	}
	if year < 75 {
		year += 2000
	} else {
		year += 1900
	}
	date := fmt.Sprintf("%04d-%02d-%02d", year, month, day)
	if t, ok := packs[0x63]; ok {
		sec, ok1 := bcd(t[2] & 0x7F)
		mn, ok2 := bcd(t[3] & 0x7F)
		hr, ok3 := bcd(t[4] & 0x3F)
		if ok1 && ok2 && ok3 && sec < 60 && mn < 60 && hr < 24 {
			date += fmt.Sprintf("T%02d:%02d:%02d", hr, mn, sec)
		}
	}
	return date, true
}
