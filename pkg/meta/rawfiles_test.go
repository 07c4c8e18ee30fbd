package meta

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/rawtest"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// TestRawFilesOutsideTIFF: a RAF's metadata is its JPEG's EXIF, a CR3's
// that of its CMT boxes.
func TestRawFilesOutsideTIFF(t *testing.T) {
	get := func(t *testing.T, b []byte, name string) *Metadata {
		t.Helper()
		md, err := Extract(context.Background(), bytes.NewReader(b), int64(len(b)), name, Options{})
		require.NoError(t, err)
		return md
	}
	value := func(md *Metadata, key string) any {
		v, ok := md.Get(key)
		if !ok {
			return nil
		}
		return v.String()
	}

	raf := get(t, rawtest.RAF(6000, 4000, 320, 240, 6), "DSCF0001.RAF")
	assert.Equal(t, "FUJIFILM", value(raf, "tiff:Make"))
	assert.Equal(t, "6", value(raf, "tiff:Orientation"))
	assert.Equal(t, "image/x-fuji-raf", value(raf, "dc:format"))

	cr3 := get(t, rawtest.CR3{Width: 6000, Height: 4000, Orientation: 8, PreviewWidth: 320, PreviewHeight: 213,
		DateTimeOriginal: "2024:05:06 07:08:09", ISO: 800}.Bytes(), "IMG_0001.CR3")
	assert.Equal(t, "Canon", value(cr3, "tiff:Make"))
	assert.Equal(t, "Canon EOS TEST", value(cr3, "tiff:Model"))
	assert.Equal(t, "8", value(cr3, "tiff:Orientation"))
	assert.Contains(t, value(cr3, "exif:DateTimeOriginal"), "2024-05-06T07:08:09")
	assert.Contains(t, value(cr3, "exif:ISOSpeedRatings"), "800")
	assert.Equal(t, "image/x-canon-cr3", value(cr3, "dc:format"))

	// The TIFF-structured raw formats read like TIFF, RWL like RW2.
	arw := rawtest.TIFFRaw{Width: 64, Height: 48, Orientation: 3, PreviewWidth: 32, PreviewHeight: 24}.ARW()
	for _, name := range []string{"a.srf", "a.srw", "a.iiq", "a.3fr", "a.erf", "a.kdc", "a.dcr", "a.mef", "a.mos"} {
		md := get(t, arw, name)
		assert.Equal(t, "SONY", value(md, "tiff:Make"), name)
		assert.Equal(t, "3", value(md, "tiff:Orientation"), name)
	}
	rwl := get(t, rawtest.TIFFRaw{Width: 64, Height: 48, PreviewWidth: 32, PreviewHeight: 24}.RW2(), "L1000.RWL")
	assert.Equal(t, "Panasonic", value(rwl, "tiff:Make"))
	assert.Equal(t, "image/x-leica-rwl", value(rwl, "dc:format"))

	// An MRW: its TTW block holds a TIFF structure.
	ttw := rawtest.TIFF(&rawtest.IFD{Entries: []rawtest.Entry{rawtest.String(0x010F, "Minolta Co., Ltd."), rawtest.Shorts(0x0112, 8)}}, 42)
	var mrwFile []byte
	mrwFile = append(mrwFile, "\x00MRM"...)
	mrwFile = binary.BigEndian.AppendUint32(mrwFile, uint32(8+len(ttw)))
	mrwFile = append(mrwFile, "\x00TTW"...)
	mrwFile = binary.BigEndian.AppendUint32(mrwFile, uint32(len(ttw)))
	mrwFile = append(mrwFile, ttw...)
	mrw := get(t, mrwFile, "PICT0001.MRW")
	assert.Equal(t, "Minolta Co., Ltd.", value(mrw, "tiff:Make"))
	assert.Equal(t, "8", value(mrw, "tiff:Orientation"))

	// Cut inside the header, or with no moov: SourceCorrupt.
	for name, b := range map[string][]byte{
		"cut.raf": rawtest.RAF(6000, 4000, 320, 240, 1)[:80],
		"cut.cr3": rawtest.CR3{Width: 60, Height: 40, PreviewWidth: 32, PreviewHeight: 24}.Bytes()[:40],
	} {
		_, err := Extract(context.Background(), bytes.NewReader(b), int64(len(b)), name, Options{})
		require.Error(t, err, name)
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), "%s: %v", name, err)
	}
}
