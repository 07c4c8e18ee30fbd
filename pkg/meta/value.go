package meta

import (
	"math"
	"strconv"
	"strings"
)

// Kind is the type of a Value. It decides how the value is written in the
// XMP packet (simple property, rdf:Alt, rdf:Seq, rdf:Bag) and in JSON
// (string, number, boolean, array).
type Kind uint8

// The value kinds.
const (
	// KindText is a simple text value (XMP Text, URI, closed choice).
	KindText Kind = iota + 1
	// KindNumber is an integer, real or rational number.
	KindNumber
	// KindBool is an XMP Boolean ("True"/"False").
	KindBool
	// KindDate is an XMP Date, held as an ISO 8601 string of whatever
	// precision the source gave (a year, a day, a time with or without
	// seconds, fraction and zone).
	KindDate
	// KindLangAlt is a language alternative (rdf:Alt with xml:lang), the
	// x-default entry first.
	KindLangAlt
	// KindSeq is an ordered list (rdf:Seq) of simple values.
	KindSeq
	// KindBag is an unordered list (rdf:Bag) of simple values.
	KindBag
)

// String returns the kind's name.
func (k Kind) String() string {
	switch k {
	case KindText:
		return "text"
	case KindNumber:
		return "number"
	case KindBool:
		return "bool"
	case KindDate:
		return "date"
	case KindLangAlt:
		return "lang-alt"
	case KindSeq:
		return "seq"
	case KindBag:
		return "bag"
	}
	return "invalid"
}

// LangText is one entry of a language alternative.
type LangText struct {
	// Lang is an RFC 3066 language tag or "x-default".
	Lang string
	// Text is the text in that language.
	Text string
}

// Value is one property value. Which fields are meaningful depends on Kind.
type Value struct {
	// Kind is the value's type.
	Kind Kind
	// Text is the value of KindText, the ISO 8601 form of KindDate, and for
	// KindNumber the XMP lexical form when it is not the plain decimal form
	// of Num: "1/125" for a rational, "41,24.5N" for a GPS coordinate.
	Text string
	// Num is the value of KindNumber. A GPS coordinate is signed decimal
	// degrees (south and west negative).
	Num float64
	// Bool is the value of KindBool.
	Bool bool
	// Alt holds the entries of KindLangAlt, x-default first.
	Alt []LangText
	// Items holds the items of KindSeq and KindBag; each item is a simple
	// value (text, number, bool or date).
	Items []Value
}

// Text returns a KindText value.
func Text(s string) Value { return Value{Kind: KindText, Text: s} }

// Number returns a KindNumber value.
func Number(f float64) Value { return Value{Kind: KindNumber, Num: f} }

// Rational returns a KindNumber value for num/den, written as "num/den" in
// XMP. It returns false when den is zero.
func Rational(num, den int64) (Value, bool) {
	if den == 0 {
		return Value{}, false
	}
	return Value{Kind: KindNumber, Num: float64(num) / float64(den),
		Text: strconv.FormatInt(num, 10) + "/" + strconv.FormatInt(den, 10)}, true
}

// Bool returns a KindBool value.
func Bool(b bool) Value { return Value{Kind: KindBool, Bool: b} }

// Date returns a KindDate value; iso must be an XMP (ISO 8601) date string.
func Date(iso string) Value { return Value{Kind: KindDate, Text: iso} }

// LangAlt returns a KindLangAlt value with one x-default entry.
func LangAlt(s string) Value { return Value{Kind: KindLangAlt, Alt: []LangText{{"x-default", s}}} }

// Seq returns an ordered list.
func Seq(items ...Value) Value { return Value{Kind: KindSeq, Items: items} }

// Bag returns an unordered list.
func Bag(items ...Value) Value { return Value{Kind: KindBag, Items: items} }

// TextSeq returns an ordered list of texts.
func TextSeq(s ...string) Value { return Seq(texts(s)...) }

// TextBag returns an unordered list of texts.
func TextBag(s ...string) Value { return Bag(texts(s)...) }

func texts(s []string) []Value {
	out := make([]Value, 0, len(s))
	for _, x := range s {
		out = append(out, Text(x))
	}
	return out
}

// String returns the value as XMP writes it; for a list or a language
// alternative, the items or the x-default text joined by "; ".
func (v Value) String() string {
	switch v.Kind {
	case KindText, KindDate:
		return v.Text
	case KindNumber:
		if v.Text != "" {
			return v.Text
		}
		return formatNumber(v.Num)
	case KindBool:
		if v.Bool {
			return "True"
		}
		return "False"
	case KindLangAlt:
		return v.Default()
	case KindSeq, KindBag:
		parts := make([]string, len(v.Items))
		for i, it := range v.Items {
			parts[i] = it.String()
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

// Default returns the x-default text of a language alternative (or the first
// entry when there is no x-default), and the text of any other value.
func (v Value) Default() string {
	if v.Kind != KindLangAlt {
		return v.String()
	}
	for _, a := range v.Alt {
		if a.Lang == "x-default" {
			return a.Text
		}
	}
	if len(v.Alt) > 0 {
		return v.Alt[0].Text
	}
	return ""
}

// empty reports a value that carries nothing.
func (v Value) empty() bool {
	switch v.Kind {
	case KindText, KindDate:
		return strings.TrimSpace(v.Text) == ""
	case KindNumber:
		return math.IsNaN(v.Num) || math.IsInf(v.Num, 0)
	case KindBool:
		return false
	case KindLangAlt:
		for _, a := range v.Alt {
			if strings.TrimSpace(a.Text) != "" {
				return false
			}
		}
		return true
	case KindSeq, KindBag:
		for _, it := range v.Items {
			if !it.empty() {
				return false
			}
		}
		return true
	}
	return true
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
