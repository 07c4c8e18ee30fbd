package meta

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/internal/metablock"
)

// irb holds the resources of interest of a Photoshop Image Resource Block
// (JPEG APP13 "Photoshop 3.0", TIFF tag 34377, the PSD resources section).
type irb struct {
	iptc   []byte
	digest []byte
	xmp    []byte
	exif   []byte
	icc    []byte
	resX   float64 // pixels per inch, 0 when absent
	resY   float64
}

// parseIRB walks 8BIM resource blocks. A damaged block ends the walk with
// a warning; the blocks before it are kept.
func parseIRB(b *builder, data []byte, what string) irb {
	var r irb
	err := metablock.WalkResources(data, func(res metablock.Resource) bool {
		if res.Truncated() {
			b.warn("%s: resource 0x%04x of %d bytes is truncated", what, res.ID, res.Size)
		}
		body := res.Data
		switch res.ID {
		case metablock.ResourceIPTC:
			// Of several IPTC blocks the first is the one read, as
			// exiftool does (it reports the others as IPTC2, ...).
			if r.iptc == nil {
				r.iptc = body
			}
		case metablock.ResourceIPTCDigest:
			if r.digest == nil {
				r.digest = body
			}
		case metablock.ResourceXMP:
			r.xmp = body
		case metablock.ResourceEXIF:
			r.exif = body
		case metablock.ResourceICC:
			r.icc = body
		case metablock.ResourceResolution: // 16.16 fixed horizontal and vertical.
			if len(body) >= 16 {
				r.resX = float64(binary.BigEndian.Uint32(body[0:])) / 65536
				r.resY = float64(binary.BigEndian.Uint32(body[8:])) / 65536
				if binary.BigEndian.Uint16(body[4:]) == 2 { // pixels per cm
					r.resX *= 2.54
					r.resY *= 2.54
				}
			}
		}
		return true
	})
	if err != nil {
		b.warn("%s: %v", what, err)
	}
	return r
}

// iptcPrio returns the precedence of IPTC IIM data given the resource
// block's IPTC digest: IPTC edited after the XMP was written (a digest that
// does not match) wins over XMP, as the MWG guidance says.
func (r irb) iptcPrio() int {
	if len(r.iptc) == 0 || len(r.digest) != 16 {
		return prioIPTC
	}
	sum := md5.Sum(r.iptc)
	if bytes.Equal(sum[:], r.digest) || bytes.Equal(r.digest, make([]byte, 16)) {
		return prioIPTC
	}
	return prioIPTCNewer
}

// iimField maps an IPTC IIM record 2 dataset to an XMP property.
type iimField struct {
	key  string
	list Kind
	num  bool
}

var iimFields = map[uint8]iimField{
	4:   {"Iptc4xmpCore:IntellectualGenre", 0, false},
	5:   {"dc:title", KindLangAlt, false},
	10:  {"photoshop:Urgency", 0, true},
	12:  {"Iptc4xmpCore:SubjectCode", KindBag, false},
	15:  {"photoshop:Category", 0, false},
	20:  {"photoshop:SupplementalCategories", KindBag, false},
	25:  {"dc:subject", KindBag, false},
	40:  {"photoshop:Instructions", 0, false},
	80:  {"dc:creator", KindSeq, false},
	85:  {"photoshop:AuthorsPosition", 0, false},
	90:  {"photoshop:City", 0, false},
	92:  {"Iptc4xmpCore:Location", 0, false},
	95:  {"photoshop:State", 0, false},
	100: {"Iptc4xmpCore:CountryCode", 0, false},
	101: {"photoshop:Country", 0, false},
	103: {"photoshop:TransmissionReference", 0, false},
	105: {"photoshop:Headline", 0, false},
	110: {"photoshop:Credit", 0, false},
	115: {"photoshop:Source", 0, false},
	116: {"dc:rights", KindLangAlt, false},
	120: {"dc:description", KindLangAlt, false},
	122: {"photoshop:CaptionWriter", 0, false},
}

// parseIPTC reads IPTC IIM datasets into b at precedence prio. The coded
// character set (1:90) decides the text encoding: UTF-8 when it says so;
// otherwise UTF-8 when the text is valid UTF-8, Windows-1252 when not.
func parseIPTC(b *builder, data []byte, prio int, what string) {
	type ds struct {
		rec, num uint8
		val      []byte
	}
	var sets []ds
	err := metablock.WalkIIM(data, func(d metablock.Dataset) bool {
		if d.Truncated() {
			b.warn("%s: dataset %d:%d of %d bytes is truncated", what, d.Record, d.Number, d.Size)
		}
		sets = append(sets, ds{d.Record, d.Number, d.Data})
		if len(sets) > 10000 {
			b.warn("%s: too many datasets", what)
			return false
		}
		return true
	})
	if err != nil {
		b.warn("%s: %v", what, err)
	}
	utf8Set := false
	for _, s := range sets {
		if s.rec == 1 && s.num == 90 {
			utf8Set = bytes.Equal(s.val, []byte("\x1b%G"))
		}
	}
	text := func(v []byte) string {
		v = bytes.TrimRight(v, "\x00")
		if utf8Set {
			return string(v)
		}
		return decodeLegacy(v)
	}
	lists := map[string][]string{}
	var order []string
	var date, tm, ddate, dtm string
	for _, s := range sets {
		if s.rec != 2 {
			continue
		}
		switch s.num {
		case 55:
			date = text(s.val)
			continue
		case 60:
			tm = text(s.val)
			continue
		case 62:
			ddate = text(s.val)
			continue
		case 63:
			dtm = text(s.val)
			continue
		}
		f, ok := iimFields[s.num]
		if !ok {
			continue
		}
		t := strings.TrimSpace(text(s.val))
		if t == "" {
			continue
		}
		switch {
		case f.list == KindSeq || f.list == KindBag:
			if _, seen := lists[f.key]; !seen {
				order = append(order, f.key)
			}
			lists[f.key] = append(lists[f.key], t)
		case f.num:
			if n, err := strconv.Atoi(t); err == nil {
				b.set(f.key, Number(float64(n)), prio)
			}
		case f.list == KindLangAlt:
			b.set(f.key, LangAlt(t), prio)
		default:
			b.set(f.key, Text(t), prio)
		}
	}
	for _, k := range order {
		v := TextBag(lists[k]...)
		if k == "dc:creator" {
			v = TextSeq(lists[k]...)
		}
		b.set(k, v, prio)
	}
	if iso, ok := iptcDate(date, tm); ok {
		b.set("photoshop:DateCreated", Date(iso), prio)
	} else if date != "" {
		b.warn("%s: bad DateCreated %q", what, date)
	}
	if iso, ok := iptcDate(ddate, dtm); ok {
		b.set("xmp:CreateDate", Date(iso), prio)
	}
}

// applyIRB reads the resources found in an image resource block.
func (x *extraction) applyIRB(r irb, what string) {
	b := x.b
	if len(r.xmp) > 0 {
		parseXMP(b, r.xmp, prioXMP, what+" XMP")
	}
	if len(r.iptc) > 0 {
		prio := r.iptcPrio()
		if prio == prioIPTCNewer {
			b.warn("%s: IPTC digest does not match: IPTC was edited after the XMP and takes precedence", what)
		}
		parseIPTC(b, r.iptc, prio, what+" IPTC")
	}
	if len(r.exif) > 0 {
		x.exifBlock(r.exif, what+" EXIF")
	}
	if len(r.icc) > 0 {
		parseICC(b, r.icc, what+" ICC profile")
	}
	if r.resX > 0 && r.resY > 0 {
		b.set("tiff:XResolution", Number(r.resX), prioEXIF)
		b.set("tiff:YResolution", Number(r.resY), prioEXIF)
		b.set("tiff:ResolutionUnit", Number(2), prioEXIF)
	}
}

// exifBlock reads an EXIF block: a TIFF structure, with or without the
// "Exif\0\0" header.
func (x *extraction) exifBlock(data []byte, what string) {
	if bytes.HasPrefix(data, []byte("Exif\x00\x00")) {
		data = data[6:]
	} else if i := bytes.Index(data[:min(len(data), 16)], []byte("Exif\x00")); i >= 0 {
		data = data[i+6:]
	}
	x.tiffBlock(bytesSrc(x.s.ctx, data), 0, modeEXIF, what)
}

// tiffBlock reads an EXIF/TIFF structure, recovering from any failure.
func (x *extraction) tiffBlock(s *src, base int64, mode exifMode, what string) (t *tiffStruct, ifd0 *ifd) {
	defer func() {
		if r := recover(); r != nil {
			x.b.warn("%s: EXIF parser failed: %v", what, r)
		}
	}()
	t, err := newTIFF(s, base, x.b.opts, func(f string, a ...any) { x.b.warn(what+": "+f, a...) })
	if err != nil {
		x.b.warn("%s: %v", what, err)
		return nil, nil
	}
	return t, t.readEXIF(x.b, mode)
}
