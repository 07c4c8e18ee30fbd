package testutil

import (
	"encoding/binary"
	"hash/adler32"
)

// ZlibBomb returns a zlib stream that inflates to prefix followed by
// zeros zero bytes, at the best ratio deflate allows (about 1:1000: a
// 1 GiB bomb is 1 MB), written directly rather than compressed, so a test
// pays nothing for a large bomb. The prefix (at most 65535 bytes) is
// stored; the zeros are one dynamic Huffman block whose codes give the
// match "258 bytes at distance 1" two bits.
func ZlibBomb(prefix []byte, zeros int64) []byte {
	if len(prefix) > 0xFFFF {
		panic("testutil.ZlibBomb: prefix over 65535 bytes")
	}
	w := &bitWriter{out: []byte{0x78, 0xDA}}
	if len(prefix) > 0 {
		// A stored block (BFINAL 0, BTYPE 00), byte-aligned.
		w.bits(0, 3)
		w.align()
		w.out = binary.LittleEndian.AppendUint16(w.out, uint16(len(prefix)))
		w.out = binary.LittleEndian.AppendUint16(w.out, ^uint16(len(prefix)))
		w.out = append(w.out, prefix...)
	}
	// The final dynamic block (BFINAL 1, BTYPE 10). Literal/length code:
	// 285 (length 258) "0", literal 0 "10", end of block "11". Distance
	// code: 0 (distance 1) "0". Code-length code: 18 (a run of zeros) "0",
	// length 1 "10", length 2 "11".
	w.bits(1, 1)
	w.bits(2, 2)
	w.bits(286-257, 5) // HLIT: codes 0-285
	w.bits(0, 5)       // HDIST: one distance code
	w.bits(18-4, 4)    // HCLEN: 18 code-length code lengths
	// Code-length code lengths in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1.
	for _, l := range []uint64{0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2} {
		w.bits(l, 3)
	}
	lenTwo, lenOne, run := func() { w.code(3, 2) }, func() { w.code(2, 2) }, func(n uint64) { w.code(0, 1); w.bits(n-11, 7) }
	lenTwo() // literal 0
	run(138) // literals 1-138
	run(117) // literals 139-255
	lenTwo() // end of block (256)
	run(28)  // lengths 257-284
	lenOne() // length 258 (285)
	lenOne() // distance 1 (distance code 0)
	if zeros > 0 {
		w.code(2, 2) // a literal 0, then copies of it
		matches, rest := uint64(zeros-1)/258, uint64(zeros-1)%258
		w.zeros(2 * matches) // each match: "0" (length 258) then "0" (distance 1)
		for ; rest > 0; rest-- {
			w.code(2, 2)
		}
	}
	w.code(3, 2) // end of block
	w.align()
	// Adler-32 of prefix and zeros: zero bytes leave a unchanged and add a
	// to b once each.
	sum := adler32.Checksum(prefix)
	a, b := uint64(sum&0xFFFF), uint64(sum>>16)
	b = (b + uint64(zeros)%65521*a) % 65521
	return binary.BigEndian.AppendUint32(w.out, uint32(b<<16|a))
}

// bitWriter writes a deflate bit stream: least significant bit first.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// code writes a Huffman code of n bits, most significant bit first.
func (w *bitWriter) code(c uint64, n uint) {
	var rev uint64
	for i := uint(0); i < n; i++ {
		rev = rev<<1 | c>>i&1
	}
	w.bits(rev, n)
}

// zeros writes n zero bits, whole bytes at once.
func (w *bitWriter) zeros(n uint64) {
	for ; n > 0 && w.n != 0; n-- {
		w.bits(0, 1)
	}
	w.out = append(w.out, make([]byte, n/8)...)
	w.bits(0, uint(n%8))
}

func (w *bitWriter) align() {
	if w.n > 0 {
		w.bits(0, 8-w.n)
	}
}
