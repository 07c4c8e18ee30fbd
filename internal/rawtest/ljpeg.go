package rawtest

import "encoding/binary"

// The Huffman table of LosslessJPEG: code lengths for the 17 difference
// categories (0 to 16 bits): category 0 in 2 bits, 1 to 5 in 3, then one
// more bit for each further category up to 14 bits.
var ljpegBits = [16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}

// ljpegCodes returns the canonical code and length of each category.
func ljpegCodes() (codes [17]uint16, lens [17]uint8) {
	code, sym := uint16(0), 0
	for l := 1; l <= 16; l++ {
		for i := 0; i < int(ljpegBits[l-1]); i++ {
			codes[sym], lens[sym] = code, uint8(l)
			code++
			sym++
		}
		code <<= 1
	}
	return codes, lens
}

// bitWriter writes JPEG entropy-coded bits, stuffing a zero after 0xFF.
type bitWriter struct {
	out  []byte
	acc  uint32
	nacc uint
}

func (w *bitWriter) put(v uint32, n uint) {
	for n > 0 {
		take := min(n, 16)
		n -= take
		w.acc = w.acc<<take | (v>>n)&(1<<take-1)
		w.nacc += take
		for w.nacc >= 8 {
			b := byte(w.acc >> (w.nacc - 8))
			w.out = append(w.out, b)
			if b == 0xFF {
				w.out = append(w.out, 0)
			}
			w.nacc -= 8
		}
	}
}

func (w *bitWriter) flush() {
	if w.nacc > 0 {
		w.put(1<<(8-w.nacc)-1, 8-w.nacc) // pad with ones
	}
}

// LosslessJPEG encodes w x h 16-bit samples (one component, predictor 1:
// the sample to the left; the one above at the start of a row) as a
// lossless JPEG (SOF3), as a DNG with Compression 7 stores its raw data.
func LosslessJPEG(samples []uint16, w, h int) []byte {
	codes, lens := ljpegCodes()
	be := binary.BigEndian
	out := []byte{0xFF, 0xD8}
	// SOF3: precision 16, height, width, one component (id 1, 1x1, table 0).
	out = append(out, 0xFF, 0xC3, 0, 11, 16)
	out = be.AppendUint16(out, uint16(h))
	out = be.AppendUint16(out, uint16(w))
	out = append(out, 1, 1, 0x11, 0)
	// DHT: class 0, id 0.
	out = append(out, 0xFF, 0xC4)
	out = be.AppendUint16(out, uint16(2+1+16+17))
	out = append(out, 0x00)
	out = append(out, ljpegBits[:]...)
	for s := 0; s < 17; s++ {
		out = append(out, byte(s))
	}
	// SOS: one component, table 0, predictor 1, point transform 0.
	out = append(out, 0xFF, 0xDA, 0, 8, 1, 1, 0x00, 1, 0, 0)
	bw := &bitWriter{out: out}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var pred int
			switch {
			case x == 0 && y == 0:
				pred = 1 << 15
			case x == 0:
				pred = int(samples[(y-1)*w])
			default:
				pred = int(samples[y*w+x-1])
			}
			d := int(samples[y*w+x]) - pred
			// Differences are modulo 2^16, in -32767..32768.
			if d > 32768 {
				d -= 65536
			} else if d < -32767 {
				d += 65536
			}
			cat, mag := 0, d
			if mag < 0 {
				mag = -mag
			}
			for mag > 0 {
				cat++
				mag >>= 1
			}
			bw.put(uint32(codes[cat]), uint(lens[cat]))
			if cat > 0 && cat < 16 {
				v := d
				if v < 0 {
					v += 1<<cat - 1
				}
				bw.put(uint32(v), uint(cat))
			}
		}
	}
	bw.flush()
	return append(bw.out, 0xFF, 0xD9)
}
