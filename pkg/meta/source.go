package meta

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// errBudget is returned by src reads once Options.MaxBytes is spent.
var errBudget = errors.New("read limit reached")

// errTruncated reports a structure that points past the end of the source.
var errTruncated = errors.New("truncated")

// src is the source as the readers see it: bounded reads through the
// caller's io.ReaderAt, counted against Options.MaxBytes, with the context
// checked on every read.
type src struct {
	ctx  context.Context
	r    io.ReaderAt
	size int64
	left int64 // bytes that may still be read
	read int64 // bytes read so far
}

// readAt reads exactly n bytes at off. A range outside the source is
// errTruncated; a range beyond the read budget is errBudget.
func (s *src) readAt(off, n int64) ([]byte, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	if off < 0 || n < 0 || off > s.size || n > s.size-off {
		return nil, fmt.Errorf("%d bytes at offset %d: %w", n, off, errTruncated)
	}
	if n > s.left {
		return nil, errBudget
	}
	buf := make([]byte, n)
	m, err := s.r.ReadAt(buf, off)
	s.left -= int64(m)
	s.read += int64(m)
	if m == len(buf) {
		return buf, nil
	}
	if err == nil || err == io.EOF {
		err = errTruncated
	}
	return nil, fmt.Errorf("reading %d bytes at offset %d: %w", n, off, err)
}

// readUpTo reads at most n bytes at off, fewer at the end of the source.
func (s *src) readUpTo(off, n int64) ([]byte, error) {
	if off >= s.size {
		return nil, nil
	}
	if n > s.size-off {
		n = s.size - off
	}
	return s.readAt(off, n)
}

// seqReader reads a src sequentially through a small buffer, for formats
// that are walked byte by byte (GIF blocks, text headers).
type seqReader struct {
	s   *src
	off int64 // offset of buf[0]
	buf []byte
	pos int
	err error
}

func newSeqReader(s *src, off int64) *seqReader { return &seqReader{s: s, off: off} }

const seqChunk = 32 << 10

func (r *seqReader) fill() bool {
	if r.err != nil {
		return false
	}
	r.off += int64(len(r.buf))
	r.buf, r.pos = nil, 0
	b, err := r.s.readUpTo(r.off, seqChunk)
	if err != nil {
		r.err = err
		return false
	}
	if len(b) == 0 {
		r.err = io.ErrUnexpectedEOF
		return false
	}
	r.buf = b
	return true
}

// offset returns the source offset of the next byte.
func (r *seqReader) offset() int64 { return r.off + int64(r.pos) }

// ReadByte returns the next byte.
func (r *seqReader) ReadByte() (byte, error) {
	for r.pos >= len(r.buf) {
		if !r.fill() {
			return 0, r.err
		}
	}
	c := r.buf[r.pos]
	r.pos++
	return c, nil
}

// Read implements io.Reader.
func (r *seqReader) Read(p []byte) (int, error) {
	for r.pos >= len(r.buf) {
		if !r.fill() {
			if r.err == io.ErrUnexpectedEOF {
				return 0, io.EOF
			}
			return 0, r.err
		}
	}
	n := copy(p, r.buf[r.pos:])
	r.pos += n
	return n, nil
}

// skip advances n bytes, reading only what is buffered.
func (r *seqReader) skip(n int64) error {
	if avail := int64(len(r.buf) - r.pos); n <= avail {
		r.pos += int(n)
		return nil
	}
	target := r.offset() + n
	if target > r.s.size {
		r.err = io.ErrUnexpectedEOF
		return r.err
	}
	r.off, r.buf, r.pos = target, nil, 0
	return nil
}

// readN reads exactly n bytes.
func (r *seqReader) readN(n int) ([]byte, error) {
	out := make([]byte, n)
	if _, err := io.ReadFull(r, out); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return out, nil
}

// bytesAt is an io.ReaderAt over a byte slice, for parsing a block that
// was read whole (an EXIF APP1 segment, an ICC profile) with the same code
// as a file.
func bytesSrc(ctx context.Context, b []byte) *src {
	return &src{ctx: ctx, r: byteReaderAt(b), size: int64(len(b)), left: int64(len(b)) * 64}
}

type byteReaderAt []byte

func (b byteReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// ReadRange reads exactly n bytes at off (see readAt), making src a
// metablock.Source.
func (s *src) ReadRange(off, n int64) ([]byte, error) { return s.readAt(off, n) }

// Size is the size of the source.
func (s *src) Size() int64 { return s.size }
