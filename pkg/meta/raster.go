package meta

import (
	"errors"

	"github.com/assetcompute/assetcompute/pkg/format"
	"github.com/assetcompute/assetcompute/pkg/internal/rasterhead"
)

// readRaster reads the size, channels and sample depth of the long tail
// of raster formats (SGI, Netpbm, Targa, icons, PCX, Radiance, OpenEXR,
// DDS, PICT) from their headers (package rasterhead): these formats carry
// no metadata blocks the service reads.
func readRaster(x *extraction) error {
	f := format.Sniff(x.head, x.name)
	info, err := rasterhead.Read(srcReaderAt{x.s}, x.s.size, f.Name)
	var ce *rasterhead.CorruptError
	var ue *rasterhead.UnsupportedError
	switch {
	case errors.As(err, &ue):
		// The size is read before the variant is refused.
	case errors.As(err, &ce):
		return corruptf("%s", ce.Msg)
	case err != nil:
		return err
	}
	if info.Width <= 0 || info.Height <= 0 {
		return corruptf("no image size in the header")
	}
	b := x.b
	b.set("tiff:ImageWidth", Number(float64(info.Width)), prioFile)
	b.set("tiff:ImageLength", Number(float64(info.Height)), prioFile)
	if info.Channels > 0 {
		b.set("acs:Channels", Number(float64(info.Channels)), prioFile)
		cs := "RGB"
		if info.Channels <= 2 {
			cs = "Gray"
		}
		b.set("acs:ColorSpace", Text(cs), prioFile-2)
	}
	if info.Bits > 0 && info.Channels > 0 {
		bits := make([]Value, info.Channels)
		for i := range bits {
			bits[i] = Number(float64(info.Bits))
		}
		b.set("tiff:BitsPerSample", Value{Kind: KindSeq, Items: bits}, prioFile)
	}
	return nil
}
