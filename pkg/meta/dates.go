package meta

import (
	"fmt"
	"strconv"
	"strings"
)

// exifDate converts an EXIF date "YYYY:MM:DD HH:MM:SS" with its optional
// sub-second digits and "+HH:MM" offset to ISO 8601. It returns false for
// blank or zero dates.
func exifDate(s, subsec, offset string) (string, bool) {
	s = strings.Trim(s, " \x00")
	if len(s) < 10 {
		return "", false
	}
	d := []byte(s)
	if d[4] != ':' && d[4] != '-' || d[7] != ':' && d[7] != '-' {
		return "", false
	}
	y, m, dd := digits(s[0:4]), digits(s[5:7]), digits(s[8:10])
	if y <= 0 || m < 1 || m > 12 || dd < 1 || dd > 31 {
		return "", false
	}
	out := fmt.Sprintf("%04d-%02d-%02d", y, m, dd)
	if len(s) >= 16 && (s[10] == ' ' || s[10] == 'T') {
		h, mi := digits(s[11:13]), digits(s[14:16])
		if h < 0 || h > 24 || mi < 0 || mi > 59 {
			return out, true
		}
		out += fmt.Sprintf("T%02d:%02d", h, mi)
		if len(s) >= 19 && s[16] == ':' {
			if sec := digits(s[17:19]); sec >= 0 && sec <= 60 {
				out += fmt.Sprintf(":%02d", sec)
				subsec = strings.Trim(subsec, " \x00")
				if subsec != "" && digits(subsec) >= 0 && len(subsec) <= 9 {
					out += "." + subsec
				}
			}
		}
		if tz, ok := tzOffset(offset); ok {
			out += tz
		}
	}
	return out, true
}

func tzOffset(s string) (string, bool) {
	s = strings.Trim(s, " \x00")
	if s == "Z" {
		return "Z", true
	}
	if len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' {
		h, m := digits(s[1:3]), digits(s[4:6])
		if h >= 0 && h <= 14 && m >= 0 && m < 60 {
			return s, true
		}
	}
	return "", false
}

// digits parses an all-digit string, or returns -1.
func digits(s string) int {
	if s == "" || len(s) > 9 {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// xmpDate validates and normalises an XMP (ISO 8601 subset) date:
// YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.s+]][Z|+hh:mm].
// EXIF-style colons in the date part are accepted. It returns false when
// s is not a date.
func xmpDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 10 && s[4] == ':' && s[7] == ':' {
		// "2019:01:02 10:11:12" written into XMP by some tools.
		b := []byte(s)
		b[4], b[7] = '-', '-'
		if len(b) > 10 && b[10] == ' ' {
			b[10] = 'T'
		}
		s = string(b)
	}
	n := len(s)
	switch {
	case n == 4:
		return s, digits(s) >= 0
	case n == 7:
		return s, digits(s[:4]) >= 0 && s[4] == '-' && validRange(s[5:7], 1, 12)
	case n < 10:
		return "", false
	}
	if digits(s[:4]) < 0 || s[4] != '-' || !validRange(s[5:7], 1, 12) || s[7] != '-' || !validRange(s[8:10], 1, 31) {
		return "", false
	}
	if n == 10 {
		return s, true
	}
	if s[10] != 'T' || n < 16 || !validRange(s[11:13], 0, 24) || s[13] != ':' || !validRange(s[14:16], 0, 59) {
		return "", false
	}
	rest := s[16:]
	if len(rest) >= 3 && rest[0] == ':' {
		if !validRange(rest[1:3], 0, 60) {
			return "", false
		}
		rest = rest[3:]
		if len(rest) > 0 && rest[0] == '.' {
			i := 1
			for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
				i++
			}
			if i == 1 {
				return "", false
			}
			rest = rest[i:]
		}
	}
	if rest == "" || rest == "Z" {
		return s, true
	}
	if _, ok := tzOffset(rest); ok {
		return s, true
	}
	if len(rest) == 5 && (rest[0] == '+' || rest[0] == '-') && digits(rest[1:]) >= 0 {
		return s[:len(s)-5] + rest[:3] + ":" + rest[3:], true
	}
	return "", false
}

func validRange(s string, lo, hi int) bool {
	n := digits(s)
	return n >= lo && n <= hi
}

// pdfDate converts a PDF date "D:YYYYMMDDHHmmSSOHH'mm'" (every part after
// the year optional) to ISO 8601.
func pdfDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "D:")
	if len(s) < 4 || digits(s[:4]) < 0 {
		return "", false
	}
	parts := []string{s[:4]}
	s = s[4:]
	for _, w := range []int{2, 2, 2, 2, 2} {
		if len(s) < w || digits(s[:w]) < 0 {
			break
		}
		parts = append(parts, s[:w])
		s = s[w:]
	}
	out := parts[0]
	if len(parts) > 1 {
		out += "-" + parts[1]
	}
	if len(parts) > 2 {
		out += "-" + parts[2]
	}
	if len(parts) > 4 {
		out += "T" + parts[3] + ":" + parts[4]
		if len(parts) > 5 {
			out += ":" + parts[5]
		}
		switch {
		case strings.HasPrefix(s, "Z"):
			out += "Z"
		case len(s) >= 3 && (s[0] == '+' || s[0] == '-') && digits(s[1:3]) >= 0:
			tz := s[:3]
			mm := "00"
			r := strings.TrimPrefix(s[3:], "'")
			if len(r) >= 2 && digits(r[:2]) >= 0 {
				mm = r[:2]
			}
			out += tz + ":" + mm
		}
	} else if len(parts) == 4 {
		out += "T" + parts[3] + ":00"
	}
	return xmpDate(out)
}

// iptcDate combines IPTC "CCYYMMDD" and "HHMMSS±HHMM" into ISO 8601.
func iptcDate(date, tm string) (string, bool) {
	date = strings.TrimSpace(date)
	if len(date) != 8 || digits(date) < 0 {
		return "", false
	}
	out := date[:4] + "-" + date[4:6] + "-" + date[6:8]
	if strings.HasSuffix(out, "-00-00") {
		out = out[:4]
	} else if strings.HasSuffix(out, "-00") {
		out = out[:7]
	}
	tm = strings.TrimSpace(tm)
	if len(out) == 10 && len(tm) >= 6 && digits(tm[:6]) >= 0 {
		out += "T" + tm[0:2] + ":" + tm[2:4] + ":" + tm[4:6]
		if len(tm) == 11 && (tm[6] == '+' || tm[6] == '-') && digits(tm[7:]) >= 0 {
			out += tm[6:9] + ":" + tm[9:11]
		}
	}
	return xmpDate(out)
}

// parseNumber reads an XMP number: an integer, a real, or "num/den".
func parseNumber(s string) (Value, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '/'); i > 0 {
		n, err1 := strconv.ParseInt(strings.TrimSpace(s[:i]), 10, 64)
		d, err2 := strconv.ParseInt(strings.TrimSpace(s[i+1:]), 10, 64)
		if err1 != nil || err2 != nil {
			return Value{}, false
		}
		return Rational(n, d)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1e300 || f < -1e300 {
		return Value{}, false
	}
	return Number(f), true
}

// parseGPSCoord reads an XMP GPSCoordinate "DDD,MM,SSk" or "DDD,MM.mmk"
// (k is N, S, E or W) into signed decimal degrees.
func parseGPSCoord(s string, lon bool) (Value, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Value{}, false
	}
	sign := 1.0
	last := s[len(s)-1]
	switch last {
	case 'N', 'E', 'n', 'e':
		s = s[:len(s)-1]
	case 'S', 'W', 's', 'w':
		sign = -1
		s = s[:len(s)-1]
	default:
		// A plain decimal, as some writers use.
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < -180 || f > 180 {
			return Value{}, false
		}
		if lon {
			return Value{Kind: KindNumber, Num: f, Text: gpsText(f, 'E', 'W')}, true
		}
		return Value{Kind: KindNumber, Num: f, Text: gpsText(f, 'N', 'S')}, true
	}
	parts := strings.Split(s, ",")
	if len(parts) < 1 || len(parts) > 3 {
		return Value{}, false
	}
	var deg float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 0 {
			return Value{}, false
		}
		deg += f / []float64{1, 60, 3600}[i]
	}
	if deg > 180 {
		return Value{}, false
	}
	return Value{Kind: KindNumber, Num: sign * deg, Text: strings.TrimSpace(s) + string(last)}, true
}

// gpsText writes signed decimal degrees as an XMP GPSCoordinate
// "DDD,MM.mmmmmmk".
func gpsText(deg float64, pos, neg byte) string {
	ref := pos
	if deg < 0 {
		ref = neg
		deg = -deg
	}
	d := float64(int(deg))
	min := (deg - d) * 60
	return strconv.Itoa(int(d)) + "," + strconv.FormatFloat(min, 'f', 8, 64) + string(ref)
}
