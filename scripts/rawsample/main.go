// Command rawsample writes a camera raw file of the test scene (package
// internal/rawtest): a DNG with real 16-bit CFA data, or a NEF, ARW, CR2,
// RW2, RAF or CR3 laid out like the cameras' with a JPEG preview. It makes the
// samples of test/cases/raw and of scripts/bench-raw.sh.
//
//	go run ./scripts/rawsample -kind dng -size 6000x4000 -preview 6000x4000 -o big.dng
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/assetcompute/assetcompute/internal/rawtest"
)

func main() {
	kind := flag.String("kind", "dng", "dng, nef, arw, cr2, rw2, raf or cr3")
	size := flag.String("size", "640x480", "sensor size WxH")
	preview := flag.String("preview", "", "JPEG preview size WxH (none for a DNG when empty)")
	orientation := flag.Int("orientation", 1, "EXIF orientation, 1 to 8")
	cut := flag.Bool("cut", false, "DNG: leave the raw data out, as a truncated copy would")
	lossless := flag.Bool("lossless", false, "DNG: store the raw data as a lossless JPEG (Compression 7)")
	out := flag.String("o", "", "output file")
	flag.Parse()
	var w, h, pw, ph int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
		fail(fmt.Errorf("-size: %w", err))
	}
	if *preview != "" {
		if _, err := fmt.Sscanf(*preview, "%dx%d", &pw, &ph); err != nil {
			fail(fmt.Errorf("-preview: %w", err))
		}
	}
	if *out == "" {
		fail(fmt.Errorf("-o is required"))
	}
	t := rawtest.TIFFRaw{Width: w, Height: h, Orientation: *orientation, PreviewWidth: pw, PreviewHeight: ph}
	var b []byte
	switch *kind {
	case "dng":
		b = rawtest.DNG{Width: w, Height: h, Orientation: *orientation, PreviewWidth: pw, PreviewHeight: ph, CutRawData: *cut, Lossless: *lossless}.Bytes()
	case "nef":
		b = t.NEF()
	case "arw":
		b = t.ARW()
	case "rw2":
		b = t.RW2()
	case "cr2":
		b = t.CR2()
	case "raf":
		b = rawtest.RAF(w, h, pw, ph, *orientation)
	case "cr3":
		b = rawtest.CR3{Width: w, Height: h, Orientation: *orientation, PreviewWidth: pw, PreviewHeight: ph}.Bytes()
	default:
		fail(fmt.Errorf("-kind %q: one of dng, nef, arw, cr2, rw2, raf, cr3", *kind))
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "rawsample:", err)
	os.Exit(2)
}
