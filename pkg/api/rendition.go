package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Limits on instruction values that are enforced when a rendition is parsed.
const (
	// MaxDimension is the largest width, height, maxWidth or maxHeight accepted.
	MaxDimension = 100000
	// MaxEmbedBinaryLimit is the largest embedBinaryLimit accepted, in bytes.
	MaxEmbedBinaryLimit = 32768
	// MaxDPI is the largest dpi or convertToDpi value accepted.
	MaxDPI = 10000
)

// DPI is a resolution in dots per inch. On the wire it is a number (both axes)
// or an object {xdpi, ydpi}.
type DPI struct {
	X float64 `json:"xdpi"`
	Y float64 `json:"ydpi"`
}

// Crop is a crop instruction: a rectangle in source pixels, or Smart for the
// libvips attention strategy. On the wire it is {x, y, w, h} or "smart".
type Crop struct {
	X, Y, W, H int
	Smart      bool
}

// MarshalJSON writes "smart" or the rectangle.
func (c Crop) MarshalJSON() ([]byte, error) {
	if c.Smart {
		return []byte(`"smart"`), nil
	}
	return json.Marshal(map[string]int{"x": c.X, "y": c.Y, "w": c.W, "h": c.H})
}

// MaxMediaTime is the largest time instruction, in seconds (over a year).
const MaxMediaTime = 1e8

// MediaTime is the time instruction of an image rendition of a video (or
// audio) source: Seconds from the start, or, when IsPercent, Percent (0 to
// 100) of the duration. On the wire it is a number of seconds (at least
// 0) or a string "N%".
type MediaTime struct {
	Seconds   float64
	Percent   float64
	IsPercent bool
}

// String writes the time as on the wire: "12.5" or "10%".
func (t MediaTime) String() string {
	if t.IsPercent {
		return strconv.FormatFloat(t.Percent, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(t.Seconds, 'f', -1, 64)
}

// MarshalJSON writes a number of seconds or the string "N%".
func (t MediaTime) MarshalJSON() ([]byte, error) {
	if t.IsPercent {
		return json.Marshal(t.String())
	}
	return []byte(t.String()), nil
}

// The values of the raw instruction (Rendition.Raw).
const (
	RawAuto    = "auto"
	RawPreview = "preview"
	RawDevelop = "develop"
)

// MaxSampledFrames is the most frames a storyboard (columns times rows) or
// an animated preview of a video samples.
const MaxSampledFrames = 100

// Limits of the fps instruction, in frames per second.
const (
	MinFPS = 0.1
	MaxFPS = 30
)

// Limits of the preview clip instructions (fmt mp4).
const (
	// MaxPreviewDuration is the largest maxDuration, in seconds.
	MaxPreviewDuration = 300
	// MinBitrate and MaxBitrate bound the bitrate instruction, in bits
	// per second.
	MinBitrate = 10_000
	MaxBitrate = 50_000_000
)

// Storyboard is the storyboard instruction: a contact sheet of Columns x
// Rows frames of a video source, evenly spread over its duration, left to
// right and top to bottom. On the wire {"columns": 4, "rows": 3}.
type Storyboard struct {
	Columns int `json:"columns"`
	Rows    int `json:"rows"`
}

// Waveform is the waveform instruction: how the waveform image of an audio
// source without cover art is drawn. Color is the colour of the wave,
// "#rgb" or "#rrggbb" in lower case. On the wire {"color": "#RRGGBB"}.
// The background is the rendition's background instruction: transparent
// without one in the formats with alpha.
type Waveform struct {
	Color string `json:"color"`
}

// Watermark is an image drawn centred over the rendition, fitted to Scale
// times the rendition's size.
type Watermark struct {
	Image string  `json:"image"`
	Scale float64 `json:"scale,omitempty"`
}

// Rendition holds the instructions for one rendition. Fields that are not set
// on the wire are nil or zero. Keys the contract does not define are kept in
// Extra and passed through to custom workers.
type Rendition struct {
	Fmt              string
	Name             string
	Target           Target
	Worker           string
	UserData         json.RawMessage
	Width            *int
	Height           *int
	Upscale          bool
	MaxWidth         *int
	MaxHeight        *int
	Quality          *int
	JPEGSize         *int64
	Interlace        bool
	DPI              *DPI
	ConvertToDPI     *DPI
	Crop             *Crop
	Watermark        *Watermark
	Background       string
	CompressionLevel *int
	Page             *int
	XMP              string
	EmbedBinaryLimit *int64
	Animated         bool
	// Language picks, for a text rendition of a source holding texts in
	// several languages (a video's subtitle or caption tracks), the text
	// in this language: a BCP 47 tag or ISO 639 code such as "en",
	// "en-US" or "fra". Without it, the first track is read. For the text
	// of an image or of a PDF without a text layer (OCR) it is the
	// language of the text, or several joined by "+" ("deu+eng"), as BCP
	// 47 tags or Tesseract model names ("chi_sim"); without it, the
	// deployment's default (setting ocrLanguage). It applies to fmt text
	// only.
	Language string
	// Time picks the moment of a video or audio source an image rendition
	// shows; nil asks for a representative frame.
	Time *MediaTime
	// Storyboard asks for a contact sheet of a video source's frames.
	Storyboard *Storyboard
	// Waveform sets how the waveform of an audio source without cover
	// art is drawn; nil takes the default colour.
	Waveform *Waveform
	// Frames and FPS shape the animated preview of a video source
	// (animated: true): how many frames, evenly spread over the
	// duration, and the playback rate in frames per second.
	Frames *int
	FPS    *float64
	// MaxDuration is the longest preview clip (fmt mp4), in seconds
	// (more than 0, at most MaxPreviewDuration); nil takes the default,
	// 30 s.
	MaxDuration *float64
	// Bitrate is the video bit rate of a preview clip (fmt mp4), in bits
	// per second. On the wire an integer or a string with a k or M
	// suffix ("800k", "1.5M"), from MinBitrate to MaxBitrate.
	Bitrate *int64
	// Raw says how an image rendition of a camera raw source is made:
	// RawPreview ("preview") from the best embedded preview, RawDevelop
	// ("develop") from the raw data developed by LibRaw, RawAuto ("auto",
	// or unset) from the smallest embedded preview at least the size
	// asked for, developing the raw data when none is.
	Raw string
	// Features lists what an analysis rendition (fmt analysis) computes,
	// each one of AnalysisFeatures; nil computes them all but text (which
	// runs OCR). Duplicates are
	// dropped, the order is kept.
	Features []string
	// SourceRendition, when set, names another rendition of the same
	// request (by its name) whose output is this rendition's source in
	// place of the request's source: on the wire {"source": {"rendition":
	// "<name>"}}. See Request.CheckRenditions for the rules.
	SourceRendition string
	// Intermediate is set by Request.CheckRenditions on a rendition
	// without target (nor embedBinaryLimit) that another rendition takes
	// as its source: it is made only to feed those, and is not reported.
	// Never serialised.
	Intermediate bool `json:"-"`
	// BlurFaces asks an image rendition to blur every face the detector
	// finds in it (see pkg/analysis/faces), with a margin around each.
	BlurFaces bool
	// Threshold and MaxTags bound the tags of an analysis (the tags
	// feature): the lowest confidence kept (0 to 1) and the most tags
	// kept; nil takes the defaults (package tagging).
	Threshold *float64
	MaxTags   *int
	// Analysis, on an xmp or machine-metadata-json rendition, lists the
	// analysis features whose values are merged into the metadata (see
	// FieldAnalysis).
	Analysis []string
	// Extra holds keys the contract does not define, as given.
	Extra map[string]json.RawMessage
	// Verbatim is the rendition's instructions as the client wrote them
	// (aliases such as wid and type included), without target and with
	// URL query strings removed: ParseRendition sets it, and events echo
	// it as "instructions" beside the normalised rendition, as the
	// hosted service echoes its requests. MarshalJSON does not write it.
	Verbatim json.RawMessage `json:"-"`

	// Invalid is set by DecodeRequest when the instructions could not be
	// used; the rendition then fails on its own, with reason
	// ReasonOf(Invalid) and message MessageOf(Invalid). Never serialised.
	Invalid error `json:"-"`
}

// Family returns the built-in family of the rendition's fmt, and false when
// the fmt is not a built-in one.
func (r *Rendition) Family() (Family, bool) { return FormatFamily(r.Fmt) }

// WithoutTarget returns a copy of r with the target removed, as echoed in
// events.
func (r Rendition) WithoutTarget() Rendition {
	r.Target = Target{}
	r.Intermediate = false
	r.Invalid = nil
	return r
}

// IntOr returns *p, or def when p is nil.
func IntOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// maxCropCoordinate bounds crop values (source pixels can exceed
// MaxDimension, which bounds outputs) so they always fit in an int.
const maxCropCoordinate = MaxDimension * 10

// isHexColor reports whether s is a colour written #RGB or #RRGGBB.
func isHexColor(s string) bool {
	if (len(s) != 4 && len(s) != 7) || s[0] != '#' {
		return false
	}
	for _, c := range []byte(s[1:]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isLanguageTag reports whether s is written like a BCP 47 language tag:
// a language subtag of 2 to 8 letters, then subtags of 1 to 8 letters or
// digits, separated by hyphens, at most 35 characters in all.
func isLanguageTag(s string) bool {
	if s == "" || len(s) > 35 {
		return false
	}
	for i, sub := range strings.Split(s, "-") {
		if len(sub) < 1 || len(sub) > 8 || (i == 0 && len(sub) < 2) {
			return false
		}
		for _, c := range []byte(sub) {
			letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// knownKeys are the keys that parseRendition consumes; "url" and
// "pdfbgcolor" are accepted aliases of "target" and "background".
var knownKeys = map[string]bool{
	"fmt": true, "name": true, "target": true, "url": true, "worker": true, "userData": true,
	"width": true, "height": true, "upscale": true, "maxWidth": true, "maxHeight": true,
	"quality": true, "jpegSize": true, "interlace": true, "dpi": true, "convertToDpi": true,
	"crop": true, "watermark": true, "background": true, "pdfbgcolor": true,
	"compressionLevel": true, "page": true, "xmp": true, "embedBinaryLimit": true, "animated": true,
	"language": true,
	"time":     true, "storyboard": true, "frames": true, "fps": true,
	"maxDuration": true, "bitrate": true,
	"waveform": true,
	"raw":      true,
	"features": true,
	"source":   true,

	"blurFaces": true,

	"threshold": true, "maxTags": true, "analysis": true,
}

// keyAliases maps the hosted Asset Compute service's instruction names to
// ours: a request written for it is read unchanged. Giving an alias and
// its field with different values is refused, naming both.
var keyAliases = map[string]string{
	"wid": "width",
	"hei": "height",
	"qlt": "quality",
}

// builtinExtraKeys are the instructions a built-in action reads from
// Rendition.Extra rather than from a typed field (the fulltext action's
// maxChars; compression, which Validate refuses with its own message). A
// built-in action that reads a new key from Extra adds it here, or the
// key is refused as unknown.
var builtinExtraKeys = map[string]bool{
	"maxChars":    true,
	"compression": true,
}

// IsInstructionKey reports whether key is an instruction a built-in
// rendition accepts: a contract field, one of its aliases (url,
// pdfbgcolor, wid, hei, qlt, type) or a key a built-in action reads from
// Extra. Any other key on a rendition of a built-in fmt is refused.
func IsInstructionKey(key string) bool {
	_, alias := keyAliases[key]
	return knownKeys[key] || alias || key == "type" || builtinExtraKeys[key]
}

// FieldError reports an instruction field whose value is not allowed. Its
// message names the field and the allowed values.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// UnmarshalJSON parses and validates rendition instructions strictly.
func (r *Rendition) UnmarshalJSON(data []byte) error {
	parsed, err := ParseRendition(data)
	if err != nil {
		return err
	}
	*r = parsed
	return nil
}

// ParseRendition parses and validates one rendition's instructions: each
// field on its own, then the instructions against the fmt (Validate). On
// error it still returns what it could read (name, fmt, worker, userData,
// target), so a failure event can describe the rendition. The error is an
// *Error with reason RenditionFormatUnsupported for an unknown fmt and
// GenericError for any other invalid field or combination; its message
// names the field.
func ParseRendition(data []byte) (Rendition, error) {
	var r Rendition
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return r, Errorf(ReasonGeneric, "rendition must be a JSON object")
	}
	p := parser{raw: raw}
	// Identity first, so a failure can still be reported against it.
	r.Name = p.str("name")
	r.Worker = strings.TrimSpace(p.str("worker"))
	r.Fmt = CanonicalFormat(p.str("fmt"))
	r.Verbatim = verbatimInstructions(raw)
	if _, ok := p.first("type"); ok {
		r.Fmt = p.mimeType(r.Fmt, r.Worker != "")
	}
	p.aliases()
	if ud, ok := raw["userData"]; ok {
		r.UserData = ud
	}
	if t, ok := p.first("target", "url"); ok {
		if err := json.Unmarshal(raw[t], &r.Target); err != nil {
			p.fail(fieldErr(t, "%v", err))
		} else if err := r.Target.Validate(); err != nil {
			p.fail(fieldErr(t, "%v", err))
		}
	}
	r.Width = p.dimension(p.key("width"))
	r.Height = p.dimension(p.key("height"))
	r.MaxWidth = p.dimension("maxWidth")
	r.MaxHeight = p.dimension("maxHeight")
	r.Upscale = p.boolean("upscale")
	r.Interlace = p.boolean("interlace")
	r.Animated = p.boolean("animated")
	r.BlurFaces = p.boolean("blurFaces")
	r.Quality = p.intRange(p.key("quality"), 1, 100)
	r.CompressionLevel = p.intRange("compressionLevel", 0, 9)
	r.Page = p.intRange("page", 1, math.MaxInt32)
	if v := p.intRange("jpegSize", 1, math.MaxInt32); v != nil {
		n := int64(*v)
		r.JPEGSize = &n
	}
	if v := p.intRange("embedBinaryLimit", 0, MaxEmbedBinaryLimit); v != nil {
		n := int64(*v)
		r.EmbedBinaryLimit = &n
	}
	r.DPI = p.dpi("dpi")
	r.ConvertToDPI = p.dpi("convertToDpi")
	r.Crop = p.crop("crop")
	r.Watermark = p.watermark("watermark")
	r.Time = p.mediaTime("time")
	r.Storyboard = p.storyboard("storyboard")
	r.Waveform = p.waveform("waveform")
	r.Frames = p.intRange("frames", 1, MaxSampledFrames)
	r.FPS = p.fps("fps")
	r.MaxDuration = p.maxDuration("maxDuration")
	r.Bitrate = p.bitrate("bitrate")
	if k, ok := p.first("background", "pdfbgcolor"); ok {
		bg := p.str(k)
		if !isHexColor(bg) {
			p.fail(fieldErr(k, "must be a colour #RGB or #RRGGBB, got %q", bg))
		} else {
			r.Background = strings.ToLower(bg)
		}
	}
	if _, ok := p.first("xmp"); ok {
		x := p.str("xmp")
		if _, err := base64.StdEncoding.DecodeString(x); err != nil || x == "" {
			p.fail(fieldErr("xmp", "must be a base64-encoded XMP packet"))
		} else {
			r.XMP = x
		}
	}
	if _, ok := p.first("raw"); ok {
		v := p.str("raw")
		switch v {
		case RawAuto, RawPreview, RawDevelop:
			r.Raw = v
		default:
			p.fail(fieldErr("raw", `must be "auto", "preview" or "develop", got %s`, abbreviate(raw["raw"])))
		}
	}
	if _, ok := p.first("features"); ok {
		r.Features = parseFeatures(&p, raw["features"])
	}
	if _, ok := p.first("source"); ok {
		r.SourceRendition = parseSourceRendition(&p, raw["source"])
	}
	parseTagInstructions(&p, &r)
	if _, ok := p.first("language"); ok {
		l := p.str("language")
		if !isLanguageList(l) {
			p.fail(fieldErr("language", `must be a language tag such as "en", "en-US" or "fra" (BCP 47), or for OCR Tesseract languages joined by "+" such as "deu+eng", got %q`, l))
		} else {
			r.Language = l
		}
	}
	for k, v := range raw {
		// A custom worker receives every key, the hosted service's
		// aliases as given too; a built-in action only those it reads.
		_, alias := keyAliases[k]
		if !knownKeys[k] && (r.Worker != "" || !alias && k != "type") {
			if r.Extra == nil {
				r.Extra = map[string]json.RawMessage{}
			}
			r.Extra[k] = v
		}
	}

	// Checks across fields.
	switch {
	case r.Fmt == "" && r.Worker == "":
		p.fail(fieldErr("fmt", "is required unless worker is set; one of %s", strings.Join(BuiltinFormats(), ", ")))
	case r.Worker == "":
		if _, ok := FormatFamily(r.Fmt); !ok {
			if p.err == nil {
				p.err = Errorf(ReasonRenditionFormatUnsupported,
					"fmt: %q is not supported; use one of %s, or set worker to route it to a custom action",
					r.Fmt, strings.Join(BuiltinFormats(), ", "))
			}
		}
	}
	if r.Worker == "" && p.err == nil {
		if _, builtin := FormatFamily(r.Fmt); builtin {
			p.unknownKeys(r.Fmt)
		}
	}
	if r.Target.IsZero() && r.EmbedBinaryLimit == nil && p.err == nil {
		p.fail(errMissingTarget)
	}
	if p.err == nil {
		// Instructions the fmt cannot honour, last: each field is valid
		// on its own by now.
		if err := r.Validate(); err != nil {
			p.err = err
		}
	}
	return r, p.err
}

// parser reads typed fields from a raw object, keeping the first error.
type parser struct {
	raw map[string]json.RawMessage
	err error
}

func (p *parser) fail(fe *FieldError) {
	if p.err == nil {
		p.err = &Error{Reason: ReasonGeneric, Message: fe.Error(), Err: fe}
	}
}

// key returns the key the client gave field under: the hosted service's
// alias when only it is present, else field itself.
func (p *parser) key(field string) string {
	if _, ok := p.first(field); ok {
		return field
	}
	for alias, f := range keyAliases {
		if f == field {
			if _, ok := p.first(alias); ok {
				return alias
			}
		}
	}
	return field
}

// aliases refuses an alias given beside its field with another value.
func (p *parser) aliases() {
	for _, alias := range sortedKeys(keyAliases) {
		field := keyAliases[alias]
		_, hasAlias := p.first(alias)
		_, hasField := p.first(field)
		if hasAlias && hasField && !jsonEqual(p.raw[alias], p.raw[field]) {
			p.fail(fieldErr(alias, "%s conflicts with %s %s; %s is the hosted service's name for %s, give one of them",
				abbreviate(p.raw[alias]), field, abbreviate(p.raw[field]), alias, field))
		}
	}
}

// mimeType reads the type instruction, a media type, and returns the
// rendition's fmt: fmt when it is set (type must then agree with it),
// else the built-in fmt of that media type. A custom worker's rendition
// keeps an unknown type as given (it receives every key).
func (p *parser) mimeType(fmtValue string, custom bool) string {
	t := p.str("type")
	base, _, _ := strings.Cut(t, ";")
	base = strings.ToLower(strings.TrimSpace(base))
	if fmtValue != "" {
		if _, builtin := FormatFamily(fmtValue); !builtin {
			return fmtValue
		}
		if want := mimeBase(FormatMimeType(fmtValue)); base != want {
			p.fail(fieldErr("type", "%q conflicts with fmt %q, whose media type is %s; give one of them", t, fmtValue, want))
		}
		return fmtValue
	}
	var match []string
	for _, f := range BuiltinFormats() {
		if mimeBase(FormatMimeType(f)) == base {
			match = append(match, f)
		}
	}
	switch {
	case len(match) == 1:
		return match[0]
	case custom:
		return fmtValue
	case len(match) > 1:
		p.fail(fieldErr("type", "%q is the media type of several formats (%s); set fmt instead", t, strings.Join(match, ", ")))
	default:
		if p.err == nil {
			p.err = Errorf(ReasonRenditionFormatUnsupported,
				"type: %q is not the media type of a supported format; set fmt to one of %s, or set worker to route it to a custom action",
				t, strings.Join(BuiltinFormats(), ", "))
		}
	}
	return fmtValue
}

// unknownKeys refuses, on a rendition of a built-in fmt, any key that is
// not one of its instructions: it would otherwise be silently ignored.
// A key whose value is null is absent, as for every other field.
func (p *parser) unknownKeys(fmtValue string) {
	var unknown []string
	for k, v := range p.raw {
		if !IsInstructionKey(k) && string(v) != "null" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return
	}
	sort.Strings(unknown)
	p.fail(fieldErr(unknown[0], "is not an instruction of %s renditions, which would ignore it (unknown keys: %s); set worker to send your own keys to a custom action",
		fmtValue, strings.Join(unknown, ", ")))
}

// mimeBase returns a media type without its parameters, in lower case.
func mimeBase(t string) string {
	base, _, _ := strings.Cut(t, ";")
	return strings.ToLower(strings.TrimSpace(base))
}

// jsonEqual reports whether two JSON values are equal once decoded.
func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// verbatimInstructions returns the instructions as the client wrote them,
// for events: without target (and its alias url), as the hosted service
// echoes them, and with the query string of every URL removed (presigned
// signatures never reach an event).
func verbatimInstructions(raw map[string]json.RawMessage) json.RawMessage {
	m := make(map[string]any, len(raw))
	for k, v := range raw {
		if k == "target" || k == "url" {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var x any
		if dec.Decode(&x) != nil {
			continue
		}
		m[k] = redactStrings(x)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

// redactStrings applies RedactURL to every string in x that looks like a
// URL or a data: URI.
func redactStrings(x any) any {
	switch v := x.(type) {
	case string:
		if looksLikeURL(v) || isDataURI(v) {
			return RedactURL(v)
		}
		return v
	case []any:
		for i := range v {
			v[i] = redactStrings(v[i])
		}
		return v
	case map[string]any:
		for k := range v {
			v[k] = redactStrings(v[k])
		}
		return v
	}
	return x
}

// first returns the first of the given keys that is present. A key whose
// value is null is absent, as it is for every other field.
func (p *parser) first(keys ...string) (string, bool) {
	for _, k := range keys {
		if v, ok := p.raw[k]; ok && string(v) != "null" {
			return k, true
		}
	}
	return "", false
}

func (p *parser) str(key string) string {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		p.fail(fieldErr(key, "must be a string, got %s", abbreviate(v)))
		return ""
	}
	return s
}

func (p *parser) boolean(key string) bool {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return false
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		p.fail(fieldErr(key, "must be true or false, got %s", abbreviate(v)))
	}
	return b
}

// number decodes a JSON number, reporting whether raw is one. A quoted
// numeral ("10") is not a number: encoding/json would accept it into a
// json.Number, so it is refused here first.
func (p *parser) number(key string, raw json.RawMessage) (float64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, false
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func (p *parser) intRange(key string, min, max int) *int {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return nil
	}
	f, isNum := p.number(key, v)
	if !isNum || f != math.Trunc(f) || f < float64(min) || f > float64(max) {
		if max == math.MaxInt32 {
			p.fail(fieldErr(key, "must be an integer of at least %d, got %s", min, abbreviate(v)))
		} else {
			p.fail(fieldErr(key, "must be an integer from %d to %d, got %s", min, max, abbreviate(v)))
		}
		return nil
	}
	n := int(f)
	return &n
}

func (p *parser) dimension(key string) *int { return p.intRange(key, 1, MaxDimension) }

func (p *parser) dpi(key string) *DPI {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return nil
	}
	valid := func(f float64) bool { return f > 0 && f <= MaxDPI }
	if f, isNum := p.number(key, v); isNum {
		if !valid(f) {
			p.fail(fieldErr(key, "must be a number above 0 and at most %d, or {xdpi, ydpi}, got %s", MaxDPI, abbreviate(v)))
			return nil
		}
		return &DPI{X: f, Y: f}
	}
	var d struct {
		X *float64 `json:"xdpi"`
		Y *float64 `json:"ydpi"`
	}
	if err := json.Unmarshal(v, &d); err != nil || d.X == nil || d.Y == nil || !valid(*d.X) || !valid(*d.Y) {
		p.fail(fieldErr(key, "must be a number above 0 and at most %d, or {xdpi, ydpi}, got %s", MaxDPI, abbreviate(v)))
		return nil
	}
	return &DPI{X: *d.X, Y: *d.Y}
}

func (p *parser) crop(key string) *Crop {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		if strings.EqualFold(s, "smart") {
			return &Crop{Smart: true}
		}
		p.fail(fieldErr(key, `must be "smart" or {x, y, w, h}, got %s`, abbreviate(v)))
		return nil
	}
	var c struct {
		X, Y, W, H *float64
	}
	if err := json.Unmarshal(v, &c); err != nil || c.X == nil || c.Y == nil || c.W == nil || c.H == nil {
		p.fail(fieldErr(key, `must be "smart" or {x, y, w, h} with all four integers, got %s`, abbreviate(v)))
		return nil
	}
	for _, f := range []*float64{c.X, c.Y, c.W, c.H} {
		if *f != math.Trunc(*f) {
			p.fail(fieldErr(key, "x, y, w and h must be integers, got %s", abbreviate(v)))
			return nil
		}
		if *f > maxCropCoordinate {
			p.fail(fieldErr(key, "x, y, w and h must be at most %d, got %s", maxCropCoordinate, abbreviate(v)))
			return nil
		}
	}
	if *c.X < 0 || *c.Y < 0 || *c.W < 1 || *c.H < 1 {
		p.fail(fieldErr(key, "x and y must be at least 0 and w and h at least 1, got %s", abbreviate(v)))
		return nil
	}
	return &Crop{X: int(*c.X), Y: int(*c.Y), W: int(*c.W), H: int(*c.H)}
}

func (p *parser) mediaTime(key string) *MediaTime {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return nil
	}
	if f, isNum := p.number(key, v); isNum {
		if f < 0 || f > MaxMediaTime {
			p.fail(fieldErr(key, "must be seconds from 0 to %g or a percentage \"N%%\" from 0 to 100, got %s", MaxMediaTime, abbreviate(v)))
			return nil
		}
		return &MediaTime{Seconds: f}
	}
	var str string
	if err := json.Unmarshal(v, &str); err == nil {
		if num, ok := strings.CutSuffix(strings.TrimSpace(str), "%"); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err == nil && f >= 0 && f <= 100 {
				return &MediaTime{Percent: f, IsPercent: true}
			}
		}
	}
	p.fail(fieldErr(key, "must be seconds (a number of at least 0) or a percentage of the duration such as \"10%%\" (0 to 100), got %s", abbreviate(v)))
	return nil
}

func (p *parser) storyboard(key string) *Storyboard {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return nil
	}
	var sb struct {
		Columns, Rows *float64
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sb); err != nil || sb.Columns == nil || sb.Rows == nil ||
		*sb.Columns != math.Trunc(*sb.Columns) || *sb.Rows != math.Trunc(*sb.Rows) ||
		*sb.Columns < 1 || *sb.Rows < 1 || *sb.Columns**sb.Rows > MaxSampledFrames {
		p.fail(fieldErr(key, "must be {columns, rows}, integers of at least 1 with at most %d frames in all, got %s", MaxSampledFrames, abbreviate(v)))
		return nil
	}
	return &Storyboard{Columns: int(*sb.Columns), Rows: int(*sb.Rows)}
}

func (p *parser) waveform(key string) *Waveform {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return nil
	}
	var w struct {
		Color *string `json:"color"`
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil || w.Color == nil || !isHexColor(*w.Color) {
		p.fail(fieldErr(key, `must be {color: "#RRGGBB"} with a colour #RGB or #RRGGBB (the background is the background instruction), got %s`, abbreviate(v)))
		return nil
	}
	return &Waveform{Color: strings.ToLower(*w.Color)}
}

func (p *parser) fps(key string) *float64 {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return nil
	}
	f, isNum := p.number(key, v)
	if !isNum || f < MinFPS || f > MaxFPS {
		p.fail(fieldErr(key, "must be a number of frames per second from %g to %d, got %s", MinFPS, MaxFPS, abbreviate(v)))
		return nil
	}
	return &f
}

func (p *parser) maxDuration(key string) *float64 {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return nil
	}
	f, isNum := p.number(key, v)
	if !isNum || f <= 0 || f > MaxPreviewDuration {
		p.fail(fieldErr(key, "must be a number of seconds, more than 0 and at most %d, got %s", MaxPreviewDuration, abbreviate(v)))
		return nil
	}
	return &f
}

// bitrate reads a bit rate: an integer of bits per second, or a string of
// a number with an optional k (thousand) or M (million) suffix.
func (p *parser) bitrate(key string) *int64 {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return nil
	}
	bad := func() *int64 {
		p.fail(fieldErr(key, "must be bits per second from %d to %d: an integer, or a string such as \"800k\" or \"1.5M\", got %s", MinBitrate, MaxBitrate, abbreviate(v)))
		return nil
	}
	f, isNum := p.number(key, v)
	if !isNum {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return bad()
		}
		s = strings.TrimSpace(s)
		mult := 1.0
		switch {
		case strings.HasSuffix(s, "k") || strings.HasSuffix(s, "K"):
			mult, s = 1e3, s[:len(s)-1]
		case strings.HasSuffix(s, "M") || strings.HasSuffix(s, "m"):
			mult, s = 1e6, s[:len(s)-1]
		}
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return bad()
		}
		f = n * mult
	}
	if f != math.Trunc(f) || f < MinBitrate || f > MaxBitrate {
		return bad()
	}
	n := int64(f)
	return &n
}

func (p *parser) watermark(key string) *Watermark {
	v, ok := p.raw[key]
	if !ok || string(v) == "null" {
		return nil
	}
	var w struct {
		Image string   `json:"image"`
		Scale *float64 `json:"scale"`
	}
	if err := json.Unmarshal(v, &w); err != nil || strings.TrimSpace(w.Image) == "" {
		p.fail(fieldErr(key, "must be {image: url, scale: 0..1} with an image URL, got %s", abbreviate(v)))
		return nil
	}
	out := &Watermark{Image: w.Image, Scale: 1}
	if w.Scale != nil {
		if *w.Scale <= 0 || *w.Scale > 1 {
			p.fail(fieldErr(key, "scale must be above 0 and at most 1, got %v", *w.Scale))
			return nil
		}
		out.Scale = *w.Scale
	}
	return out
}

// abbreviate shortens a raw JSON value for an error message.
func abbreviate(v json.RawMessage) string {
	s := string(v)
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

// MarshalJSON writes the instructions with their wire names; unknown keys
// from Extra are written as given. Keys come out in sorted order.
func (r Rendition) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	for k, v := range r.Extra {
		m[k] = v
	}
	put := func(key string, set bool, v any) {
		if set {
			m[key] = v
		}
	}
	put("fmt", r.Fmt != "", r.Fmt)
	put("name", r.Name != "", r.Name)
	put("target", !r.Target.IsZero(), r.Target)
	put("worker", r.Worker != "", r.Worker)
	put("userData", len(r.UserData) > 0, r.UserData)
	put("width", r.Width != nil, r.Width)
	put("height", r.Height != nil, r.Height)
	put("upscale", r.Upscale, true)
	put("maxWidth", r.MaxWidth != nil, r.MaxWidth)
	put("maxHeight", r.MaxHeight != nil, r.MaxHeight)
	put("quality", r.Quality != nil, r.Quality)
	put("jpegSize", r.JPEGSize != nil, r.JPEGSize)
	put("interlace", r.Interlace, true)
	put("dpi", r.DPI != nil, r.DPI)
	put("convertToDpi", r.ConvertToDPI != nil, r.ConvertToDPI)
	put("crop", r.Crop != nil, r.Crop)
	put("watermark", r.Watermark != nil, r.Watermark)
	put("background", r.Background != "", r.Background)
	put("compressionLevel", r.CompressionLevel != nil, r.CompressionLevel)
	put("page", r.Page != nil, r.Page)
	put("xmp", r.XMP != "", r.XMP)
	put("embedBinaryLimit", r.EmbedBinaryLimit != nil, r.EmbedBinaryLimit)
	put("animated", r.Animated, true)
	put("language", r.Language != "", r.Language)
	put("time", r.Time != nil, r.Time)
	put("storyboard", r.Storyboard != nil, r.Storyboard)
	put("waveform", r.Waveform != nil, r.Waveform)
	put("frames", r.Frames != nil, r.Frames)
	put("fps", r.FPS != nil, r.FPS)
	put("maxDuration", r.MaxDuration != nil, r.MaxDuration)
	put("bitrate", r.Bitrate != nil, r.Bitrate)
	put("raw", r.Raw != "", r.Raw)
	put("features", r.Features != nil, r.Features)
	put("source", r.SourceRendition != "", map[string]string{"rendition": r.SourceRendition})
	put("blurFaces", r.BlurFaces, true)
	put("threshold", r.Threshold != nil, r.Threshold)
	put("maxTags", r.MaxTags != nil, r.MaxTags)
	put("analysis", r.Analysis != nil, r.Analysis)
	return json.Marshal(m)
}

// ExtraKeys returns the names of the unknown keys, sorted.
func (r *Rendition) ExtraKeys() []string {
	keys := make([]string, 0, len(r.Extra))
	for k := range r.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
