package meta

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// AVI files are RIFF: a LIST hdrl holding the main header (avih) and a
// LIST strl per stream (its header strh and format strf), a LIST INFO of
// tags, and the media in a LIST movi that readAVI skips.

// readAVI reads an AVI file: the first video and audio streams' codecs,
// size, frame rate, sample rate and channels, the duration, and the INFO
// tags.
func readAVI(x *extraction) error {
	s, b := x.s, x.b
	ms := mediaStreams{}
	var duration float64
	hdrl := false
	for pos, n := int64(12), 0; pos+8 <= s.size; n++ {
		if n >= riffMaxChunks {
			b.warn("AVI: more than %d chunks; the rest were not read", riffMaxChunks)
			break
		}
		ch, err := s.readAt(pos, 12)
		if err != nil {
			if ch, err = s.readAt(pos, 8); err != nil {
				return err
			}
		}
		id := string(ch[:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		body := pos + 8
		if body+size > s.size {
			if !hdrl {
				return corruptf("the %q chunk is truncated", id)
			}
			b.warn("AVI: the %q chunk is truncated: the file is cut short", id)
			break
		}
		if id == "LIST" && len(ch) >= 12 {
			switch string(ch[8:12]) {
			case "hdrl":
				if size > b.opts.MaxSegmentBytes {
					return corruptf("header list of %d bytes is over the limit", size)
				}
				d, err := s.readAt(body+4, size-4)
				if err != nil {
					return err
				}
				duration = aviHeaders(b, d, &ms)
				hdrl = true
			case "INFO":
				if size <= b.opts.MaxSegmentBytes {
					if d, err := s.readAt(body+4, size-4); err == nil {
						riffList(b, d)
					}
				}
			}
		}
		pos = body + size + size&1
	}
	if !hdrl {
		return corruptf("no header list")
	}
	ms.duration = duration
	if duration > 0 {
		ms.bitrate = float64(s.size) * 8 / duration
	}
	ms.set(b)
	return nil
}

// aviHeaders reads the chunks of a LIST hdrl and returns the duration in
// seconds: the longest stream's.
func aviHeaders(b *builder, d []byte, ms *mediaStreams) float64 {
	var dur float64
	var mainW, mainH int
	for n := 0; len(d) >= 8 && n < 1000; n++ {
		id := string(d[:4])
		size := int(binary.LittleEndian.Uint32(d[4:]))
		if size > len(d)-8 {
			b.warn("AVI: the %q header is truncated", id)
			break
		}
		body := d[8 : 8+size]
		switch {
		case id == "avih" && len(body) >= 40:
			mainW = int(binary.LittleEndian.Uint32(body[32:]))
			mainH = int(binary.LittleEndian.Uint32(body[36:]))
		case id == "LIST" && len(body) >= 4 && string(body[:4]) == "strl":
			if d := aviStream(body[4:], ms); d > dur {
				dur = d
			}
		}
		d = d[min(len(d), 8+size+size&1):]
	}
	if ms.hasVideo && (ms.width == 0 || ms.height == 0) {
		ms.width, ms.height = mainW, mainH
	}
	return dur
}

// aviStream reads one strl list (strh and strf) and returns the stream's
// duration in seconds.
func aviStream(d []byte, ms *mediaStreams) float64 {
	var typ, handler string
	var scale, rate, length uint32
	var strf []byte
	for n := 0; len(d) >= 8 && n < 100; n++ {
		id := string(d[:4])
		size := int(binary.LittleEndian.Uint32(d[4:]))
		if size > len(d)-8 {
			break
		}
		body := d[8 : 8+size]
		switch {
		case id == "strh" && len(body) >= 36:
			typ, handler = string(body[:4]), string(body[4:8])
			scale = binary.LittleEndian.Uint32(body[20:])
			rate = binary.LittleEndian.Uint32(body[24:])
			length = binary.LittleEndian.Uint32(body[32:])
		case id == "strf":
			strf = body
		}
		d = d[min(len(d), 8+size+size&1):]
	}
	var dur float64
	if scale > 0 && rate > 0 {
		dur = float64(length) * float64(scale) / float64(rate)
	}
	switch {
	case typ == "vids" && !ms.hasVideo:
		ms.hasVideo = true
		fourcc := strings.TrimRight(handler, "\x00 ")
		if len(strf) >= 20 {
			ms.width = int(int32(binary.LittleEndian.Uint32(strf[4:])))
			h := int(int32(binary.LittleEndian.Uint32(strf[8:])))
			if h < 0 {
				h = -h // a top-down bitmap
			}
			ms.height = h
			if c := strings.TrimRight(string(strf[16:20]), "\x00 "); c != "" && strf[16] >= ' ' {
				fourcc = c
			}
		}
		ms.videoCodecID, ms.videoCodec = fourcc, aviVideoCodec(fourcc)
		if scale > 0 && rate > 0 {
			ms.frameRate = float64(rate) / float64(scale)
		}
	case typ == "auds" && !ms.hasAudio:
		ms.hasAudio = true
		if len(strf) >= 16 {
			tag := binary.LittleEndian.Uint16(strf)
			ms.channels = int(binary.LittleEndian.Uint16(strf[2:]))
			ms.sampleRate = int(binary.LittleEndian.Uint32(strf[4:]))
			ms.bitsPerSample = int(binary.LittleEndian.Uint16(strf[14:]))
			if tag == 0xFFFE && len(strf) >= 26 {
				tag = binary.LittleEndian.Uint16(strf[24:])
			}
			ms.audioCodec = wavCodec(tag, ms.bitsPerSample)
			ms.audioCodecID = fmt.Sprintf("0x%04X", tag)
		}
	}
	return dur
}

// aviVideoCodec is the ffprobe name of an AVI video fourcc.
func aviVideoCodec(f string) string {
	switch strings.ToUpper(f) {
	case "H264", "X264", "AVC1", "DAVC", "VSSH":
		return "h264"
	case "HEVC", "H265", "HVC1":
		return "hevc"
	case "XVID", "DIVX", "DX50", "FMP4", "MP4V", "3IV2":
		return "mpeg4"
	case "DIV3", "MP43":
		return "msmpeg4v3"
	case "MJPG", "AVRN", "LJPG", "JPGL":
		return "mjpeg"
	case "VP80":
		return "vp8"
	case "VP90":
		return "vp9"
	case "AV01":
		return "av1"
	case "DVSD", "DV25", "DV50", "DVHD":
		return "dvvideo"
	case "MPG2", "MPEG":
		return "mpeg2video"
	case "CVID":
		return "cinepak"
	case "FFV1":
		return "ffv1"
	case "HFYU":
		return "huffyuv"
	case "UTVD", "ULRG", "ULY0", "ULY2":
		return "utvideo"
	}
	return ""
}
