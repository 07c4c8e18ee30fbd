package testutil

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"
)

// TestZlibBomb inflates bombs with compress/zlib (which checks the
// Adler-32 at the end): the prefix, then exactly the zeros asked for.
func TestZlibBomb(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		zeros  int64
	}{{"", 0}, {"", 1}, {"abc", 258}, {"<x/>", 259}, {"", 1000}, {"hello", 64 << 20}} {
		bomb := ZlibBomb([]byte(tc.prefix), tc.zeros)
		zr, err := zlib.NewReader(bytes.NewReader(bomb))
		if err != nil {
			t.Fatalf("%q+%d: %v", tc.prefix, tc.zeros, err)
		}
		head := make([]byte, len(tc.prefix))
		if _, err := io.ReadFull(zr, head); err != nil || string(head) != tc.prefix {
			t.Fatalf("%q+%d: prefix %q, %v", tc.prefix, tc.zeros, head, err)
		}
		var n int64
		buf := make([]byte, 1<<20)
		for {
			m, err := zr.Read(buf)
			for _, c := range buf[:m] {
				if c != 0 {
					t.Fatalf("%q+%d: a byte that is not zero", tc.prefix, tc.zeros)
				}
			}
			n += int64(m)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%q+%d: after %d zeros: %v", tc.prefix, tc.zeros, n, err)
			}
		}
		if n != tc.zeros {
			t.Fatalf("%q+%d: %d zeros", tc.prefix, tc.zeros, n)
		}
		if tc.zeros == 64<<20 && len(bomb) > 70<<10 {
			t.Fatalf("a 64 MiB bomb of %d bytes", len(bomb))
		}
	}
}
