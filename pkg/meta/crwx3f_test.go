package meta

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ciffEnt struct {
	tag  uint16
	data []byte
}

// ciffHeap writes a CIFF heap: the values, then the directory, then the
// offset of the directory.
func ciffHeap(ents ...ciffEnt) []byte {
	le := binary.LittleEndian
	var data []byte
	dir := le.AppendUint16(nil, uint16(len(ents)))
	for _, e := range ents {
		dir = le.AppendUint16(dir, e.tag)
		dir = le.AppendUint32(dir, uint32(len(e.data)))
		dir = le.AppendUint32(dir, uint32(len(data)))
		data = append(data, e.data...)
		for len(data)%2 != 0 {
			data = append(data, 0)
		}
	}
	off := len(data)
	return le.AppendUint32(append(data, dir...), uint32(off))
}

var rawTaken = time.Date(2004, 7, 8, 9, 10, 11, 0, time.UTC)

// crwBytes writes a Canon CRW: the root heap holds ImageProps (0x300a)
// with ImageInfo (0x1810), the time stamp (0x180e) and a heap (0x2807)
// with the make and model (0x080a).
func crwBytes() []byte {
	le := binary.LittleEndian
	info := le.AppendUint32(nil, 3072)
	info = le.AppendUint32(info, 2048)
	info = append(info, make([]byte, 20)...)
	ts := le.AppendUint32(nil, uint32(rawTaken.Unix()))
	ts = append(ts, make([]byte, 8)...)
	props := ciffHeap(
		ciffEnt{0x1810, info},
		ciffEnt{0x180e, ts},
		ciffEnt{0x2807, ciffHeap(ciffEnt{0x080a, []byte("Canon\x00Canon EOS 10D\x00")})},
	)
	h := []byte("II")
	h = le.AppendUint32(h, 26)
	h = append(h, "HEAPCCDR"...)
	h = le.AppendUint32(h, 0x00010002)
	h = append(h, make([]byte, 8)...)
	return append(h, ciffHeap(ciffEnt{0x300a, props})...)
}

// x3fBytes writes a Sigma X3F: the header with the image size, a PROP
// section and the section directory.
func x3fBytes() []byte {
	le := binary.LittleEndian
	h := []byte("FOVb")
	h = le.AppendUint32(h, 0x00020000) // 2.0: no extended header
	h = append(h, make([]byte, 20)...)
	h = le.AppendUint32(h, 2268)
	h = le.AppendUint32(h, 1512)
	h = le.AppendUint32(h, 0)
	pairs := [][2]string{{"CAMMANUF", "SIGMA"}, {"CAMMODEL", "SIGMA SD10"}, {"TIME", "1089277811"}}
	var chars []uint16
	var offs []uint32
	for _, p := range pairs {
		for _, s := range p {
			offs = append(offs, uint32(len(chars)))
			chars = append(append(chars, utf16.Encode([]rune(s))...), 0)
		}
	}
	sec := []byte("SECp")
	sec = le.AppendUint32(sec, 0x00020000)
	sec = le.AppendUint32(sec, uint32(len(pairs)))
	sec = le.AppendUint32(sec, 0)
	sec = le.AppendUint32(sec, 0)
	sec = le.AppendUint32(sec, uint32(len(chars)))
	for _, o := range offs {
		sec = le.AppendUint32(sec, o)
	}
	for _, c := range chars {
		sec = le.AppendUint16(sec, c)
	}
	out := append(h, sec...)
	dirOff := len(out)
	out = append(out, "SECd"...)
	out = le.AppendUint32(out, 0x00020000)
	out = le.AppendUint32(out, 1)
	out = le.AppendUint32(out, uint32(len(h)))
	out = le.AppendUint32(out, uint32(len(sec)))
	out = append(out, "PROP"...)
	return le.AppendUint32(out, uint32(dirOff))
}

// TestCRWAndX3F: make, model, date taken and image size of a Canon CRW
// and a Sigma X3F. Before their readers both were refused
// (SourceFormatUnsupported).
func TestCRWAndX3F(t *testing.T) {
	for _, tc := range []struct {
		name        string
		data        []byte
		make, model string
		w, h        float64
	}{
		{"photo.crw", crwBytes(), "Canon", "Canon EOS 10D", 3072, 2048},
		{"photo.x3f", x3fBytes(), "SIGMA", "SIGMA SD10", 2268, 1512},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md, err := extractBytes(t, tc.data, tc.name)
			require.NoError(t, err)
			m := md.Map()
			assert.Equal(t, tc.make, m["tiff:Make"])
			assert.Equal(t, tc.model, m["tiff:Model"])
			assert.Equal(t, "2004-07-08T09:10:11", m["exif:DateTimeOriginal"])
			assert.Equal(t, "2004-07-08T09:10:11", m["xmp:CreateDate"])
			assert.EqualValues(t, tc.w, m["tiff:ImageWidth"])
			assert.EqualValues(t, tc.h, m["tiff:ImageLength"])
			assert.Empty(t, md.Warnings)
		})
	}
}

// TestCRWAndX3FAgreeWithExiftool: exiftool reads the written samples the
// same way.
func TestCRWAndX3FAgreeWithExiftool(t *testing.T) {
	needExiftool(t)
	dir := t.TempDir()
	for name, data := range map[string][]byte{"a.crw": crwBytes(), "a.x3f": x3fBytes()} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		var ex []map[string]any
		require.NoError(t, json.Unmarshal(exiftoolJSON(t, "-Make", "-Model", "-ImageWidth", "-ImageHeight", p), &ex))
		require.Len(t, ex, 1)
		md, err := extractFile(t, p)
		require.NoError(t, err)
		m := md.Map()
		for ours, theirs := range map[string]string{"tiff:Make": "Make", "tiff:Model": "Model", "tiff:ImageWidth": "ImageWidth", "tiff:ImageLength": "ImageHeight"} {
			var v any
			for k, x := range ex[0] {
				if k == theirs || len(k) > len(theirs) && k[len(k)-len(theirs)-1:] == ":"+theirs {
					v = x
				}
			}
			assert.EqualValues(t, v, m[ours], "%s %s", name, ours)
		}
	}
}

// TestCRWAndX3FHostile: cut files, directories that point outside their
// heap or claim huge counts, and nested heaps that point at themselves
// read what they can or fail with SourceCorrupt, without a panic.
func TestCRWAndX3FHostile(t *testing.T) {
	le := binary.LittleEndian
	check := func(t *testing.T, data []byte, name string) *Metadata {
		t.Helper()
		md, err := extractBytes(t, data, name)
		if err != nil {
			assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), err.Error())
			return nil
		}
		return md
	}
	for name, good := range map[string][]byte{"cut.crw": crwBytes(), "cut.x3f": x3fBytes()} {
		for n := 1; n < len(good); n++ {
			check(t, good[:n], name)
		}
	}
	t.Run("cut inside the signature", func(t *testing.T) {
		_, err := extractBytes(t, crwBytes()[:10], "cut.crw")
		require.Error(t, err)
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))
		assert.Contains(t, err.Error(), `"cut.crw" does not start like a Canon CRW raw image file`)
	})
	t.Run("CRW directory offset past the heap", func(t *testing.T) {
		data := crwBytes()
		le.PutUint32(data[len(data)-4:], 0xFFFFFFF0)
		_, err := extractBytes(t, data, "bad.crw")
		require.Error(t, err)
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))
	})
	t.Run("CRW huge entry count", func(t *testing.T) {
		data := crwBytes()
		dirOff := 26 + int(le.Uint32(data[len(data)-4:]))
		le.PutUint16(data[dirOff:], 0xFFFF)
		_, err := extractBytes(t, data, "bad.crw")
		require.Error(t, err)
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))
	})
	t.Run("CRW heap that contains itself", func(t *testing.T) {
		// A root heap whose only record is a heap spanning the root heap.
		inner := ciffHeap(ciffEnt{0x080a, []byte("Canon\x00X\x00")})
		root := ciffHeap(ciffEnt{0x300a, inner})
		// point the 0x300a record at offset 0 with the root's length
		dirOff := int(le.Uint32(root[len(root)-4:]))
		le.PutUint32(root[dirOff+2+2:], uint32(len(root)))
		le.PutUint32(root[dirOff+2+6:], 0)
		data := append(crwBytes()[:26], root...)
		md := check(t, data, "self.crw")
		if md != nil {
			assert.NotEmpty(t, md.Warnings)
		}
	})
	t.Run("X3F PROP offsets outside the section", func(t *testing.T) {
		data := x3fBytes()
		le.PutUint32(data[40+24:], 0x7FFFFFFF) // the first name
		md := check(t, data, "bad.x3f")
		require.NotNil(t, md)
		assert.NotEmpty(t, md.Warnings)
		assert.Equal(t, "SIGMA SD10", md.Map()["tiff:Model"])
	})
	t.Run("X3F huge section count", func(t *testing.T) {
		data := x3fBytes()
		dirOff := int(le.Uint32(data[len(data)-4:]))
		le.PutUint32(data[dirOff+8:], 0xFFFFFFFF)
		md := check(t, data, "bad.x3f")
		require.NotNil(t, md) // the header's image size is still read
		assert.EqualValues(t, 2268, md.Map()["tiff:ImageWidth"])
		assert.NotEmpty(t, md.Warnings)
	})
}
