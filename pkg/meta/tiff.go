package meta

import (
	"math"

	"github.com/assetcompute/assetcompute/pkg/internal/metablock"
)

// TIFF field types used here (and by the tests).
const (
	tBYTE      = metablock.TypeByte
	tASCII     = metablock.TypeASCII
	tUNDEFINED = metablock.TypeUndefined
	tSHORT     = metablock.TypeShort
	tLONG      = metablock.TypeLong
	tRATIONAL  = metablock.TypeRational
	tSRATIONAL = metablock.TypeSRational
	tFLOAT     = metablock.TypeFloat
	tDOUBLE    = metablock.TypeDouble
)

// tiffStruct reads one TIFF structure (a TIFF file, or the TIFF block of an
// EXIF segment) through a src, and turns its values into Values.
type tiffStruct struct {
	*metablock.TIFF
}

type (
	ifd      = metablock.IFD
	ifdEntry = metablock.Entry
)

// newTIFF reads the TIFF header at base.
func newTIFF(s *src, base int64, opts Options, warn func(string, ...any)) (*tiffStruct, error) {
	t, err := metablock.NewTIFF(s, base, metablock.Limits{MaxIFDs: opts.MaxIFDs, MaxIFDEntries: opts.MaxIFDEntries}, warn)
	if err != nil {
		return nil, err
	}
	return &tiffStruct{t}, nil
}

// defaultValueLimit bounds the values read for ordinary tags.
const defaultValueLimit = metablock.DefaultValueLimit

// nums returns an entry's value as numbers: rationals keep their "n/d"
// form, integers and floats are plain.
func (t *tiffStruct) nums(e ifdEntry) ([]Value, bool) {
	switch e.Type {
	case tRATIONAL, tSRATIONAL:
		b, err := t.Raw(e, defaultValueLimit)
		if err != nil {
			return nil, false
		}
		out := make([]Value, 0, e.Count)
		for i := 0; i < int(e.Count); i++ {
			var n, d int64
			if e.Type == tRATIONAL {
				n, d = int64(t.Order.Uint32(b[8*i:])), int64(t.Order.Uint32(b[8*i+4:]))
			} else {
				n, d = int64(int32(t.Order.Uint32(b[8*i:]))), int64(int32(t.Order.Uint32(b[8*i+4:])))
			}
			v, ok := Rational(n, d)
			if !ok {
				if n == 0 {
					// 0/0 means "unknown" in EXIF.
					continue
				}
				return nil, false
			}
			out = append(out, v)
		}
		return out, len(out) > 0
	case tFLOAT, tDOUBLE:
		b, err := t.Raw(e, defaultValueLimit)
		if err != nil {
			return nil, false
		}
		out := make([]Value, 0, e.Count)
		for i := 0; i < int(e.Count); i++ {
			var f float64
			if e.Type == tFLOAT {
				f = float64(math.Float32frombits(t.Order.Uint32(b[4*i:])))
			} else {
				f = math.Float64frombits(t.Order.Uint64(b[8*i:]))
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, false
			}
			out = append(out, Number(f))
		}
		return out, true
	}
	is, ok := t.Ints(e)
	if !ok {
		return nil, false
	}
	out := make([]Value, len(is))
	for i, n := range is {
		out[i] = Number(float64(n))
	}
	return out, true
}

// str returns an ASCII (or UNDEFINED/BYTE) value as text, up to the first
// NUL, decoded as UTF-8 when valid and Latin-1 otherwise.
func (t *tiffStruct) str(e ifdEntry) (string, bool) {
	if e.Type != tASCII && e.Type != tUNDEFINED && e.Type != tBYTE {
		if v, ok := t.nums(e); ok && len(v) == 1 {
			return v[0].String(), true
		}
		return "", false
	}
	b, err := t.Raw(e, defaultValueLimit)
	if err != nil {
		return "", false
	}
	return decodeLegacy(metablock.CString(b)), true
}

// decodeLegacy decodes text of unknown encoding: UTF-8 when valid,
// otherwise Windows-1252.
func decodeLegacy(b []byte) string { return metablock.Legacy(b) }

// decodeCP1252 decodes Windows-1252.
func decodeCP1252(b []byte) string { return metablock.CP1252(b) }

// decodeLatin1 decodes ISO 8859-1.
func decodeLatin1(b []byte) string { return metablock.Latin1(b) }
