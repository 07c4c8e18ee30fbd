package text

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// formatNumber renders a spreadsheet number the way its number format code
// shows it, for the common formats: General, fixed decimals, thousands
// separators, percentages, scientific notation, currency and other literal
// text, negative sections. Dates and times are written in ISO 8601
// ("2024-03-01", "13:45:00", "2024-03-01 13:45") rather than in the
// format's own order, which keeps them unambiguous for search.
func formatNumber(v float64, code string, date1904 bool) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	sections := splitSections(code)
	section := sections[0]
	negSection := false
	switch {
	case v < 0 && len(sections) >= 2 && strings.TrimSpace(sections[1]) != "":
		section, negSection = sections[1], true
	case v == 0 && len(sections) >= 3:
		section = sections[2]
	}
	tokens := scanFormat(section)
	if tokens.general {
		return formatGeneral(v)
	}
	if tokens.date {
		return formatSerialDate(v, tokens, date1904)
	}
	if !tokens.number {
		return tokens.prefix + tokens.suffix // a section of literal text only
	}
	x := v
	if negSection {
		x = math.Abs(x)
	}
	for i := 0; i < tokens.percent; i++ {
		x *= 100
	}
	var num string
	switch {
	case tokens.exponent:
		num = strconv.FormatFloat(x, 'E', tokens.decimals, 64)
		if mant, exp, ok := strings.Cut(num, "E"); ok {
			e, _ := strconv.Atoi(exp)
			num = mant + "E" + signed2(e)
		}
	default:
		num = strconv.FormatFloat(x, 'f', tokens.decimals, 64)
		if tokens.thousands {
			num = groupThousands(num)
		}
	}
	return tokens.prefix + num + tokens.suffix + strings.Repeat("%", tokens.percent)
}

func signed2(e int) string {
	sign := "+"
	if e < 0 {
		sign, e = "-", -e
	}
	if e < 10 {
		return sign + "0" + strconv.Itoa(e)
	}
	return sign + strconv.Itoa(e)
}

// formatGeneral renders a number as the General format does: up to 15
// significant digits, no trailing zeros, scientific notation only for very
// large or very small magnitudes.
func formatGeneral(v float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	a := math.Abs(r)
	if a != 0 && (a >= 1e15 || a < 1e-9) {
		return strconv.FormatFloat(r, 'E', -1, 64)
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// groupThousands inserts commas into the integer part of a formatted
// number.
func groupThousands(num string) string {
	sign := ""
	if strings.HasPrefix(num, "-") {
		sign, num = "-", num[1:]
	}
	intPart, frac, hasFrac := strings.Cut(num, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}

// splitSections splits a format code at semicolons outside quotes.
func splitSections(code string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '"':
			quoted = !quoted
		case '\\':
			i++
		case ';':
			if !quoted {
				out = append(out, code[start:i])
				start = i + 1
			}
		}
	}
	return append(out, code[start:])
}

// formatTokens is what formatNumber needs to know about one section.
type formatTokens struct {
	general, date, number  bool
	hasDate, hasTime, secs bool
	decimals, percent      int
	thousands, exponent    bool
	prefix, suffix         string
}

// scanFormat reads one section of a format code.
func scanFormat(sec string) formatTokens {
	var t formatTokens
	if strings.TrimSpace(sec) == "" || strings.EqualFold(strings.TrimSpace(sec), "general") || strings.TrimSpace(sec) == "@" {
		t.general = true
		return t
	}
	var lit strings.Builder
	afterDot := false
	flushLit := func() {
		if t.number {
			t.suffix += lit.String()
		} else {
			t.prefix += lit.String()
		}
		lit.Reset()
	}
	lower := strings.ToLower(sec)
	for i := 0; i < len(sec); i++ {
		c := sec[i]
		switch {
		case c == '"':
			end := strings.IndexByte(sec[i+1:], '"')
			if end < 0 {
				end = len(sec) - i - 1
			}
			lit.WriteString(sec[i+1 : i+1+end])
			i += end + 1
		case c == '\\' && i+1 < len(sec):
			lit.WriteByte(sec[i+1])
			i++
		case c == '_' || c == '*':
			i++ // padding and fill: no text of their own
		case c == '[':
			end := strings.IndexByte(sec[i:], ']')
			if end < 0 {
				end = len(sec) - i
			}
			inner := sec[i+1 : i+end]
			switch {
			case strings.HasPrefix(inner, "$"):
				sym, _, _ := strings.Cut(inner[1:], "-")
				lit.WriteString(sym)
			case strings.ContainsAny(strings.ToLower(inner), "hms") && strings.Trim(strings.ToLower(inner), "hms") == "":
				t.date, t.hasTime = true, true
			}
			i += end
		case strings.HasPrefix(lower[i:], "am/pm"):
			t.date, t.hasTime = true, true
			i += 4
		case c == 'y' || c == 'Y' || c == 'd' || c == 'D' || c == 'e':
			t.date, t.hasDate = true, true
		case c == 'h' || c == 'H':
			t.date, t.hasTime = true, true
		case c == 's' || c == 'S':
			t.date, t.hasTime, t.secs = true, true, true
		case c == 'm' || c == 'M':
			t.date = true // minutes or months; decided below
		case c == '0' || c == '#' || c == '?':
			if !t.number {
				flushLit()
			}
			t.number = true
			if afterDot && !t.exponent {
				t.decimals++
			}
			lit.Reset()
		case c == '.' && (t.number || (i+1 < len(sec) && strings.IndexByte("0#?", sec[i+1]) >= 0)):
			if !t.number {
				flushLit()
				t.number = true
			}
			afterDot = true
		case c == ',' && t.number && !afterDot:
			t.thousands = true
		case c == '%':
			t.percent++
		case (c == 'E') && i+1 < len(sec) && (sec[i+1] == '+' || sec[i+1] == '-'):
			t.exponent = true
			i++
		default:
			lit.WriteByte(c)
		}
	}
	if t.number {
		t.date = false // digits win over stray letters such as "d" in a literal
		t.suffix += lit.String()
	} else {
		t.prefix += lit.String()
	}
	if t.date && !t.hasTime && !t.hasDate {
		t.hasDate = true // "mmm-yy" style: months alone
	}
	if t.date && strings.Contains(lower, "m") && !t.hasTime && !strings.ContainsAny(lower, "ydh") {
		t.hasDate = true
	}
	return t
}

// formatSerialDate renders a spreadsheet date serial in ISO 8601.
func formatSerialDate(v float64, t formatTokens, date1904 bool) string {
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if v < 0 || v > 2958466 { // beyond 9999-12-31
		return formatGeneral(v)
	}
	days := math.Floor(v)
	secs := math.Round((v - days) * 86400)
	d := base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
	layout := ""
	if t.hasDate {
		layout = "2006-01-02"
	}
	if t.hasTime {
		tl := "15:04"
		if t.secs {
			tl = "15:04:05"
		}
		if layout != "" {
			layout += " "
		}
		layout += tl
	}
	if layout == "" {
		layout = "2006-01-02"
	}
	return d.Format(layout)
}
