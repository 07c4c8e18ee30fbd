package text

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"github.com/assetcompute/assetcompute/pkg/format"
)

// sniffLen is how much of a text source the encoding detector looks at.
const sniffLen = 64 << 10

// charset is a character encoding with the name reported in Result.Encoding.
type charset struct {
	name string
	enc  encoding.Encoding // nil for UTF-8, which needs no decoding
	bom  int               // bytes of byte order mark to skip
}

var utf8Charset = charset{name: "utf-8"}

// lookupCharset finds an encoding by any of its IANA or WHATWG labels.
// Unknown labels return false.
func lookupCharset(label string) (charset, bool) {
	label = strings.Trim(strings.ToLower(strings.TrimSpace(label)), `"'`)
	switch label {
	case "", "unicode-1-1-utf-8", "utf8", "utf-8":
		if label == "" {
			return charset{}, false
		}
		return utf8Charset, true
	case "utf-32", "utf-32le", "utf32":
		return charset{name: "utf-32le", enc: utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)}, true
	case "utf-32be":
		return charset{name: "utf-32be", enc: utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)}, true
	case "utf-16", "utf16", "ucs-2":
		return charset{name: "utf-16le", enc: xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM)}, true
	case "us-ascii", "ascii", "ansi_x3.4-1968":
		// Declared ASCII is routinely Windows-1252 in practice: decode it as
		// such, and keep the declared name.
		cs, _ := lookupCharset("windows-1252")
		cs.name = "us-ascii"
		return cs, true
	case "x-mac-roman", "macroman":
		label = "macintosh"
	case "cp932", "ms932", "windows-31j", "sjis":
		label = "shift_jis"
	case "cp936", "ms936", "gb2312", "gbk":
		label = "gbk"
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		return charset{}, false
	}
	name, err := htmlindex.Name(enc)
	if err != nil {
		return charset{}, false
	}
	name = strings.ToLower(name)
	if name == "utf-8" {
		return utf8Charset, true
	}
	if name == "utf-16le" || name == "utf-16be" {
		// Keep a BOM from being decoded as U+FEFF text; the sink drops it
		// anyway, but IgnoreBOM keeps the encoders symmetric.
		order := xunicode.LittleEndian
		if name == "utf-16be" {
			order = xunicode.BigEndian
		}
		enc = xunicode.UTF16(order, xunicode.IgnoreBOM)
	}
	return charset{name: name, enc: enc}, true
}

// mustCharset is lookupCharset for labels known to exist.
func mustCharset(label string) charset {
	cs, ok := lookupCharset(label)
	if !ok {
		panic("text: unknown built-in charset " + label)
	}
	return cs
}

// bomCharset recognizes a byte order mark.
func bomCharset(b []byte) (charset, bool) {
	switch {
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		return charset{name: "utf-8", bom: 3}, true
	case bytes.HasPrefix(b, []byte{0xff, 0xfe, 0, 0}):
		cs := mustCharset("utf-32le")
		cs.bom = 4
		return cs, true
	case bytes.HasPrefix(b, []byte{0, 0, 0xfe, 0xff}):
		cs := mustCharset("utf-32be")
		cs.bom = 4
		return cs, true
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		cs := mustCharset("utf-16le")
		cs.bom = 2
		return cs, true
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		cs := mustCharset("utf-16be")
		cs.bom = 2
		return cs, true
	}
	return charset{}, false
}

// utf16Guess recognizes UTF-16 without a byte order mark: zero bytes (the
// high bytes of ASCII spaces, digits and line breaks) at odd offsets only is
// little-endian, at even offsets only big-endian; and the decoded text must
// be free of control characters (format.UTF16Guess).
func utf16Guess(b []byte) (charset, bool) {
	order, ok := format.UTF16Guess(b)
	switch {
	case !ok:
		return charset{}, false
	case order == binary.LittleEndian:
		return mustCharset("utf-16le"), true
	}
	return mustCharset("utf-16be"), true
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing a character cut
// by the end of the sample when more follows.
func validUTF8Prefix(b []byte, complete bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if complete {
		return false
	}
	for cut := 1; cut <= 3 && cut < len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return true
		}
	}
	return false
}

// legacyCandidates are the encodings tried for text that is neither valid
// UTF-8 nor marked, in order of preference when they score alike.
var legacyCandidates = []string{
	"windows-1252", "windows-1250", "iso-8859-2", "windows-1251", "koi8-r", "iso-8859-5",
	"windows-1253", "iso-8859-7", "windows-1254", "windows-1255", "windows-1256", "windows-1257",
	"shift_jis", "euc-jp", "gb18030", "big5", "euc-kr",
}

// multiByte lists the candidates whose non-ASCII characters take two bytes
// or more.
var multiByte = map[string]bool{"shift_jis": true, "euc-jp": true, "gb18030": true, "big5": true, "euc-kr": true}

// detectCharset decides the encoding of a text sample: a byte order mark,
// else the zero-byte pattern of UTF-16, else valid UTF-8, else the legacy
// encoding whose decoding of the sample looks most like real text. complete
// says the sample is the whole source.
func detectCharset(sample []byte, complete bool) charset {
	if cs, ok := bomCharset(sample); ok {
		return cs
	}
	if cs, ok := utf16Guess(sample); ok {
		return cs
	}
	if validUTF8Prefix(sample, complete) {
		return utf8Charset
	}
	best, bestScore := charset{}, 0.0
	for i, label := range legacyCandidates {
		cs := mustCharset(label)
		decoded, err := cs.enc.NewDecoder().Bytes(sample)
		if err != nil {
			continue
		}
		score := plausibility(string(decoded), multiByte[label], complete)
		if i == 0 || score > bestScore {
			best, bestScore = cs, score
		}
	}
	return best
}

// plausibility scores how much decoded text looks like real writing, from
// its non-ASCII characters: letters that form words in a single script score
// up, replacement characters, C1 controls, mixed-script words, case changes
// inside words and unusual symbols score down. Chinese and Japanese words
// sitting between spaces, the mark of a Cyrillic or Greek text decoded as a
// two-byte encoding, score down too.
func plausibility(s string, wide bool, complete bool) float64 {
	weight := 1.0
	if wide {
		weight = 2 // one character stands for two source bytes
	}
	var score float64
	runes := []rune(s)
	if !complete && len(runes) > 0 {
		runes = runes[:len(runes)-1] // may be cut by the sample's end
	}
	var cjkWords, spacedCJK int
	var upper, lower int // non-ASCII letters of cased scripts
	for i := 0; i < len(runes); {
		r := runes[i]
		if r < 0x80 {
			i++
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			score += symbolScore(r) * weight
			i++
			continue
		}
		for _, c := range runes[i:min(len(runes), i+64)] {
			if !isWordRune(c) {
				break
			}
			if c >= 0x80 && unicode.IsUpper(c) {
				upper++
			} else if c >= 0x80 && unicode.IsLower(c) {
				lower++
			}
		}
		// A word: a run of letters and marks, ASCII ones included.
		start := i
		for start > 0 && isWordRune(runes[start-1]) {
			start--
		}
		end := i
		for end < len(runes) && isWordRune(runes[end]) {
			end++
		}
		score += wordScore(runes[start:end], wide, weight)
		if sc := scriptOf(runes[i]); sc == "han" || sc == "kana" {
			cjkWords++
			before := start == 0 || runes[start-1] == ' '
			after := end == len(runes) || runes[end] == ' '
			if start > 0 && end < len(runes) && before && after {
				spacedCJK++
			}
		}
		i = end
	}
	if cjkWords >= 4 && spacedCJK*3 > cjkWords {
		score -= float64(cjkWords) * 10
	}
	if (lower >= 30 && upper == 0) || (upper >= 30 && lower == 0) {
		// Greek, Cyrillic or accented Latin letters all of one case: more
		// likely an uncased script (Hebrew, Arabic) decoded wrongly.
		score -= float64(lower+upper) * weight
	}
	return score
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsMark(r) }

// wordScore scores the non-ASCII letters of one word.
func wordScore(word []rune, wide bool, weight float64) float64 {
	var nonASCII, letters int
	scripts := map[string]bool{}
	caseChanges := 0
	prevLower := false
	for _, r := range word {
		letters++
		if r >= 0x80 {
			nonASCII++
		}
		if sc := scriptOf(r); sc != "" {
			scripts[sc] = true
		}
		if unicode.IsUpper(r) && prevLower {
			caseChanges++
		}
		prevLower = unicode.IsLower(r)
	}
	if scripts["han"] && scripts["kana"] {
		delete(scripts, "han") // Japanese mixes both in one word
	}
	per := 2.0
	switch {
	case len(scripts) > 1:
		per = -5
	case caseChanges > 0:
		per = -2
	case scripts["latin"] && nonASCII >= 3 && nonASCII*4 > letters*3:
		per = -2 // Latin words are mostly ASCII letters
	case scripts["halfkana"]:
		per = -1 // half-width katakana: rare in real text, common in wrong decodings
	case scripts["kana"]:
		per = 2.5 // kana only decode from the right Japanese encoding
	case letters == 1 && unicode.IsUpper(word[0]):
		per = 0.5 // a lone capital: as likely a symbol decoded wrongly
	}
	return per * float64(nonASCII) * weight
}

// scriptOf names the writing system of a letter, "" for marks and others.
func scriptOf(r rune) string {
	switch {
	case r >= 0xff61 && r <= 0xff9f:
		return "halfkana"
	case unicode.Is(unicode.Latin, r):
		return "latin"
	case unicode.Is(unicode.Greek, r):
		return "greek"
	case unicode.Is(unicode.Cyrillic, r):
		return "cyrillic"
	case unicode.Is(unicode.Hebrew, r):
		return "hebrew"
	case unicode.Is(unicode.Arabic, r):
		return "arabic"
	case unicode.Is(unicode.Han, r):
		return "han"
	case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r), r == 0x30fc:
		return "kana"
	case unicode.Is(unicode.Hangul, r):
		return "hangul"
	case unicode.Is(unicode.Thai, r):
		return "thai"
	}
	return ""
}

// symbolScore scores a non-ASCII character that is not a letter.
func symbolScore(r rune) float64 {
	switch {
	case r == utf8.RuneError:
		return -10
	case r < 0xa0:
		return -10 // C1 control: never in real text
	case strings.ContainsRune("\u00a0«»°©®§·€£¥–—‘’‚“”„…•′″№", r):
		return 0.5
	case r >= 0x3000 && r <= 0x303f, r >= 0xff01 && r <= 0xff60:
		return 1 // CJK punctuation and full-width forms
	case unicode.IsControl(r), unicode.Is(unicode.Co, r):
		return -10
	}
	return -1
}
