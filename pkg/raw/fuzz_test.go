package raw

import (
	"bytes"
	"testing"

	"github.com/assetcompute/assetcompute/internal/rawtest"
)

// FuzzInspect: Inspect never panics, and reads a bounded amount of any
// input.
func FuzzInspect(f *testing.F) {
	small := rawtest.TIFFRaw{Width: 64, Height: 48, Orientation: 6, PreviewWidth: 32, PreviewHeight: 24}
	for _, b := range [][]byte{
		rawtest.DNG{Width: 32, Height: 24, PreviewWidth: 16, PreviewHeight: 12, CropWidth: 30, CropHeight: 20}.Bytes(),
		small.NEF(), small.ARW(), small.RW2(),
		rawtest.RAF(64, 48, 32, 24, 3),
		rawtest.CR3{Width: 64, Height: 48, PreviewWidth: 32, PreviewHeight: 24, FullWidth: 64, FullHeight: 48}.Bytes(),
		[]byte("II\x1a\x00\x00\x00HEAPCCDR\x00\x00\x00\x00"),
		[]byte("\x00MRM\x00\x00\x00\x10\x00TTW\x00\x00\x00\x08II*\x00\x08\x00\x00\x00"),
		[]byte("FOVb\x00\x00\x02\x00"),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &countingReader{r: bytes.NewReader(b)}
		info, err := Inspect(c, int64(len(b)))
		if err == nil {
			for _, p := range info.Previews {
				if p.Offset < 0 || p.Offset+p.Length > int64(len(b)) || p.Width <= 0 || p.Height <= 0 {
					t.Fatalf("preview %+v outside a %d-byte file", p, len(b))
				}
			}
		}
		if c.reads.Load() > 20000 {
			t.Fatalf("%d reads of a %d-byte file", c.reads.Load(), len(b))
		}
	})
}
