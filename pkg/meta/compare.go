package meta

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// CoreKey is one entry of the core key set used to compare this package
// with exiftool: the JSON keys this package may produce for it (first
// present wins) and the exiftool "-G1" tags that hold it, in the same
// precedence this package applies (XMP, then IPTC, then EXIF, then the
// file structure). An exiftool tag written "TAG#i" stands for the i-th
// number of TAG's "W H" value (Composite:ImageSize#0 is the width
// exiftool computes: a raw file's sensor size rather than the size of
// the thumbnail in its first IFD).
type CoreKey struct {
	Name     string
	Ours     []string
	Exiftool []string
	// Kind tells how values are compared: "num", "text", "list", "date".
	Kind string
}

// CoreKeys is the core key set of the exiftool comparison.
var CoreKeys = []CoreKey{
	{"make", []string{"tiff:Make"}, []string{"XMP-tiff:Make", "IFD0:Make", "PNG:Make"}, "text"},
	{"model", []string{"tiff:Model"}, []string{"XMP-tiff:Model", "IFD0:Model"}, "text"},
	{"lens", []string{"exifEX:LensModel", "aux:Lens"}, []string{"XMP-exifEX:LensModel", "ExifIFD:LensModel", "XMP-aux:Lens"}, "text"},
	{"dateTaken", []string{"exif:DateTimeOriginal"}, []string{"XMP-exif:DateTimeOriginal", "ExifIFD:DateTimeOriginal"}, "date"},
	{"dateModified", []string{"xmp:ModifyDate"}, []string{"XMP-xmp:ModifyDate", "IFD0:ModifyDate", "PDF:ModifyDate", "XML:ModifyDate", "XMP-dc:Date"}, "date"},
	{"gpsLatitude", []string{"exif:GPSLatitude"}, []string{"XMP-exif:GPSLatitude", "Composite:GPSLatitude"}, "num"},
	{"gpsLongitude", []string{"exif:GPSLongitude"}, []string{"XMP-exif:GPSLongitude", "Composite:GPSLongitude"}, "num"},
	{"gpsAltitude", []string{"exif:GPSAltitude"}, []string{"Composite:GPSAltitude", "XMP-exif:GPSAltitude"}, "num"},
	{"orientation", []string{"tiff:Orientation"}, []string{"XMP-tiff:Orientation", "IFD0:Orientation"}, "num"},
	{"width", []string{"tiff:ImageWidth"}, []string{"Composite:ImageSize#0", "File:ImageWidth", "PNG:ImageWidth", "GIF:ImageWidth", "RIFF:ImageWidth", "IFD0:ImageWidth", "Photoshop:ImageWidth", "SVG:ImageWidth", "QuickTime:ImageWidth", "Jpeg2000:ImageWidth", "Composite:ImageWidth"}, "num"},
	{"height", []string{"tiff:ImageLength"}, []string{"Composite:ImageSize#1", "File:ImageHeight", "PNG:ImageHeight", "GIF:ImageHeight", "RIFF:ImageHeight", "IFD0:ImageHeight", "Photoshop:ImageHeight", "SVG:ImageHeight", "QuickTime:ImageHeight", "Jpeg2000:ImageHeight", "Composite:ImageHeight"}, "num"},
	{"exposureTime", []string{"exif:ExposureTime"}, []string{"XMP-exif:ExposureTime", "ExifIFD:ExposureTime"}, "num"},
	{"fNumber", []string{"exif:FNumber"}, []string{"XMP-exif:FNumber", "ExifIFD:FNumber"}, "num"},
	{"iso", []string{"exif:ISOSpeedRatings", "exifEX:PhotographicSensitivity"}, []string{"XMP-exif:ISO", "XMP-exifEX:PhotographicSensitivity", "ExifIFD:ISO", "IFD0:ISO"}, "num"},
	{"focalLength", []string{"exif:FocalLength"}, []string{"XMP-exif:FocalLength", "ExifIFD:FocalLength"}, "num"},
	{"creator", []string{"dc:creator"}, []string{"XMP-dc:Creator", "IPTC:By-line", "IFD0:Artist", "PDF:Author", "XML-dc:Creator", "XMP-meta:Initial-creator", "HTML:Author", "PNG:Author", "IFD0:XPAuthor"}, "list"},
	{"rights", []string{"dc:rights"}, []string{"XMP-dc:Rights", "IPTC:CopyrightNotice", "IFD0:Copyright"}, "text"},
	{"title", []string{"dc:title"}, []string{"XMP-dc:Title", "IPTC:ObjectName", "PDF:Title", "PostScript:Title", "SVG:Title", "XML-dc:Title", "HTML:Title", "PNG:Title", "IFD0:XPTitle"}, "text"},
	{"description", []string{"dc:description"}, []string{"XMP-dc:Description", "IPTC:Caption-Abstract", "IFD0:ImageDescription", "PDF:Subject", "SVG:Desc", "HTML:Description", "XML-dc:Description", "PNG:Description"}, "text"},
	{"keywords", []string{"dc:subject"}, []string{"XML:Keywords", "XMP-dc:Subject", "IPTC:Keywords", "PDF:Keywords", "XML-dc:Subject", "HTML:Keywords", "IFD0:XPKeywords"}, "list"},
	{"city", []string{"photoshop:City"}, []string{"XMP-photoshop:City", "IPTC:City"}, "text"},
	{"country", []string{"photoshop:Country"}, []string{"XMP-photoshop:Country", "IPTC:Country-PrimaryLocationName"}, "text"},
	{"rating", []string{"xmp:Rating"}, []string{"XMP-xmp:Rating", "IFD0:Rating"}, "num"},
	{"pageCount", []string{"xmpTPg:NPages"}, []string{"XMP-xmpTPg:NPages", "PDF:PageCount", "XML:Pages", "XML:Slides", "XMP-meta:Document-statisticPage-count", "PostScript:Pages"}, "num"},
}

// ComparePair is one file's output from this package (Metadata.Map, nil
// when Extract failed) and from "exiftool -j -n -G1" (one object of its
// array, nil when exiftool did not list the file).
type ComparePair struct {
	File     string
	Ours     map[string]any
	Exiftool map[string]any
}

// KeyResult counts, for one core key, the files where exiftool has a value
// (Total) and where this package has the same value (Agree), and the files
// where only this package has a value (Extra: exiftool does not read that
// field in that format, so it cannot confirm it).
type KeyResult struct {
	Key      string
	Agree    int
	Total    int
	Extra    int
	Mismatch []string // "file: ours=... exiftool=..."
	Extras   []string // "file: ours=..."
}

// CompareReport is the result of CompareCore.
type CompareReport struct {
	Files int
	Keys  []KeyResult
	Agree int
	Total int
}

// CompareCore maps both sides of each pair to the core key set and counts
// agreement per key. A key counts for a file when exiftool has a value
// (a value only this package has is counted apart as an extra); it agrees
// when both have the same value (an exiftool value that should be a number
// but is not, such as an SVG width of "100%", counts as no value): numbers within a relative 0.1%
// (1e-5 degrees for coordinates), texts equal after trimming, lists equal
// as sets, dates equal to the second (a time zone or fraction present on
// one side only is ignored).
func CompareCore(pairs []ComparePair) CompareReport {
	rep := CompareReport{Files: len(pairs)}
	for _, k := range CoreKeys {
		r := KeyResult{Key: k.Name}
		for _, p := range pairs {
			ov, oOK := firstOf(p.Ours, k.Ours)
			tv, tOK := firstOf(p.Exiftool, k.Exiftool)
			if _, isNum := toFloat(tv); tOK && k.Kind == "num" && !isNum {
				// exiftool gives no number ("100%" for a relative SVG
				// width): nothing to compare against.
				tOK = false
			}
			if !tOK {
				if oOK {
					r.Extra++
					r.Extras = append(r.Extras, fmt.Sprintf("%s: ours=%s", p.File, show(ov, oOK)))
				}
				continue
			}
			r.Total++
			if oOK && tOK && sameValue(k.Kind, ov, tv) {
				r.Agree++
				continue
			}
			r.Mismatch = append(r.Mismatch, fmt.Sprintf("%s: ours=%s exiftool=%s", p.File, show(ov, oOK), show(tv, tOK)))
		}
		rep.Keys = append(rep.Keys, r)
		rep.Agree += r.Agree
		rep.Total += r.Total
	}
	return rep
}

// Write prints the report: one line per key, then the total; with verbose,
// the mismatches under each key.
func (r CompareReport) Write(w io.Writer, verbose bool) {
	fmt.Fprintf(w, "%-14s %7s %7s %8s %7s\n", "key", "agree", "total", "percent", "extra")
	extra := 0
	for _, k := range r.Keys {
		extra += k.Extra
		fmt.Fprintf(w, "%-14s %7d %7d %8s %7d\n", k.Key, k.Agree, k.Total, pct(k.Agree, k.Total), k.Extra)
		if verbose {
			for _, m := range k.Mismatch {
				fmt.Fprintf(w, "    MISMATCH %s\n", m)
			}
			for _, m := range k.Extras {
				fmt.Fprintf(w, "    extra    %s\n", m)
			}
		}
	}
	fmt.Fprintf(w, "%-14s %7d %7d %8s %7d   (%d files; extra: values exiftool does not report)\n", "TOTAL", r.Agree, r.Total, pct(r.Agree, r.Total), extra, r.Files)
}

func pct(a, n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(n))
}

func show(v any, ok bool) string {
	if !ok {
		return "(none)"
	}
	s := fmt.Sprintf("%v", v)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func firstOf(m map[string]any, keys []string) (any, bool) {
	for _, k := range keys {
		if tag, idx, ok := strings.Cut(k, "#"); ok {
			// One number of a "W H" pair (Composite:ImageSize#0).
			s, _ := m[tag].(string)
			f := strings.Fields(strings.ReplaceAll(s, "x", " "))
			if i, _ := strconv.Atoi(idx); i < len(f) {
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					return v, true
				}
			}
			continue
		}
		if v, ok := m[k]; ok && !blank(v) {
			return v, true
		}
	}
	return nil, false
}

func blank(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(t) == ""
	case []any:
		return len(t) == 0
	}
	return false
}

func sameValue(kind string, a, b any) bool {
	switch kind {
	case "num":
		x, ok1 := toFloat(a)
		y, ok2 := toFloat(b)
		if !ok1 || !ok2 {
			return false
		}
		d := math.Abs(x - y)
		return d <= 1e-5 || d <= 1e-3*math.Max(math.Abs(x), math.Abs(y))
	case "list":
		as, bs := toList(a), toList(b)
		if len(as) == 1 && len(bs) > 1 {
			as = splitList(strings.ReplaceAll(as[0], ";", ","), ",")
		}
		if len(as) != len(bs) {
			return false
		}
		sort.Strings(as)
		sort.Strings(bs)
		for i := range as {
			if as[i] != bs[i] {
				return false
			}
		}
		return true
	case "date":
		return normDate(toText(a)) == normDate(toText(b))
	}
	return strings.TrimSpace(toText(a)) == strings.TrimSpace(toText(b))
}

func toFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case int:
		return float64(t), true
	case []any:
		if len(t) > 0 {
			return toFloat(t[0])
		}
	case string:
		if v, ok := parseNumber(t); ok {
			return v.Num, true
		}
		if f := strings.Fields(t); len(f) > 0 {
			if v, ok := parseNumber(f[0]); ok {
				return v.Num, true
			}
		}
	}
	return 0, false
}

func toText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = toText(x)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

func toList(v any) []string {
	if l, ok := v.([]any); ok {
		out := make([]string, len(l))
		for i, x := range l {
			out[i] = strings.TrimSpace(toText(x))
		}
		return out
	}
	// A list given as one string ("a, b; c"): split it.
	return splitList(strings.ReplaceAll(toText(v), ";", ","), ",")
}

// normDate reduces a date to "YYYY-MM-DDTHH:MM:SS" (or its leading part).
func normDate(s string) string {
	s = strings.TrimSpace(s)
	if iso, ok := exifDate(s, "", ""); ok {
		s = iso
	} else if iso, ok := xmpDate(s); ok {
		s = iso
	} else if len(s) <= 10 && len(s) >= 7 && s[4] == ':' {
		// exiftool's partial date ("2021:05" for an XMP "2021-05").
		s = strings.ReplaceAll(s, ":", "-")
	} else if iso, ok := pdfDate(s); ok {
		s = iso
	}
	if len(s) > 19 {
		s = s[:19]
	}
	return s
}
