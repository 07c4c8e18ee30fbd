package meta

import (
	"bytes"
	"math"

	"github.com/assetcompute/assetcompute/pkg/internal/h264"
)

// The containers without a stream header of their own (MPEG transport
// and program streams, FLV's AVC packets, raw ADTS) give the picture size,
// frame rate and audio format only in the elementary streams: the H.264
// and HEVC sequence parameter sets, the MPEG-1/2 sequence header, the
// ADTS, MPEG audio and AC-3 frame headers. The parsers below read those
// from a few bytes, bounds-checked: a damaged header yields ok == false.

// bitReader reads big-endian bit fields; past the end it returns zeros
// and sets err.
type bitReader struct {
	d   []byte
	pos int // in bits
	err bool
}

func (r *bitReader) u(n int) uint64 {
	if n <= 0 || n > 64 {
		return 0
	}
	if r.pos+n > len(r.d)*8 {
		r.err = true
		r.pos = len(r.d) * 8
		return 0
	}
	var v uint64
	for i := 0; i < n; i++ {
		v = v<<1 | uint64(r.d[r.pos>>3]>>(7-uint(r.pos&7))&1)
		r.pos++
	}
	return v
}

// skip skips n bits.
func (r *bitReader) skip(n int) {
	if n < 0 || r.pos+n > len(r.d)*8 {
		r.err = true
		r.pos = len(r.d) * 8
		return
	}
	r.pos += n
}

func (r *bitReader) flag() bool { return r.u(1) == 1 }

// ue reads an unsigned Exp-Golomb code (at most 31 leading zeros).
func (r *bitReader) ue() uint64 {
	zeros := 0
	for r.u(1) == 0 {
		if r.err || zeros >= 31 {
			r.err = true
			return 0
		}
		zeros++
	}
	return (1<<uint(zeros) - 1) + r.u(zeros)
}

// nalUnit cuts an Annex B NAL unit (d starts with its header) where the
// next start code, or a zero byte run no NAL unit holds, begins; at most
// spsMaxBytes.
func nalUnit(d []byte) []byte {
	d = d[:min(len(d), spsMaxBytes)]
	for i := 1; i+2 < len(d); i++ {
		if d[i] == 0 && d[i+1] == 0 && d[i+2] <= 2 {
			return d[:i]
		}
	}
	return d
}

// videoFacts is what a sequence header tells of a video stream.
type videoFacts struct {
	width, height int
	frameRate     float64 // 0 when the header does not say
	codec         string  // ffprobe name, when the header tells it
}

// spsMaxBytes bounds the parameter set bytes read.
const spsMaxBytes = h264.MaxSPSBytes

// h264SPS reads a sequence parameter set NAL unit (its header byte
// first): the cropped picture size and, from the VUI timing, the frame
// rate.
func h264SPS(nal []byte) (videoFacts, bool) {
	s, ok := h264.ParseSPS(nal)
	if !ok {
		return videoFacts{}, false
	}
	return videoFacts{width: s.Width, height: s.Height, frameRate: s.FrameRate, codec: "h264"}, true
}

// hevcSPS reads an HEVC sequence parameter set NAL unit (its two header
// bytes first): the picture size less the conformance window.
func hevcSPS(nal []byte) (videoFacts, bool) {
	if len(nal) < 6 || (nal[0]>>1)&0x3F != 33 {
		return videoFacts{}, false
	}
	r := &bitReader{d: h264.Unescape(nal[2:min(len(nal), spsMaxBytes)])}
	r.u(4) // sps_video_parameter_set_id
	sub := int(r.u(3))
	r.u(1)
	// profile_tier_level(1, sub)
	r.skip(88)
	r.u(8)
	prof, lvl := make([]bool, sub), make([]bool, sub)
	for i := 0; i < sub; i++ {
		prof[i], lvl[i] = r.flag(), r.flag()
	}
	if sub > 0 {
		for i := sub; i < 8; i++ {
			r.u(2)
		}
	}
	for i := 0; i < sub; i++ {
		if prof[i] {
			r.skip(88)
		}
		if lvl[i] {
			r.u(8)
		}
	}
	r.ue() // sps_seq_parameter_set_id
	chroma := r.ue()
	if chroma == 3 {
		r.u(1)
	}
	w, h := r.ue(), r.ue()
	if r.flag() { // conformance_window_flag
		sx, sy := uint64(1), uint64(1)
		switch chroma {
		case 1:
			sx, sy = 2, 2
		case 2:
			sx = 2
		}
		l, rt, t, b := r.ue(), r.ue(), r.ue(), r.ue()
		if l+rt < w/sx && t+b < h/sy {
			w -= sx * (l + rt)
			h -= sy * (t + b)
		}
	}
	if r.err || w == 0 || h == 0 || w > 65536 || h > 65536 {
		return videoFacts{}, false
	}
	return videoFacts{width: int(w), height: int(h), codec: "hevc"}, true
}

// mpegFrameRates are the frame rates of MPEG-1/2 frame_rate_code.
var mpegFrameRates = [16]float64{0, 24000.0 / 1001, 24, 25, 30000.0 / 1001, 30, 50, 60000.0 / 1001, 60}

// mpegVideoSeq reads an MPEG-1/2 sequence header, the bytes after its
// start code 00 00 01 B3, and the sequence extension when ext (the bytes
// after 00 00 01 B5) holds one: then the stream is MPEG-2.
func mpegVideoSeq(seq, ext []byte) (videoFacts, bool) {
	if len(seq) < 4 {
		return videoFacts{}, false
	}
	w := int(seq[0])<<4 | int(seq[1])>>4
	h := int(seq[1]&0x0F)<<8 | int(seq[2])
	v := videoFacts{width: w, height: h, frameRate: mpegFrameRates[seq[3]&0x0F], codec: "mpeg1video"}
	if len(ext) >= 6 && ext[0]>>4 == 1 {
		r := &bitReader{d: ext}
		r.u(4)
		r.u(8)
		r.u(1)
		r.u(2)
		v.width |= int(r.u(2)) << 12
		v.height |= int(r.u(2)) << 12
		r.skip(12 + 1 + 8 + 1)
		n, d := r.u(2), r.u(5)
		if !r.err && v.frameRate > 0 {
			v.frameRate = v.frameRate * float64(n+1) / float64(d+1)
		}
		v.codec = "mpeg2video"
	}
	return v, w > 0 && h > 0
}

// videoFromES looks for a sequence header in the start of an elementary
// stream (MPEG-1/2 video, H.264 or HEVC Annex B byte stream): codec says
// which to look for ("" for any). It returns the facts of the first it
// finds.
func videoFromES(d []byte, codec string) (videoFacts, bool) {
	var seq []byte
	tries := 0 // parameter sets parsed: a hostile stream may hold thousands
	for i := 0; i+4 <= len(d) && tries < 16; {
		j := bytes.Index(d[i:], []byte{0, 0, 1})
		if j < 0 {
			break
		}
		p := i + j + 3
		if p >= len(d) {
			break
		}
		c := d[p]
		switch {
		case (codec == "" || codec == "mpeg1video" || codec == "mpeg2video") && c == 0xB3:
			seq = d[p+1:]
		case seq != nil && c == 0xB5 && p+1 < len(d) && d[p+1]>>4 == 1:
			return mpegVideoSeq(seq, d[p+1:])
		case seq != nil && (c == 0x00 || c == 0xB8):
			// A picture or GOP header before any extension: MPEG-1.
			return mpegVideoSeq(seq, nil)
		case (codec == "" || codec == "h264") && seq == nil && c&0x80 == 0 && c&0x1F == 7 && c&0x60 != 0:
			tries++
			if v, ok := h264SPS(nalUnit(d[p:])); ok {
				return v, true
			}
		case (codec == "" || codec == "hevc") && seq == nil && c&0x81 == 0 && (c>>1)&0x3F == 33:
			tries++
			if v, ok := hevcSPS(nalUnit(d[p:])); ok {
				return v, true
			}
		}
		i = p
	}
	if seq != nil && codec != "mpeg2video" {
		return mpegVideoSeq(seq, nil)
	}
	return videoFacts{}, false
}

// audioFacts is what an audio frame header tells.
type audioFacts struct {
	codec      string
	sampleRate int
	channels   int
	samples    int // samples per frame
	frameLen   int // bytes of the frame, header included
	bitrate    int // bits per second, 0 when the header does not say
	profile    string
}

// aacProfiles are the ADTS profiles (the MPEG-4 audio object type less
// one).
var aacProfiles = [4]string{"Main", "LC", "SSR", "LTP"}

// adtsHeader decodes the ADTS frame header at the start of h.
func adtsHeader(h []byte) (audioFacts, bool) {
	if len(h) < 7 || h[0] != 0xFF || h[1]&0xF6 != 0xF0 {
		return audioFacts{}, false
	}
	sf := int(h[2]>>2) & 0x0F
	if sf >= len(aacSampleRates) {
		return audioFacts{}, false
	}
	ch := int(h[2]&1)<<2 | int(h[3]>>6)
	switch ch {
	case 7:
		ch = 8
	}
	n := int(h[3]&0x03)<<11 | int(h[4])<<3 | int(h[5])>>5
	hdr := 7
	if h[1]&1 == 0 {
		hdr = 9
	}
	if n < hdr {
		return audioFacts{}, false
	}
	blocks := int(h[6]&3) + 1
	return audioFacts{codec: "aac", sampleRate: aacSampleRates[sf], channels: ch, samples: 1024 * blocks,
		frameLen: n, profile: aacProfiles[h[2]>>6]}, true
}

// mpegAudioFacts decodes an MPEG audio frame header.
func mpegAudioFacts(h []byte) (audioFacts, bool) {
	m, ok := parseMPEGHeader(h)
	if !ok {
		return audioFacts{}, false
	}
	return audioFacts{codec: []string{"", "mp1", "mp2", "mp3"}[m.layer], sampleRate: m.sampleRate, channels: m.channels,
		samples: m.samples, frameLen: m.frameLen, bitrate: m.bitrate}, true
}

// ac3Bitrates are the AC-3 bit rates (kbit/s) by frmsizecod/2.
var ac3Bitrates = [19]int{32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640}

// ac3Header decodes an AC-3 or E-AC-3 sync frame header (0B 77 ...).
func ac3Header(h []byte) (audioFacts, bool) {
	if len(h) < 8 || h[0] != 0x0B || h[1] != 0x77 {
		return audioFacts{}, false
	}
	bsid := h[5] >> 3
	acmodChannels := [8]int{2, 1, 2, 3, 3, 4, 4, 5}
	if bsid <= 10 {
		fscod, code := int(h[4]>>6), int(h[4]&0x3F)
		if fscod == 3 || code/2 >= len(ac3Bitrates) {
			return audioFacts{}, false
		}
		rate := [3]int{48000, 44100, 32000}[fscod]
		br := ac3Bitrates[code/2]
		var words int
		switch fscod {
		case 0:
			words = br * 2
		case 1:
			words = br*96000/44100 + code&1
		case 2:
			words = br * 3
		}
		r := &bitReader{d: h[6:]}
		acmod := int(r.u(3))
		if acmod&1 != 0 && acmod != 1 {
			r.u(2)
		}
		if acmod&4 != 0 {
			r.u(2)
		}
		if acmod == 2 {
			r.u(2)
		}
		ch := acmodChannels[acmod] + int(r.u(1))
		return audioFacts{codec: "ac3", sampleRate: rate, channels: ch, samples: 1536, frameLen: words * 2, bitrate: br * 1000}, true
	}
	if bsid > 16 {
		return audioFacts{}, false
	}
	r := &bitReader{d: h[2:]}
	r.u(2) // strmtyp
	r.u(3) // substreamid
	words := int(r.u(11)) + 1
	fscod := int(r.u(2))
	blocks := 6
	var rate int
	if fscod == 3 {
		f2 := int(r.u(2))
		if f2 == 3 {
			return audioFacts{}, false
		}
		rate = [3]int{24000, 22050, 16000}[f2]
	} else {
		rate = [3]int{48000, 44100, 32000}[fscod]
		blocks = [4]int{1, 2, 3, 6}[r.u(2)]
	}
	acmod := int(r.u(3))
	ch := acmodChannels[acmod] + int(r.u(1))
	samples := 256 * blocks
	return audioFacts{codec: "eac3", sampleRate: rate, channels: ch, samples: samples, frameLen: words * 2,
		bitrate: int(math.Round(float64(words*16) * float64(rate) / float64(samples)))}, true
}

// audioFrames finds the first frame of the given codec ("aac", "mp2",
// "ac3"; "" for any of ADTS, MPEG audio, AC-3) in d, confirmed by the
// header of the next frame when d holds it. It returns its facts, its
// offset, and how many whole frames follow from it, walking frame
// lengths (at most maxFrames).
func audioFrames(d []byte, codec string, maxFrames int) (audioFacts, int, int, bool) {
	parse := func(h []byte) (audioFacts, bool) {
		switch {
		case len(h) >= 2 && h[0] == 0xFF && h[1]&0xF6 == 0xF0 && (codec == "" || codec == "aac"):
			return adtsHeader(h)
		case len(h) >= 2 && h[0] == 0xFF && h[1]&0xE0 == 0xE0 && codec != "aac" && codec != "ac3" && codec != "eac3":
			return mpegAudioFacts(h)
		case len(h) >= 2 && h[0] == 0x0B && h[1] == 0x77 && (codec == "" || codec == "ac3" || codec == "eac3"):
			return ac3Header(h)
		}
		return audioFacts{}, false
	}
	for i := 0; i+2 <= len(d); i++ {
		if d[i] != 0xFF && d[i] != 0x0B {
			continue
		}
		a, ok := parse(d[i:])
		if !ok {
			continue
		}
		if n := i + a.frameLen; n+2 <= len(d) {
			if b, ok := parse(d[n:]); !ok || b.codec != a.codec || b.sampleRate != a.sampleRate {
				continue
			}
		}
		count := 0
		for p := i; count < maxFrames; count++ {
			f, ok := parse(d[p:])
			if !ok || f.codec != a.codec || p+f.frameLen > len(d) {
				break
			}
			p += f.frameLen
		}
		return a, i, count, true
	}
	return audioFacts{}, 0, 0, false
}
