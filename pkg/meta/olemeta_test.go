package meta

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oleProp is one property of a property set written by propSet.
type oleProp struct {
	id  uint32
	val any // string (VT_LPSTR, UTF-8), int32 (VT_I4), time.Time (VT_FILETIME)
}

var (
	fmtidSummary    = []byte{0xE0, 0x85, 0x9F, 0xF2, 0xF9, 0x4F, 0x68, 0x10, 0xAB, 0x91, 0x08, 0x00, 0x2B, 0x27, 0xB3, 0xD9}
	fmtidDocSummary = []byte{0x02, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10, 0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE}
)

// propSet writes a property set stream (MS-OLEPS) with one set, code page
// 65001 (UTF-8).
func propSet(fmtid []byte, props ...oleProp) []byte {
	le := binary.LittleEndian
	props = append([]oleProp{{1, int16(-535)}}, props...) // 65001 as int16
	var vals []byte
	offs := make([]uint32, len(props))
	hdr := 8 + 8*len(props)
	for i, p := range props {
		offs[i] = uint32(hdr + len(vals))
		var v []byte
		switch x := p.val.(type) {
		case int16:
			v = le.AppendUint32(nil, 2)
			v = le.AppendUint16(v, uint16(x))
			v = append(v, 0, 0)
		case int32:
			v = le.AppendUint32(nil, 3)
			v = le.AppendUint32(v, uint32(x))
		case string:
			v = le.AppendUint32(nil, 30)
			v = le.AppendUint32(v, uint32(len(x)+1))
			v = append(append(v, x...), 0)
			for len(v)%4 != 0 {
				v = append(v, 0)
			}
		case time.Time:
			v = le.AppendUint32(nil, 64)
			v = le.AppendUint64(v, uint64(x.UnixNano()/100+116444736000000000))
		}
		vals = append(vals, v...)
	}
	set := le.AppendUint32(nil, uint32(hdr+len(vals)))
	set = le.AppendUint32(set, uint32(len(props)))
	for i, p := range props {
		set = le.AppendUint32(set, p.id)
		set = le.AppendUint32(set, offs[i])
	}
	set = append(set, vals...)
	out := []byte{0xFE, 0xFF, 0, 0, 6, 2, 0, 0}
	out = append(out, make([]byte, 16)...) // CLSID
	out = le.AppendUint32(out, 1)
	out = append(out, fmtid...)
	out = le.AppendUint32(out, 48)
	return append(out, set...)
}

type oleStream struct {
	name string
	data []byte
}

// cfbBytes writes a version 3 compound file (512-byte sectors) holding
// the streams (each under 4096 bytes) in its mini stream: sector 0 the
// FAT, 1 the directory, 2 the mini FAT, 3 on the mini stream.
func cfbBytes(streams ...oleStream) []byte {
	le := binary.LittleEndian
	const free, eoc = 0xFFFFFFFF, 0xFFFFFFFE
	var mini []byte
	var miniFAT []uint32
	starts := make([]uint32, len(streams))
	for i, s := range streams {
		starts[i] = uint32(len(mini) / 64)
		n := (len(s.data) + 63) / 64
		for j := 0; j < n; j++ {
			next := uint32(len(miniFAT) + 1)
			if j == n-1 {
				next = eoc
			}
			miniFAT = append(miniFAT, next)
		}
		mini = append(mini, s.data...)
		for len(mini)%64 != 0 {
			mini = append(mini, 0)
		}
	}
	for len(mini)%512 != 0 {
		mini = append(mini, 0)
	}
	nMini := len(mini) / 512
	fat := []uint32{0xFFFFFFFD, eoc, eoc}
	for j := 0; j < nMini; j++ {
		next := uint32(3 + j + 1)
		if j == nMini-1 {
			next = eoc
		}
		fat = append(fat, next)
	}
	sector := func(words []uint32) []byte {
		b := make([]byte, 0, 512)
		for i := 0; i < 128; i++ {
			w := uint32(free)
			if i < len(words) {
				w = words[i]
			}
			b = le.AppendUint32(b, w)
		}
		return b
	}
	h := make([]byte, 512)
	copy(h, oleSignature)
	le.PutUint16(h[0x18:], 0x3E)
	le.PutUint16(h[0x1A:], 3)
	le.PutUint16(h[0x1C:], 0xFFFE)
	le.PutUint16(h[0x1E:], 9)
	le.PutUint16(h[0x20:], 6)
	le.PutUint32(h[0x2C:], 1)
	le.PutUint32(h[0x30:], 1)
	le.PutUint32(h[0x38:], 4096)
	le.PutUint32(h[0x3C:], 2)
	le.PutUint32(h[0x40:], 1)
	le.PutUint32(h[0x44:], eoc)
	for i := 0; i < 109; i++ {
		le.PutUint32(h[0x4C+4*i:], free)
	}
	le.PutUint32(h[0x4C:], 0)
	entry := func(name string, kind byte, left, right, child, start uint32, size int) []byte {
		e := make([]byte, 128)
		for i, c := range name {
			le.PutUint16(e[2*i:], uint16(c))
		}
		le.PutUint16(e[0x40:], uint16(2*(len(name)+1)))
		e[0x42], e[0x43] = kind, 1
		le.PutUint32(e[0x44:], left)
		le.PutUint32(e[0x48:], right)
		le.PutUint32(e[0x4C:], child)
		le.PutUint32(e[0x74:], start)
		le.PutUint32(e[0x78:], uint32(size))
		return e
	}
	dir := entry("Root Entry", 5, free, free, 1, 3, len(mini))
	for i, s := range streams {
		right := uint32(i + 2)
		if i == len(streams)-1 {
			right = free
		}
		dir = append(dir, entry(s.name, 2, free, right, free, starts[i], len(s.data))...)
	}
	for len(dir) < 512 {
		dir = append(dir, entry("", 0, free, free, free, 0, 0)...)
	}
	out := append(h, sector(fat)...)
	out = append(out, dir[:512]...)
	out = append(out, sector(miniFAT)...)
	return append(out, mini...)
}

var oleCreated = time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)

// sampleDOC is a Word-like compound file with both property sets.
func sampleDOC() []byte {
	return cfbBytes(
		oleStream{"WordDocument", make([]byte, 100)},
		oleStream{"\x05SummaryInformation", propSet(fmtidSummary,
			oleProp{2, "Quarterly report"},
			oleProp{3, "Finance"},
			oleProp{4, "Ana Müller"},
			oleProp{5, "budget; forecast"},
			oleProp{6, "Numbers for Q3"},
			oleProp{18, "Microsoft Office Word"},
			oleProp{12, oleCreated},
			oleProp{13, oleCreated.Add(26 * time.Hour)},
			oleProp{14, int32(12)},
		)},
		oleStream{"\x05DocumentSummaryInformation", propSet(fmtidDocSummary, oleProp{15, "Acme Corp"})},
	)
}

// TestLegacyOfficeProperties: the summary properties of a DOC, XLS and
// PPT become the keys OOXML properties map to. Before the reader these
// files were refused (SourceFormatUnsupported).
func TestLegacyOfficeProperties(t *testing.T) {
	data := sampleDOC()
	for _, name := range []string{"report.doc", "book.xls", "deck.ppt"} {
		t.Run(name, func(t *testing.T) {
			md, err := extractBytes(t, data, name)
			require.NoError(t, err)
			m := md.Map()
			assert.Equal(t, "Quarterly report", m["dc:title"])
			assert.Equal(t, []any{"Ana Müller"}, m["dc:creator"])
			assert.ElementsMatch(t, []any{"budget", "forecast"}, m["dc:subject"])
			assert.Equal(t, "Numbers for Q3", m["dc:description"])
			assert.Equal(t, "Finance", m["acs:Subject"])
			assert.Equal(t, "Microsoft Office Word", m["xmp:CreatorTool"])
			assert.Equal(t, "2019-03-04T05:06:07Z", m["xmp:CreateDate"])
			assert.Equal(t, "2019-03-05T07:06:07Z", m["xmp:ModifyDate"])
			assert.EqualValues(t, 12, m["xmpTPg:NPages"])
			assert.Equal(t, "Acme Corp", m["acs:Company"])
			assert.Empty(t, md.Warnings)
		})
	}
}

// TestLegacyOfficeAgreesWithExiftool: the written sample and the
// LibreOffice-written samples of test/cases read as exiftool reads them.
func TestLegacyOfficeAgreesWithExiftool(t *testing.T) {
	needExiftool(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "report.doc")
	require.NoError(t, os.WriteFile(p, sampleDOC(), 0o644))
	files := []string{p}
	for _, c := range []string{"legacy-doc/file.doc", "legacy-xls/file.xls", "legacy-ppt/file.ppt"} {
		files = append(files, filepath.Join("..", "..", "test", "cases", "office", c))
	}
	var ex []map[string]any
	require.NoError(t, json.Unmarshal(exiftoolJSON(t, files...), &ex))
	require.Len(t, ex, len(files))
	for i, f := range files {
		md, err := extractFile(t, f)
		require.NoError(t, err, f)
		m := md.Map()
		e := ex[i]
		str := func(k string) any {
			if v, ok := e[k]; ok {
				return fmt.Sprint(v)
			}
			return nil
		}
		assert.Equal(t, str("FlashPix:Title"), m["dc:title"], f)
		assert.Equal(t, str("FlashPix:Comments"), m["dc:description"], f)
		assert.Equal(t, str("FlashPix:Software"), m["xmp:CreatorTool"], f)
		assert.Equal(t, str("FlashPix:Company"), m["acs:Company"], f)
		if a := str("FlashPix:Author"); a != nil {
			assert.Equal(t, []any{a}, m["dc:creator"], f)
		} else {
			assert.Nil(t, m["dc:creator"], f)
		}
		if d, ok := e["FlashPix:CreateDate"].(string); ok {
			want, err := time.Parse("2006:01:02 15:04:05", d)
			require.NoError(t, err)
			assert.Equal(t, want.Format(time.RFC3339), m["xmp:CreateDate"], f)
		} else {
			assert.Nil(t, m["xmp:CreateDate"], f) // LibreOffice writes a zero FILETIME
		}
		assert.NotNil(t, m["dc:format"])
		if p, ok := e["MS-DOC:Pages"]; ok {
			assert.EqualValues(t, p, m["xmpTPg:NPages"], f)
		}
	}
}

// TestLegacyOfficeHostile: cut files, allocation chains that loop, and
// sector numbers far past the end read what they can or fail with
// SourceCorrupt; none panics or runs away.
func TestLegacyOfficeHostile(t *testing.T) {
	good := sampleDOC()
	le := binary.LittleEndian
	check := func(t *testing.T, data []byte) *Metadata {
		t.Helper()
		md, err := extractBytes(t, data, "hostile.doc")
		if err != nil {
			assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err), err.Error())
			return nil
		}
		return md
	}
	t.Run("cut", func(t *testing.T) {
		for n := 8; n < len(good); n += 37 {
			check(t, good[:n])
		}
		_, err := extractBytes(t, good[:300], "cut.doc")
		require.Error(t, err)
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))
	})
	t.Run("FAT loop", func(t *testing.T) {
		data := append([]byte(nil), good...)
		le.PutUint32(data[512+4*3:], 3) // the mini stream's first sector points to itself
		le.PutUint32(data[512+4*1:], 1) // and so does the directory's
		md := check(t, data)
		require.NotNil(t, md)
		assert.Equal(t, "Quarterly report", md.Map()["dc:title"])
	})
	t.Run("mini FAT loop", func(t *testing.T) {
		data := append([]byte(nil), good...)
		for i := 0; i < 128; i++ {
			le.PutUint32(data[3*512+4*i:], uint32(i)) // every mini sector points to itself
		}
		md := check(t, data)
		require.NotNil(t, md)
		assert.NotEmpty(t, md.Warnings)
	})
	t.Run("huge sector numbers", func(t *testing.T) {
		data := append([]byte(nil), good...)
		le.PutUint32(data[0x4C:], 0xFFFFFFF0) // the FAT sector
		_, err := extractBytes(t, data, "huge.doc")
		require.Error(t, err)
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))

		data = append([]byte(nil), good...)
		le.PutUint32(data[0x30:], 0x7FFFFFF0) // the directory
		_, err = extractBytes(t, data, "huge.doc")
		require.Error(t, err)
		assert.Equal(t, api.ReasonSourceCorrupt, api.ReasonOf(err))

		data = append([]byte(nil), good...)
		for e := 1; e < 4; e++ { // every stream starts far away and claims 4 GiB
			le.PutUint32(data[2*512+128*e+0x74:], 0x7FFFFFF0)
			le.PutUint32(data[2*512+128*e+0x78:], 0xFFFFFFF0)
		}
		md := check(t, data)
		require.NotNil(t, md)
		assert.NotEmpty(t, md.Warnings)
		assert.Nil(t, md.Map()["dc:title"])
	})
	t.Run("property set counts", func(t *testing.T) {
		data := append([]byte(nil), good...)
		// The summary stream starts at mini sector 2 (after 100 bytes of
		// WordDocument); its property count is at 48+4.
		off := 4*512 + 2*64 + 52
		le.PutUint32(data[off:], 0xFFFFFFF0)
		md := check(t, data)
		require.NotNil(t, md)
		assert.NotEmpty(t, md.Warnings)
	})
}

// wordFIB is the start of a Word 97 WordDocument stream whose FIB puts
// the DOP at fcDop (lcbDop bytes) of the 1Table stream.
func wordFIB(fcDop, lcbDop uint32) []byte {
	le := binary.LittleEndian
	b := make([]byte, 0x200)
	le.PutUint16(b, 0xA5EC)
	le.PutUint16(b[2:], 0xC1)
	le.PutUint16(b[0x0A:], 0x0200) // fWhichTblStm: 1Table
	le.PutUint16(b[0x20:], 14)
	le.PutUint16(b[0x3E:], 22)
	le.PutUint16(b[0x98:], 93)
	le.PutUint32(b[0x192:], fcDop)
	le.PutUint32(b[0x196:], lcbDop)
	return b
}

// dop is a DOP of 544 bytes (Word 97's size) counting pages.
func dop(pages uint16) []byte {
	b := make([]byte, 544)
	binary.LittleEndian.PutUint32(b[0x2A:], 9999) // the character count, before it
	binary.LittleEndian.PutUint16(b[0x2E:], pages)
	return b
}

// TestWordPagesFromTheDocumentProperties: a DOC whose summary
// information has no page count gets the one Word keeps in its DOP.
func TestWordPagesFromTheDocumentProperties(t *testing.T) {
	noCount := propSet(fmtidSummary, oleProp{2, "Minutes"})
	table := append(make([]byte, 300), dop(7)...)
	md, err := extractBytes(t, cfbBytes(
		oleStream{"WordDocument", wordFIB(300, 544)},
		oleStream{"1Table", table},
		oleStream{"\x05SummaryInformation", noCount},
	), "minutes.doc")
	require.NoError(t, err)
	assert.EqualValues(t, 7, md.Map()["xmpTPg:NPages"])
	assert.Equal(t, "Minutes", md.Map()["dc:title"])
	assert.Empty(t, md.Warnings)

	t.Run("the summary information's count wins", func(t *testing.T) {
		md, err := extractBytes(t, cfbBytes(
			oleStream{"WordDocument", wordFIB(300, 544)},
			oleStream{"1Table", table},
			oleStream{"\x05SummaryInformation", propSet(fmtidSummary, oleProp{14, int32(12)})},
		), "report.doc")
		require.NoError(t, err)
		assert.EqualValues(t, 12, md.Map()["xmpTPg:NPages"])
	})
	t.Run("no summary information at all", func(t *testing.T) {
		md, err := extractBytes(t, cfbBytes(
			oleStream{"WordDocument", wordFIB(300, 544)},
			oleStream{"1Table", table},
		), "bare.doc")
		require.NoError(t, err)
		assert.EqualValues(t, 7, md.Map()["xmpTPg:NPages"])
	})
	for name, streams := range map[string][]oleStream{
		"the DOP past the table's end": {{"WordDocument", wordFIB(3000, 544)}, {"1Table", table}},
		"a DOP too short":              {{"WordDocument", wordFIB(300, 20)}, {"1Table", table}},
		"no table stream":              {{"WordDocument", wordFIB(300, 544)}},
		"a cut FIB":                    {{"WordDocument", wordFIB(300, 544)[:0x100]}, {"1Table", table}},
		"not a Word FIB":               {{"WordDocument", make([]byte, 0x200)}, {"1Table", table}},
		"a huge offset":                {{"WordDocument", wordFIB(0xFFFFFFF0, 544)}, {"1Table", table}},
	} {
		t.Run(name, func(t *testing.T) {
			md, err := extractBytes(t, cfbBytes(append(streams, oleStream{"\x05SummaryInformation", noCount})...), "odd.doc")
			require.NoError(t, err)
			assert.Nil(t, md.Map()["xmpTPg:NPages"])
			assert.Equal(t, "Minutes", md.Map()["dc:title"])
		})
	}
}
