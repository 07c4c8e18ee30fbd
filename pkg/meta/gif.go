package meta

import (
	"bytes"
	"encoding/binary"
)

// readGIF reads the logical screen size, the XMP application extension,
// comments, the loop count, and counts the frames and their total delay.
// The frame count requires walking the whole file (within MaxBytes).
func readGIF(x *extraction) error {
	b := x.b
	r := newSeqReader(x.s, 0)
	h, err := r.readN(13)
	if err != nil {
		return corruptf("truncated header")
	}
	b.set("tiff:ImageWidth", Number(float64(binary.LittleEndian.Uint16(h[6:]))), prioFile)
	b.set("tiff:ImageLength", Number(float64(binary.LittleEndian.Uint16(h[8:]))), prioFile)
	flags := h[10]
	bits := float64(flags&7) + 1
	b.set("tiff:BitsPerSample", Seq(Number(bits)), prioFile-1)
	b.set("acs:ColorSpace", Text("RGB"), prioFile-2)
	b.set("acs:Channels", Number(3), prioFile-1)
	if flags&0x80 != 0 {
		if err := r.skip(3 << (flags&7 + 1)); err != nil {
			b.warn("GIF: the file is truncated")
			return nil
		}
	}
	frames, delay := 0, 0
	transparent := false
	done := func(complete bool) error {
		if complete {
			b.set("acs:FrameCount", Number(float64(frames)), prioFile)
			if delay > 0 {
				b.set("acs:Duration", Number(float64(delay)/100), prioFile)
			}
		}
		b.set("acs:HasAlpha", Bool(transparent), prioFile-1)
		return nil
	}
	truncated := func(err error) error {
		b.warn("GIF: %s; frame count unknown", x.describe(err))
		return done(false)
	}
	for {
		c, err := r.ReadByte()
		if err != nil {
			return truncated(err)
		}
		switch c {
		case 0x3B:
			return done(true)
		case 0x2C:
			d, err := r.readN(9)
			if err != nil {
				return truncated(err)
			}
			if d[8]&0x80 != 0 {
				if err := r.skip(3 << (d[8]&7 + 1)); err != nil {
					return truncated(err)
				}
			}
			if _, err := r.ReadByte(); err != nil { // LZW minimum code size
				return truncated(err)
			}
			if _, err := x.gifBlocks(r, 0); err != nil {
				return truncated(err)
			}
			frames++
		case 0x21:
			label, err := r.ReadByte()
			if err != nil {
				return truncated(err)
			}
			switch label {
			case 0xFF:
				n, err := r.ReadByte()
				if err != nil {
					return truncated(err)
				}
				id, err := r.readN(int(n))
				if err != nil {
					return truncated(err)
				}
				switch {
				case bytes.Equal(id, []byte("XMP DataXMP")):
					// The packet is stored raw; its bytes read as sub-block
					// lengths, and a "magic trailer" brings the walk to the
					// terminator. Collect everything, lengths included.
					data, err := x.gifRaw(r, int(x.b.opts.MaxXMPBytes))
					if err != nil {
						return truncated(err)
					}
					// Drop the 258-byte magic trailer (0x01, 0xFF down to 0x00).
					if i := bytes.LastIndex(data, []byte{0x01, 0xFF, 0xFE, 0xFD}); i >= 0 {
						data = data[:i]
					}
					parseXMP(b, data, prioXMP, "GIF XMP")
				case bytes.Equal(id, []byte("NETSCAPE2.0")), bytes.Equal(id, []byte("ANIMEXTS1.0")):
					data, err := x.gifBlocks(r, 16)
					if err != nil {
						return truncated(err)
					}
					if len(data) >= 3 && data[0] == 1 {
						b.set("acs:LoopCount", Number(float64(binary.LittleEndian.Uint16(data[1:]))), prioFile)
					}
				default:
					if _, err := x.gifBlocks(r, 0); err != nil {
						return truncated(err)
					}
				}
			case 0xFE:
				data, err := x.gifBlocks(r, b.opts.MaxValueBytes)
				if err != nil {
					return truncated(err)
				}
				b.set("acs:Comment", Text(decodeLegacy(data)), prioLow)
			case 0xF9:
				data, err := x.gifBlocks(r, 16)
				if err != nil {
					return truncated(err)
				}
				if len(data) >= 4 {
					delay += int(binary.LittleEndian.Uint16(data[1:]))
					if data[0]&1 != 0 {
						transparent = true
					}
				}
			default:
				if _, err := x.gifBlocks(r, 0); err != nil {
					return truncated(err)
				}
			}
		default:
			b.warn("GIF: unknown block 0x%02x at offset %d", c, r.offset()-1)
			return done(false)
		}
	}
}

// gifBlocks reads a sub-block chain, keeping at most keep bytes of data.
func (x *extraction) gifBlocks(r *seqReader, keep int) ([]byte, error) {
	var out []byte
	for {
		n, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return out, nil
		}
		if len(out)+int(n) <= keep {
			d, err := r.readN(int(n))
			if err != nil {
				return nil, err
			}
			out = append(out, d...)
		} else if err := r.skip(int64(n)); err != nil {
			return nil, err
		}
	}
}

// gifRaw reads a sub-block chain keeping the length bytes too (the XMP
// application extension), at most keep bytes.
func (x *extraction) gifRaw(r *seqReader, keep int) ([]byte, error) {
	var out []byte
	for {
		n, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return out, nil
		}
		if len(out)+1+int(n) <= keep {
			d, err := r.readN(int(n))
			if err != nil {
				return nil, err
			}
			out = append(out, n)
			out = append(out, d...)
		} else if err := r.skip(int64(n)); err != nil {
			return nil, err
		}
	}
}
