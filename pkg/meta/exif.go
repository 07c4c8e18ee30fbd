package meta

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/assetcompute/assetcompute/pkg/internal/metablock"
)

// exifTag maps an EXIF/TIFF tag to an XMP property.
type exifTag struct {
	key  string
	typ  ptype
	list Kind // 0 for a simple value, or KindSeq, KindBag, KindLangAlt
}

// IFD0 tags that describe the image structure: facts of the file for a
// TIFF, EXIF claims inside a JPEG.
var imageTags = map[uint16]exifTag{
	0x0100: {"tiff:ImageWidth", tInt, 0},
	0x0101: {"tiff:ImageLength", tInt, 0},
	0x0102: {"tiff:BitsPerSample", tInt, KindSeq},
	0x0103: {"tiff:Compression", tInt, 0},
	0x0106: {"tiff:PhotometricInterpretation", tInt, 0},
	0x0115: {"tiff:SamplesPerPixel", tInt, 0},
	0x011C: {"tiff:PlanarConfiguration", tInt, 0},
}

var ifd0Tags = map[uint16]exifTag{
	0x010E: {"dc:description", tText, KindLangAlt},
	0x010F: {"tiff:Make", tText, 0},
	0x0110: {"tiff:Model", tText, 0},
	0x0112: {"tiff:Orientation", tInt, 0},
	0x011A: {"tiff:XResolution", tRational, 0},
	0x011B: {"tiff:YResolution", tRational, 0},
	0x0128: {"tiff:ResolutionUnit", tInt, 0},
	0x0131: {"xmp:CreatorTool", tText, 0},
	0x013E: {"tiff:WhitePoint", tRational, KindSeq},
	0x013F: {"tiff:PrimaryChromaticities", tRational, KindSeq},
	0x0211: {"tiff:YCbCrCoefficients", tRational, KindSeq},
	0x0212: {"tiff:YCbCrSubSampling", tInt, KindSeq},
	0x0213: {"tiff:YCbCrPositioning", tInt, 0},
	0x0214: {"tiff:ReferenceBlackWhite", tRational, KindSeq},
}

var exifIFDTags = map[uint16]exifTag{
	0x829A: {"exif:ExposureTime", tRational, 0},
	0x829D: {"exif:FNumber", tRational, 0},
	0x8822: {"exif:ExposureProgram", tInt, 0},
	0x8824: {"exif:SpectralSensitivity", tText, 0},
	0x8827: {"exif:ISOSpeedRatings", tInt, KindSeq},
	0x8830: {"exifEX:SensitivityType", tInt, 0},
	0x8831: {"exifEX:StandardOutputSensitivity", tInt, 0},
	0x8832: {"exifEX:RecommendedExposureIndex", tInt, 0},
	0x8833: {"exifEX:ISOSpeed", tInt, 0},
	0x9101: {"exif:ComponentsConfiguration", tInt, KindSeq},
	0x9102: {"exif:CompressedBitsPerPixel", tRational, 0},
	0x9201: {"exif:ShutterSpeedValue", tRational, 0},
	0x9202: {"exif:ApertureValue", tRational, 0},
	0x9203: {"exif:BrightnessValue", tRational, 0},
	0x9204: {"exif:ExposureBiasValue", tRational, 0},
	0x9205: {"exif:MaxApertureValue", tRational, 0},
	0x9206: {"exif:SubjectDistance", tRational, 0},
	0x9207: {"exif:MeteringMode", tInt, 0},
	0x9208: {"exif:LightSource", tInt, 0},
	0x920A: {"exif:FocalLength", tRational, 0},
	0x9214: {"exif:SubjectArea", tInt, KindSeq},
	0x9400: {"exifEX:Temperature", tRational, 0},
	0x9401: {"exifEX:Humidity", tRational, 0},
	0x9402: {"exifEX:Pressure", tRational, 0},
	0xA001: {"exif:ColorSpace", tInt, 0},
	0xA002: {"exif:PixelXDimension", tInt, 0},
	0xA003: {"exif:PixelYDimension", tInt, 0},
	0xA004: {"exif:RelatedSoundFile", tText, 0},
	0xA20B: {"exif:FlashEnergy", tRational, 0},
	0xA20E: {"exif:FocalPlaneXResolution", tRational, 0},
	0xA20F: {"exif:FocalPlaneYResolution", tRational, 0},
	0xA210: {"exif:FocalPlaneResolutionUnit", tInt, 0},
	0xA214: {"exif:SubjectLocation", tInt, KindSeq},
	0xA215: {"exif:ExposureIndex", tRational, 0},
	0xA217: {"exif:SensingMethod", tInt, 0},
	0xA300: {"exif:FileSource", tInt, 0},
	0xA301: {"exif:SceneType", tInt, 0},
	0xA401: {"exif:CustomRendered", tInt, 0},
	0xA402: {"exif:ExposureMode", tInt, 0},
	0xA403: {"exif:WhiteBalance", tInt, 0},
	0xA404: {"exif:DigitalZoomRatio", tRational, 0},
	0xA405: {"exif:FocalLengthIn35mmFilm", tInt, 0},
	0xA406: {"exif:SceneCaptureType", tInt, 0},
	0xA407: {"exif:GainControl", tInt, 0},
	0xA408: {"exif:Contrast", tInt, 0},
	0xA409: {"exif:Saturation", tInt, 0},
	0xA40A: {"exif:Sharpness", tInt, 0},
	0xA40C: {"exif:SubjectDistanceRange", tInt, 0},
	0xA420: {"exif:ImageUniqueID", tText, 0},
	0xA430: {"exifEX:CameraOwnerName", tText, 0},
	0xA431: {"exifEX:BodySerialNumber", tText, 0},
	0xA432: {"exifEX:LensSpecification", tRational, KindSeq},
	0xA433: {"exifEX:LensMake", tText, 0},
	0xA434: {"exifEX:LensModel", tText, 0},
	0xA435: {"exifEX:LensSerialNumber", tText, 0},
	0xA460: {"exifEX:CompositeImage", tInt, 0},
	0xA500: {"exifEX:Gamma", tRational, 0},
}

var gpsTags = map[uint16]exifTag{
	0x0008: {"exif:GPSSatellites", tText, 0},
	0x0009: {"exif:GPSStatus", tText, 0},
	0x000A: {"exif:GPSMeasureMode", tText, 0},
	0x000B: {"exif:GPSDOP", tRational, 0},
	0x000C: {"exif:GPSSpeedRef", tText, 0},
	0x000D: {"exif:GPSSpeed", tRational, 0},
	0x000E: {"exif:GPSTrackRef", tText, 0},
	0x000F: {"exif:GPSTrack", tRational, 0},
	0x0010: {"exif:GPSImgDirectionRef", tText, 0},
	0x0011: {"exif:GPSImgDirection", tRational, 0},
	0x0012: {"exif:GPSMapDatum", tText, 0},
	0x0017: {"exif:GPSDestBearingRef", tText, 0},
	0x0018: {"exif:GPSDestBearing", tRational, 0},
	0x0019: {"exif:GPSDestDistanceRef", tText, 0},
	0x001A: {"exif:GPSDestDistance", tRational, 0},
	0x001E: {"exif:GPSDifferential", tInt, 0},
	0x001F: {"exifEX:GPSHPositioningError", tRational, 0},
}

var interopTags = map[uint16]exifTag{
	0x0001: {"acs:InteropIndex", tText, 0},
	0x0002: {"acs:InteropVersion", tText, 0},
}

var ifd1Tags = map[uint16]exifTag{
	0x0100: {"acs:ThumbnailWidth", tInt, 0},
	0x0101: {"acs:ThumbnailHeight", tInt, 0},
	0x0103: {"acs:ThumbnailCompression", tInt, 0},
	0x0202: {"acs:ThumbnailLength", tInt, 0},
}

// apply sets the properties of the tags of d found in tags.
func (t *tiffStruct) apply(b *builder, d *ifd, tags map[uint16]exifTag, prio int) {
	for _, e := range d.Entries {
		def, ok := tags[e.Tag]
		if !ok {
			continue
		}
		if v, ok := t.value(e, def); ok {
			b.set(def.key, v, prio)
		}
	}
}

func (t *tiffStruct) value(e ifdEntry, def exifTag) (Value, bool) {
	if def.typ == tText {
		s, ok := t.str(e)
		if !ok {
			return Value{}, false
		}
		s = strings.TrimSpace(s)
		switch def.list {
		case KindLangAlt:
			return LangAlt(s), true
		case KindSeq:
			return TextSeq(s), true
		case KindBag:
			return TextBag(s), true
		}
		return Text(s), true
	}
	vals, ok := t.nums(e)
	if !ok || len(vals) == 0 {
		return Value{}, false
	}
	if def.list == KindSeq {
		return Seq(vals...), true
	}
	return vals[0], true
}

// exifMode says what the TIFF structure is.
type exifMode int

const (
	// modeEXIF: an EXIF block embedded in another format (JPEG APP1, PNG
	// eXIf, WebP EXIF, HEIF Exif item): IFD1 is the thumbnail.
	modeEXIF exifMode = iota
	// modeTIFF: a TIFF file (or TIFF-based raw): IFD0 is the image and
	// the IFD chain its pages.
	modeTIFF
)

// readEXIF reads IFD0 and the Exif, GPS, Interoperability and (for an
// embedded block) IFD1 directories into b. It returns IFD0, or nil when
// even IFD0 cannot be read.
func (t *tiffStruct) readEXIF(b *builder, mode exifMode) *ifd {
	ifd0, err := t.ReadIFD(t.First, "EXIF IFD0")
	if err != nil {
		b.warn("%v", err)
		return nil
	}
	imgPrio := prioEXIF
	if mode == modeTIFF {
		imgPrio = prioFile
	}
	t.apply(b, ifd0, imageTags, imgPrio)
	t.apply(b, ifd0, ifd0Tags, prioEXIF)
	t.ifd0Specials(b, ifd0)

	strs := map[uint16]string{}
	for _, tag := range []uint16{0x0132} {
		if e, ok := ifd0.Find(tag); ok {
			strs[tag], _ = t.str(e)
		}
	}
	if e, ok := ifd0.Find(0x8769); ok {
		if off, ok := t.pointer(e); ok {
			if d, err := t.ReadIFD(off, "EXIF SubIFD"); err != nil {
				b.warn("%v", err)
			} else {
				t.apply(b, d, exifIFDTags, prioEXIF)
				t.exifSpecials(b, d, strs)
			}
		}
	}
	t.dates(b, strs)
	if e, ok := ifd0.Find(0x8825); ok {
		if off, ok := t.pointer(e); ok {
			if d, err := t.ReadIFD(off, "EXIF GPS IFD"); err != nil {
				b.warn("%v", err)
			} else {
				t.apply(b, d, gpsTags, prioEXIF)
				t.gps(b, d)
			}
		}
	}
	if mode == modeEXIF && ifd0.Next != 0 {
		if d, err := t.ReadIFD(ifd0.Next, "EXIF IFD1"); err != nil {
			b.warn("%v", err)
		} else {
			t.apply(b, d, ifd1Tags, prioEXIF)
		}
	}
	return ifd0
}

func (t *tiffStruct) pointer(e ifdEntry) (int64, bool) {
	is, ok := t.Ints(e)
	if !ok || len(is) == 0 {
		return 0, false
	}
	return is[0], true
}

func (t *tiffStruct) ifd0Specials(b *builder, d *ifd) {
	for _, e := range d.Entries {
		switch e.Tag {
		case 0x013B: // Artist: MWG allows "; "-separated creators.
			if s, ok := t.str(e); ok {
				b.set("dc:creator", TextSeq(splitList(s, ";")...), prioEXIF)
			}
		case 0x8298: // Copyright: "photographer\0editor".
			if raw, err := t.Raw(e, defaultValueLimit); err == nil {
				parts := strings.Split(string(raw), "\x00")
				var keep []string
				for _, p := range parts {
					if p = strings.TrimSpace(p); p != "" {
						keep = append(keep, decodeLegacy([]byte(p)))
					}
				}
				if len(keep) > 0 {
					b.set("dc:rights", LangAlt(strings.Join(keep, "; ")), prioEXIF)
				}
			}
		case 0x4746: // Windows Rating.
			if v, ok := t.nums(e); ok && len(v) == 1 {
				b.set("xmp:Rating", v[0], prioLow)
			}
		case 0x9C9B, 0x9C9D, 0x9C9E: // Windows XPTitle, XPAuthor, XPKeywords (UTF-16LE).
			raw, err := t.Raw(e, defaultValueLimit)
			if err != nil {
				continue
			}
			s := utf16String(raw, binaryLE)
			switch e.Tag {
			case 0x9C9B:
				b.set("dc:title", LangAlt(s), prioLow)
			case 0x9C9D:
				b.set("dc:creator", TextSeq(splitList(s, ";")...), prioLow)
			case 0x9C9E:
				b.set("dc:subject", TextBag(splitList(s, ";")...), prioLow)
			}
		}
	}
}

func (t *tiffStruct) exifSpecials(b *builder, d *ifd, strs map[uint16]string) {
	for _, e := range d.Entries {
		switch e.Tag {
		case 0x9003, 0x9004, 0x9010, 0x9011, 0x9012, 0x9290, 0x9291, 0x9292:
			strs[e.Tag], _ = t.str(e)
		case 0x9000, 0xA000: // ExifVersion, FlashpixVersion: 4 ASCII digits.
			if s, ok := t.str(e); ok {
				key := "exif:ExifVersion"
				if e.Tag == 0xA000 {
					key = "exif:FlashpixVersion"
				}
				b.set(key, Text(s), prioEXIF)
			}
		case 0x9209: // Flash, an XMP struct.
			if v, ok := t.nums(e); ok && len(v) == 1 {
				f := int(v[0].Num)
				b.set("exif:Flash/exif:Fired", Bool(f&1 != 0), prioEXIF)
				b.set("exif:Flash/exif:Return", Number(float64(f>>1&3)), prioEXIF)
				b.set("exif:Flash/exif:Mode", Number(float64(f>>3&3)), prioEXIF)
				b.set("exif:Flash/exif:Function", Bool(f&0x20 != 0), prioEXIF)
				b.set("exif:Flash/exif:RedEyeMode", Bool(f&0x40 != 0), prioEXIF)
			}
		case 0x9286: // UserComment with its 8-byte character code.
			if raw, err := t.Raw(e, defaultValueLimit); err == nil {
				if s := t.userComment(raw); s != "" {
					b.set("exif:UserComment", LangAlt(s), prioEXIF)
				}
			}
		case 0xA005:
			if off, ok := t.pointer(e); ok {
				if id, err := t.ReadIFD(off, "EXIF InteropIFD"); err != nil {
					b.warn("%v", err)
				} else {
					t.apply(b, id, interopTags, prioEXIF)
				}
			}
		}
	}
}

var binaryLE = binary.LittleEndian

func utf16String(b []byte, bo binary.ByteOrder) string {
	if len(b) >= 2 {
		switch {
		case b[0] == 0xFF && b[1] == 0xFE:
			bo, b = binary.LittleEndian, b[2:]
		case b[0] == 0xFE && b[1] == 0xFF:
			bo, b = binary.BigEndian, b[2:]
		}
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := bo.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

func (t *tiffStruct) userComment(raw []byte) string {
	if len(raw) < 8 {
		return ""
	}
	code, body := string(raw[:8]), raw[8:]
	switch {
	case strings.HasPrefix(code, "UNICODE"):
		return strings.TrimSpace(utf16String(body, t.Order))
	case strings.HasPrefix(code, "ASCII"), code == "\x00\x00\x00\x00\x00\x00\x00\x00":
		body = metablock.CString(body)
		return strings.TrimSpace(decodeLegacy(body))
	}
	return "" // JIS and unknown codes are not decoded.
}

// dates sets the three EXIF dates with their sub-seconds and offsets.
func (t *tiffStruct) dates(b *builder, s map[uint16]string) {
	for _, d := range []struct {
		date, sub, off uint16
		keys           []string
	}{
		{0x0132, 0x9290, 0x9010, []string{"xmp:ModifyDate"}},
		{0x9003, 0x9291, 0x9011, []string{"exif:DateTimeOriginal", "photoshop:DateCreated"}},
		{0x9004, 0x9292, 0x9012, []string{"exif:DateTimeDigitized", "xmp:CreateDate"}},
	} {
		if iso, ok := exifDate(s[d.date], s[d.sub], s[d.off]); ok {
			for _, k := range d.keys {
				b.set(k, Date(iso), prioEXIF)
			}
		}
	}
}

// gps decodes the GPS IFD's coordinates, altitude, time stamp and version.
func (t *tiffStruct) gps(b *builder, d *ifd) {
	ref := func(tag uint16) string {
		if e, ok := d.Find(tag); ok {
			s, _ := t.str(e)
			return strings.ToUpper(strings.TrimSpace(s))
		}
		return ""
	}
	coord := func(tag, refTag uint16, key string, pos, neg byte) {
		e, ok := d.Find(tag)
		if !ok {
			return
		}
		v, ok := t.nums(e)
		if !ok || len(v) == 0 || len(v) > 3 {
			return
		}
		deg := 0.0
		for i, x := range v {
			deg += x.Num / []float64{1, 60, 3600}[i]
		}
		if deg < 0 || deg > 180 {
			b.warn("EXIF GPS: %s out of range", key)
			return
		}
		r := ref(refTag)
		if r != "" && r[0] == neg {
			deg = -deg
		}
		b.set(key, Value{Kind: KindNumber, Num: deg, Text: gpsText(deg, pos, neg)}, prioEXIF)
	}
	coord(0x0002, 0x0001, "exif:GPSLatitude", 'N', 'S')
	coord(0x0004, 0x0003, "exif:GPSLongitude", 'E', 'W')
	coord(0x0014, 0x0013, "exif:GPSDestLatitude", 'N', 'S')
	coord(0x0016, 0x0015, "exif:GPSDestLongitude", 'E', 'W')
	if e, ok := d.Find(0x0006); ok {
		if v, ok := t.nums(e); ok && len(v) == 1 {
			alt := v[0]
			below := false
			if r, ok := d.Find(0x0005); ok {
				if is, ok := t.Ints(r); ok && len(is) == 1 && is[0] == 1 {
					below = true
				}
			}
			if alt.Num < 0 { // a signed rational where there should be none
				below, alt = true, Number(-alt.Num)
			}
			ref := 0.0
			if below {
				ref = 1
			}
			b.set("exif:GPSAltitudeRef", Number(ref), prioEXIF)
			b.set("exif:GPSAltitude", alt, prioEXIF)
		}
	}
	if e, ok := d.Find(0x0000); ok {
		if is, ok := t.Ints(e); ok && len(is) == 4 {
			b.set("exif:GPSVersionID", Text(fmt.Sprintf("%d.%d.%d.%d", is[0], is[1], is[2], is[3])), prioEXIF)
		}
	}
	// GPSTimeStamp (UTC) combined with GPSDateStamp.
	if e, ok := d.Find(0x0007); ok {
		if v, ok := t.nums(e); ok && len(v) == 3 {
			date := ""
			if de, ok := d.Find(0x001D); ok {
				date, _ = t.str(de)
			}
			h, m, sec := int(v[0].Num), int(v[1].Num), v[2].Num
			if len(date) >= 10 && h >= 0 && h < 24 && m >= 0 && m < 60 && sec >= 0 && sec < 61 {
				iso, ok := exifDate(date[:10]+fmt.Sprintf(" %02d:%02d:%02d", h, m, int(sec)), "", "")
				if ok {
					b.set("exif:GPSTimeStamp", Date(iso+"Z"), prioEXIF)
				}
			}
		}
	}
	for _, tag := range []uint16{0x001B, 0x001C} {
		if e, ok := d.Find(tag); ok {
			if raw, err := t.Raw(e, defaultValueLimit); err == nil {
				s := t.userComment(raw)
				if s == "" && e.Type == tASCII {
					s, _ = t.str(e)
				}
				key := "exif:GPSProcessingMethod"
				if tag == 0x001C {
					key = "exif:GPSAreaInformation"
				}
				b.set(key, Text(s), prioEXIF)
			}
		}
	}
}

func splitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
