package meta

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Property is one named value. Key is "prefix:Name" (for example
// "exif:DateTimeOriginal"), or "prefix:Struct/prefix:Field" for a field of
// an XMP structure (for example "exif:Flash/exif:Fired").
type Property struct {
	Key   string
	Value Value
}

// Metadata is the merged metadata of one source.
type Metadata struct {
	// Format is the detected media type of the source ("image/jpeg"). It is
	// also the value of the dc:format property.
	Format string
	// Properties holds the merged properties in a stable order: by
	// namespace (the order of KEYS.md, then other prefixes alphabetically),
	// then by key.
	Properties []Property
	// Warnings lists what could not be read: damaged or truncated
	// structures, limits that were reached, values that were dropped. A
	// source with warnings still yields every property that could be read.
	Warnings []string

	// extraNS maps the prefixes of namespaces that are not in the
	// registry (kept from embedded XMP) to their URIs.
	extraNS map[string]string
}

// Get returns the value of the property with the given key.
func (m *Metadata) Get(key string) (Value, bool) {
	i := sort.Search(len(m.Properties), func(i int) bool { return !propLess(m.Properties[i].Key, key, m) })
	if i < len(m.Properties) && m.Properties[i].Key == key {
		return m.Properties[i].Value, true
	}
	// The order is total, so a miss here is a miss; the linear scan
	// protects callers that built Properties by hand.
	for _, p := range m.Properties {
		if p.Key == key {
			return p.Value, true
		}
	}
	return Value{}, false
}

// NamespaceURI returns the URI of a property prefix, or "" when unknown.
func (m *Metadata) NamespaceURI(prefix string) string {
	if u, ok := uriByPrefix[prefix]; ok {
		return u
	}
	return m.extraNS[prefix]
}

func propLess(a, b string, m *Metadata) bool {
	pa, _ := splitKey(a)
	pb, _ := splitKey(b)
	if pa != pb {
		ra, oka := nsRank[pa]
		rb, okb := nsRank[pb]
		switch {
		case oka && okb:
			return ra < rb
		case oka != okb:
			return oka
		}
		return pa < pb
	}
	return a < b
}

// Source precedences. A property set from a higher precedence replaces one
// from a lower; at equal precedence the first value set is kept.
const (
	// prioLow: legacy or informal fields (Windows XP tags, PNG text, GIF
	// comments) used only when nothing better exists.
	prioLow = 5
	// prioEXIF: EXIF/TIFF tags.
	prioEXIF = 10
	// prioIPTC: IPTC IIM, and the native metadata of documents (PDF Info,
	// OOXML/ODF properties, HTML meta, e-mail headers).
	prioIPTC = 20
	// prioXMP: embedded XMP.
	prioXMP = 30
	// prioIPTCNewer: IPTC IIM whose digest shows it was edited after the
	// XMP was written (MWG): it wins over XMP for the values it holds.
	prioIPTCNewer = 35
	// prioFile: facts read from the file structure itself (pixel size,
	// bit depth, page count): no embedded claim overrides them.
	prioFile = 40
)

type candidate struct {
	v    Value
	prio int
}

// builder collects candidate values from the readers and merges them.
type builder struct {
	opts     Options
	format   string
	props    map[string]candidate
	warnings []string
	seenWarn map[string]bool
	extraNS  map[string]string // prefix -> URI
	fullWarn bool
}

func newBuilder(opts Options) *builder {
	return &builder{opts: opts, props: map[string]candidate{}, seenWarn: map[string]bool{}, extraNS: map[string]string{}}
}

const maxWarnings = 50

func (b *builder) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if b.seenWarn[msg] {
		return
	}
	b.seenWarn[msg] = true
	if len(b.warnings) == maxWarnings {
		b.warnings = append(b.warnings, "further warnings omitted")
	}
	if len(b.warnings) > maxWarnings {
		return
	}
	b.warnings = append(b.warnings, msg)
}

// has reports whether key is set at precedence prio or above.
func (b *builder) has(key string, prio int) bool {
	c, ok := b.props[key]
	return ok && c.prio >= prio
}

func (b *builder) get(key string) (Value, bool) {
	c, ok := b.props[key]
	return c.v, ok
}

// set proposes a value for key at the given precedence.
func (b *builder) set(key string, v Value, prio int) {
	v, ok := b.clean(key, v)
	if !ok {
		return
	}
	if c, ok := b.props[key]; ok {
		if c.prio >= prio {
			return
		}
	} else if len(b.props) >= b.opts.MaxProperties {
		if !b.fullWarn {
			b.fullWarn = true
			b.warn("more than %d properties: the rest were dropped", b.opts.MaxProperties)
		}
		return
	}
	b.props[key] = candidate{v, prio}
}

// del removes a property.
func (b *builder) del(key string) { delete(b.props, key) }

func (b *builder) clean(key string, v Value) (Value, bool) {
	switch v.Kind {
	case KindText, KindDate:
		v.Text = b.cleanText(key, v.Text)
	case KindNumber:
		v.Text = b.cleanText(key, v.Text)
	case KindLangAlt:
		alt := make([]LangText, 0, len(v.Alt))
		for _, a := range v.Alt {
			if len(alt) >= b.opts.MaxListItems {
				b.warn("%s: more than %d entries: the rest were dropped", key, b.opts.MaxListItems)
				break
			}
			a.Text = b.cleanText(key, a.Text)
			a.Lang = cleanLang(a.Lang)
			if a.Text != "" {
				alt = append(alt, a)
			}
		}
		// x-default first.
		sort.SliceStable(alt, func(i, j int) bool { return alt[i].Lang == "x-default" && alt[j].Lang != "x-default" })
		if len(alt) > 0 && alt[0].Lang != "x-default" {
			alt = append([]LangText{{"x-default", alt[0].Text}}, alt...)
		}
		v.Alt = alt
	case KindSeq, KindBag:
		items := make([]Value, 0, len(v.Items))
		for _, it := range v.Items {
			if len(items) >= b.opts.MaxListItems {
				b.warn("%s: more than %d items: the rest were dropped", key, b.opts.MaxListItems)
				break
			}
			if it.Kind == KindSeq || it.Kind == KindBag || it.Kind == KindLangAlt {
				it = Text(it.String())
			}
			it, ok := b.clean(key, it)
			if ok {
				items = append(items, it)
			}
		}
		v.Items = items
	case KindBool:
	default:
		return v, false
	}
	return v, !v.empty()
}

func (b *builder) cleanText(key, s string) string {
	s = cleanString(s)
	if max := b.opts.MaxValueBytes; len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
		b.warn("%s: value longer than %d bytes was cut", key, max)
	}
	return s
}

// cleanString makes s valid UTF-8 without the characters XML 1.0 forbids,
// and trims surrounding white space and NULs.
func cleanString(s string) string {
	ok := utf8.ValidString(s)
	if ok {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				ok = false
				break
			}
			if c == 0xEF && (strings.HasPrefix(s[i:], "\uFFFE") || strings.HasPrefix(s[i:], "\uFFFF")) {
				ok = false
				break
			}
		}
	}
	if !ok {
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return r
			}
			if r < 0x20 || r == 0xFFFE || r == 0xFFFF {
				if r == 0 {
					return -1
				}
				return ' '
			}
			return r
		}, strings.ToValidUTF8(s, "\uFFFD"))
	}
	return strings.Trim(s, " \t\r\n\x00")
}

func cleanLang(l string) string {
	l = strings.TrimSpace(l)
	if l == "" || strings.EqualFold(l, "x-default") {
		return "x-default"
	}
	for _, r := range l {
		if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "x-default"
		}
	}
	if len(l) > 35 {
		return "x-default"
	}
	return l
}

// finish merges the candidates into a Metadata.
func (b *builder) finish() *Metadata {
	b.normalize()
	m := &Metadata{Format: b.format, Warnings: b.warnings, extraNS: b.extraNS}
	for k, c := range b.props {
		m.Properties = append(m.Properties, Property{k, c.v})
	}
	sort.Slice(m.Properties, func(i, j int) bool { return propLess(m.Properties[i].Key, m.Properties[j].Key, m) })
	if m.Warnings == nil {
		m.Warnings = []string{}
	}
	return m
}

// normalize applies the cross-property rules after all readers ran.
func (b *builder) normalize() {
	if b.format != "" {
		b.set("dc:format", Text(b.format), prioFile)
	}
	// GPS altitude: JSON carries the signed altitude (negative below sea
	// level); XMP keeps the unsigned rational and GPSAltitudeRef.
	if alt, ok := b.props["exif:GPSAltitude"]; ok && alt.v.Kind == KindNumber {
		ref, _ := b.props["exif:GPSAltitudeRef"]
		if ref.v.Kind == KindNumber && ref.v.Num == 1 && alt.v.Num > 0 {
			alt.v.Num = -alt.v.Num
		} else if alt.v.Num < 0 && ref.v.Kind == 0 {
			// Signed input without a reference: make the XMP form correct.
			b.props["exif:GPSAltitudeRef"] = candidate{Number(1), alt.prio}
			alt.v.Text = formatNumber(-alt.v.Num)
		}
		b.props["exif:GPSAltitude"] = alt
	}
	// The marker of an Extended XMP packet describes the file, not the asset.
	delete(b.props, "xmpNote:HasExtendedXMP")
}
