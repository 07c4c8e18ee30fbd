package meta

import (
	"encoding/binary"
	"fmt"
	"math"
)

// WAV (RIFF WAVE) and AIFF/AIFC (IFF FORM) files are flat lists of
// chunks: WAV's little-endian, AIFF's big-endian. The format chunk (WAV
// "fmt ", AIFF COMM) gives the stream facts, the data chunk's size (WAV)
// or the frame count (AIFF) the duration; the tags are in a LIST INFO
// chunk (WAV), NAME/AUTH/(c) /ANNO chunks (AIFF), an ID3v2 tag in an
// "id3 " chunk (both), and XMP in a _PMX chunk. Only the chunk headers
// and the metadata chunks are read, never the samples.

// riffMaxChunks bounds the chunks walked.
const riffMaxChunks = 10000

// riffInfo maps LIST INFO chunk IDs to the tag names of setMediaTag.
var riffInfo = map[string]string{
	"INAM": "title", "IART": "artist", "IPRD": "album", "IGNR": "genre", "ICRD": "date",
	"ICMT": "comment", "ICOP": "copyright", "ISFT": "encoder", "ITRK": "track", "IPRT": "track",
	"ISBJ": "description", "IKEY": "keywords",
}

// aiffText maps AIFF text chunks to the tag names of setMediaTag.
var aiffText = map[string]string{
	"NAME": "title", "AUTH": "artist", "(c) ": "copyright", "ANNO": "comment",
}

// readRIFFAudio reads a WAV or AIFF/AIFC file.
func readRIFFAudio(x *extraction) error {
	s, b := x.s, x.b
	h, err := s.readAt(0, 12)
	if err != nil {
		return err
	}
	aiff := string(h[:4]) == "FORM"
	order := binary.ByteOrder(binary.LittleEndian)
	if aiff {
		order = binary.BigEndian
	}
	aifc := aiff && string(h[8:12]) == "AIFC"
	ms := mediaStreams{hasAudio: true}
	var byteRate, dataSize int64
	var frames uint32
	fmtSeen := false
	for pos, n := int64(12), 0; pos+8 <= s.size; n++ {
		if n >= riffMaxChunks {
			b.warn("more than %d chunks; the rest were not read", riffMaxChunks)
			break
		}
		ch, err := s.readAt(pos, 8)
		if err != nil {
			return err
		}
		id := string(ch[:4])
		size := int64(order.Uint32(ch[4:]))
		body := pos + 8
		cut := body+size > s.size
		if cut {
			if id != "data" && id != "SSND" {
				if !fmtSeen {
					return corruptf("the %q chunk is truncated", id)
				}
				b.warn("the %q chunk is truncated: the file is cut short", id)
				break
			}
			b.warn("the %q chunk is truncated: the file is cut short", id)
		}
		readBody := func(limit int64) ([]byte, bool) {
			if size > limit {
				b.warn("the %q chunk of %d bytes is over the limit", id, size)
				return nil, false
			}
			d, err := s.readAt(body, size)
			if err != nil {
				b.warn("%q chunk: %s", id, x.describe(err))
				return nil, false
			}
			return d, true
		}
		switch {
		case !aiff && id == "fmt ":
			d, ok := readBody(4 << 10)
			if !ok || len(d) < 16 {
				return corruptf("bad fmt chunk")
			}
			tag := binary.LittleEndian.Uint16(d)
			ms.channels = int(binary.LittleEndian.Uint16(d[2:]))
			ms.sampleRate = int(binary.LittleEndian.Uint32(d[4:]))
			byteRate = int64(binary.LittleEndian.Uint32(d[8:]))
			ms.bitsPerSample = int(binary.LittleEndian.Uint16(d[14:]))
			if tag == 0xFFFE && len(d) >= 26 {
				tag = binary.LittleEndian.Uint16(d[24:])
			}
			ms.audioCodec = wavCodec(tag, ms.bitsPerSample)
			ms.audioCodecID = fmt.Sprintf("0x%04X", tag)
			fmtSeen = true
		case !aiff && id == "data":
			dataSize = min(size, s.size-body)
		case !aiff && id == "LIST":
			d, ok := readBody(b.opts.MaxSegmentBytes)
			if ok && len(d) >= 4 && string(d[:4]) == "INFO" {
				riffList(b, d[4:])
			}
		case aiff && id == "COMM":
			d, ok := readBody(4 << 10)
			if !ok || len(d) < 18 {
				return corruptf("bad COMM chunk")
			}
			ms.channels = int(binary.BigEndian.Uint16(d))
			frames = binary.BigEndian.Uint32(d[2:])
			ms.bitsPerSample = int(binary.BigEndian.Uint16(d[6:]))
			ms.sampleRate = int(math.Round(extended80(d[8:18])))
			comp := "NONE"
			if aifc && len(d) >= 22 {
				comp = string(d[18:22])
			}
			ms.audioCodecID = comp
			ms.audioCodec = aiffCodec(comp, ms.bitsPerSample)
			fmtSeen = true
		case aiff && aiffText[id] != "":
			if d, ok := readBody(id3MaxText); ok {
				setMediaTag(b, aiffText[id], decodeText(d), prioIPTC)
			}
		case id == "id3 " || id == "ID3 ":
			if d, ok := readBody(b.opts.MaxSegmentBytes); ok && len(d) >= 10 && string(d[:3]) == "ID3" {
				if sz := syncsafe(d[6:10]); sz >= 0 && sz <= int64(len(d))-10 {
					y := &extraction{s: bytesSrc(s.ctx, d), b: b, name: x.name}
					if err := y.id3v2(d[:10], 10, sz); err != nil {
						b.warn("ID3v2: %s", y.describe(err))
					}
				}
			}
		case id == "_PMX":
			if d, ok := readBody(b.opts.MaxXMPBytes); ok {
				parseXMP(b, d, prioXMP, "XMP")
			}
		}
		pos = body + size + size&1
	}
	if !fmtSeen {
		return corruptf("no format chunk")
	}
	switch {
	case aiff && ms.sampleRate > 0:
		ms.duration = float64(frames) / float64(ms.sampleRate)
	case !aiff && byteRate > 0:
		ms.duration = float64(dataSize) / float64(byteRate)
	}
	if ms.duration > 0 {
		ms.bitrate = float64(s.size) * 8 / ms.duration
	}
	ms.set(b)
	return nil
}

// riffList reads the subchunks of a LIST INFO chunk.
func riffList(b *builder, d []byte) {
	for n := 0; len(d) >= 8 && n < 1000; n++ {
		id := string(d[:4])
		size := int(binary.LittleEndian.Uint32(d[4:]))
		if size > len(d)-8 {
			b.warn("LIST INFO: the %q field is truncated", id)
			return
		}
		if tag := riffInfo[id]; tag != "" {
			setMediaTag(b, tag, decodeText(d[8:8+size]), prioIPTC)
		}
		d = d[min(len(d), 8+size+size&1):]
	}
}

// extended80 reads an IEEE 754 80-bit extended float (AIFF sample rate).
func extended80(d []byte) float64 {
	exp := int(binary.BigEndian.Uint16(d)&0x7FFF) - 16383
	mant := binary.BigEndian.Uint64(d[2:])
	if mant == 0 || exp < -1000 || exp > 1000 {
		return 0
	}
	v := math.Ldexp(float64(mant), exp-63)
	if d[0]&0x80 != 0 {
		v = -v
	}
	return v
}

// wavCodec is the ffprobe name of a WAVE format tag.
func wavCodec(tag uint16, bits int) string {
	switch tag {
	case 1:
		switch bits {
		case 8:
			return "pcm_u8"
		case 16, 24, 32:
			return fmt.Sprintf("pcm_s%dle", bits)
		}
	case 3:
		if bits == 32 || bits == 64 {
			return fmt.Sprintf("pcm_f%dle", bits)
		}
	case 2:
		return "adpcm_ms"
	case 6:
		return "pcm_alaw"
	case 7:
		return "pcm_mulaw"
	case 0x11:
		return "adpcm_ima_wav"
	case 0x55:
		return "mp3"
	case 0xFF, 0x1610:
		return "aac"
	}
	return ""
}

// aiffCodec is the ffprobe name of an AIFF/AIFC compression type.
func aiffCodec(comp string, bits int) string {
	switch comp {
	case "NONE", "twos":
		switch bits {
		case 8:
			return "pcm_s8"
		case 16, 24, 32:
			return fmt.Sprintf("pcm_s%dbe", bits)
		}
	case "sowt":
		if bits == 16 || bits == 24 || bits == 32 {
			return fmt.Sprintf("pcm_s%dle", bits)
		}
	case "fl32", "FL32":
		return "pcm_f32be"
	case "fl64", "FL64":
		return "pcm_f64be"
	case "ulaw", "ULAW":
		return "pcm_mulaw"
	case "alaw", "ALAW":
		return "pcm_alaw"
	case "ima4":
		return "adpcm_ima_qt"
	}
	return ""
}
