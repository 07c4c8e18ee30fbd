package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxJPEGXMP is the largest XMP packet, in bytes, a jpg rendition can
// embed: one APP1 segment holds 65535 bytes, less its length field and the
// XMP namespace header.
const MaxJPEGXMP = 65535 - 2 - len("http://ns.adobe.com/xap/1.0/\x00")

// imageFormats lists the image fmts in documentation order.
var imageFormats = []string{"png", "jpg", "webp", "gif", "tiff", "avif", "heic", "jxl"}

// instruction describes one image instruction: how to read it from a
// rendition, and which image fmts honour it.
type instruction struct {
	field string
	// value returns the instruction as the client wrote it (for messages),
	// and false when it is not set. A false boolean is not set: it asks
	// for the default.
	value func(r *Rendition) (string, bool)
	// fmts are the image fmts that honour the instruction; nil means all,
	// and an empty list none.
	fmts []string
	// note explains why the other image fmts do not, for the message.
	note string
	// video is true for the image instructions a preview clip (fmt mp4)
	// honours too.
	video bool
	// videoOnly is true for the instructions of preview clips only.
	videoOnly bool
	// analysis is true for the instructions an analysis rendition honours
	// (they pick the picture of the source that is analysed).
	analysis bool
}

// instructions is the table of image instructions behind Validate, in the
// order they are checked. It follows what the image engine (pkg/image)
// does with each instruction, and must change with it.
var instructions = []instruction{
	{field: "width", value: intValue(func(r *Rendition) *int { return r.Width }), video: true},
	{field: "height", value: intValue(func(r *Rendition) *int { return r.Height }), video: true},
	{field: "maxWidth", value: intValue(func(r *Rendition) *int { return r.MaxWidth }), video: true},
	{field: "maxHeight", value: intValue(func(r *Rendition) *int { return r.MaxHeight }), video: true},
	{field: "upscale", value: boolValue(func(r *Rendition) bool { return r.Upscale }), video: true},
	{field: "crop", value: func(r *Rendition) (string, bool) { return jsonValue(r.Crop, r.Crop != nil) }},
	{field: "watermark", value: func(r *Rendition) (string, bool) {
		if r.Watermark == nil {
			return "", false
		}
		// The image URL may be presigned: never echo its query.
		return fmt.Sprintf("{image: %s}", RedactURL(r.Watermark.Image)), true
	}},
	{field: "background", value: func(r *Rendition) (string, bool) { return strconv.Quote(r.Background), r.Background != "" }},
	{field: "page", value: intValue(func(r *Rendition) *int { return r.Page }), analysis: true},
	{field: "convertToDpi", value: func(r *Rendition) (string, bool) { return dpiValue(r.ConvertToDPI) }},
	{field: "quality", value: intValue(func(r *Rendition) *int { return r.Quality }), video: true,
		fmts: []string{"jpg", "webp", "avif", "heic", "jxl"},
		note: "png is lossless, gif is a palette and tiff is LZW-compressed, none with a quality setting"},
	{field: "jpegSize", value: func(r *Rendition) (string, bool) { return jsonValue(r.JPEGSize, r.JPEGSize != nil) },
		fmts: []string{"jpg"}},
	{field: "interlace", value: boolValue(func(r *Rendition) bool { return r.Interlace }),
		fmts: []string{"png", "jpg", "gif"},
		note: "the other formats have no interlaced or progressive mode"},
	{field: "compressionLevel", value: intValue(func(r *Rendition) *int { return r.CompressionLevel }),
		fmts: []string{"png"},
		note: "it is the zlib level of a png; set quality for lossy formats"},
	{field: "dpi", value: func(r *Rendition) (string, bool) { return dpiValue(r.DPI) },
		fmts: []string{"png", "jpg", "webp", "tiff", "avif", "heic"},
		note: "gif and jxl cannot record a resolution; convertToDpi still resamples"},
	{field: "xmp", value: func(r *Rendition) (string, bool) { return strconv.Quote(shorten(r.XMP)), r.XMP != "" },
		fmts: []string{"png", "jpg", "webp", "tiff", "avif", "heic"},
		note: "gif and jxl cannot hold an XMP packet"},
	{field: "animated", value: boolValue(func(r *Rendition) bool { return r.Animated }),
		fmts: []string{"webp", "gif"},
		note: "the other formats hold one frame"},
	{field: "time", value: func(r *Rendition) (string, bool) {
		if r.Time == nil {
			return "", false
		}
		return r.Time.String(), true
	}, video: true, analysis: true},
	{field: "storyboard", value: func(r *Rendition) (string, bool) { return jsonValue(r.Storyboard, r.Storyboard != nil) }},
	{field: "waveform", value: func(r *Rendition) (string, bool) { return jsonValue(r.Waveform, r.Waveform != nil) }},
	{field: "frames", value: intValue(func(r *Rendition) *int { return r.Frames }),
		fmts: []string{"webp", "gif"},
		note: "it is the length of an animated preview, which the other formats cannot hold"},
	{field: "fps", value: func(r *Rendition) (string, bool) {
		if r.FPS == nil {
			return "", false
		}
		return strconv.FormatFloat(*r.FPS, 'f', -1, 64), true
	},
		fmts: []string{"webp", "gif"},
		note: "it is the pace of an animated preview, which the other formats cannot hold"},
	{field: "maxDuration", value: func(r *Rendition) (string, bool) {
		if r.MaxDuration == nil {
			return "", false
		}
		return strconv.FormatFloat(*r.MaxDuration, 'f', -1, 64), true
	}, videoOnly: true},
	{field: "bitrate", value: func(r *Rendition) (string, bool) {
		if r.Bitrate == nil {
			return "", false
		}
		return strconv.FormatInt(*r.Bitrate, 10), true
	}, videoOnly: true},
	{field: "raw", value: func(r *Rendition) (string, bool) { return strconv.Quote(r.Raw), r.Raw != "" }, analysis: true},
	{field: "blurFaces", value: boolValue(func(r *Rendition) bool { return r.BlurFaces })},
	{field: "compression", value: func(r *Rendition) (string, bool) {
		raw, ok := r.Extra["compression"]
		return abbreviate(raw), ok && string(raw) != "null"
	},
		fmts: []string{},
		note: "tiff renditions are always LZW-compressed and no other format has a compression setting; png has compressionLevel"},
}

// videoInstructions lists the instructions a preview clip (fmt mp4)
// honours, in table order.
func videoInstructions() []string {
	var fields []string
	for _, in := range instructions {
		if in.video || in.videoOnly {
			fields = append(fields, in.field)
		}
	}
	return fields
}

func intValue(get func(*Rendition) *int) func(*Rendition) (string, bool) {
	return func(r *Rendition) (string, bool) {
		p := get(r)
		if p == nil {
			return "", false
		}
		return strconv.Itoa(*p), true
	}
}

func boolValue(get func(*Rendition) bool) func(*Rendition) (string, bool) {
	return func(r *Rendition) (string, bool) { return "true", get(r) }
}

func jsonValue(v any, set bool) (string, bool) {
	if !set {
		return "", false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", true
	}
	return string(b), true
}

// dpiValue writes a resolution as the client did: one number for both
// axes, or the object.
func dpiValue(d *DPI) (string, bool) {
	if d == nil {
		return "", false
	}
	if d.X == d.Y {
		return strconv.FormatFloat(d.X, 'f', -1, 64), true
	}
	return jsonValue(d, true)
}

func shorten(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// Validate checks the instructions against the rendition's fmt, so that an
// instruction the fmt cannot honour is refused before any work is done,
// never silently dropped. ParseRendition (and so DecodeRequest) calls it
// last; code that builds a Rendition itself should call it too.
//
// A rendition routed to a custom worker (Worker set) is not checked: its
// worker defines what its instructions mean. Nor is one whose fmt is not a
// built-in one (that fails on its own, with RenditionFormatUnsupported).
//
// The error is an *Error with reason GenericError, like any other invalid
// instruction, whose message names the field, its value and the fmt, and
// says what the field applies to. The rules:
//
//   - metadata (xmp, machine-metadata-json) and text renditions take no
//     image or preview clip instruction: width, height, maxWidth, maxHeight, upscale,
//     crop, watermark, background, page, convertToDpi, quality, jpegSize,
//     interlace, compressionLevel, dpi, xmp, animated, time, storyboard,
//     waveform, frames, fps, raw, compression, blurFaces;
//   - quality applies to jpg, webp, avif, heic and jxl: png is lossless,
//     gif is a palette and tiff is written with LZW;
//   - jpegSize applies to jpg only;
//   - interlace applies to png, jpg and gif;
//   - compressionLevel applies to png only;
//   - dpi and xmp apply to png, jpg, webp, tiff, avif and heic (gif and
//     jxl can hold neither); an xmp packet must be well-formed XML with at
//     least one element, and at most MaxJPEGXMP bytes in a jpg;
//   - animated applies to gif and webp, and cannot be combined with page,
//     which picks one frame;
//   - time (the moment of a video or audio source) applies to every image
//     fmt;
//   - storyboard applies to every image fmt and cannot be combined with
//     animated, time or page;
//   - waveform (the colour of an audio source's waveform) applies to
//     every image fmt;
//   - frames and fps apply to gif and webp with animated: true, which
//     cannot be combined with time;
//   - raw ("auto", "preview" or "develop": how a camera raw source is
//     turned into a picture) applies to every image fmt;
//   - compression is refused for every built-in fmt: tiff renditions are
//     always LZW-compressed (png has compressionLevel);
//   - an analysis rendition (fmt analysis) takes page, time and raw,
//     which pick the picture of the source that is analysed, and
//     features, which applies to it only;
//   - crop "smart" needs both width and height, the size of the crop;
//   - blurFaces applies to every image fmt (not to preview clips or
//     analysis renditions);
//   - maxChars applies to text only, and must be a positive integer;
//   - a preview clip (mp4, family video) takes width, height, maxWidth,
//     maxHeight, upscale, quality, time, maxDuration and bitrate, the
//     last two its own; quality and bitrate cannot be combined; every
//     other image instruction (crop, watermark, background, ...) is not
//     supported for it yet.
//
// What needs the pixels (a crop inside the source, a page the source has)
// is checked by the engine that reads them.
func (r *Rendition) Validate() error {
	if r.Worker != "" {
		return nil
	}
	family, ok := FormatFamily(r.Fmt)
	if !ok {
		return nil
	}
	for _, in := range instructions {
		v, set := in.value(r)
		if !set {
			continue
		}
		if family == FamilyAnalysis {
			if !in.analysis {
				return validationErr(in.field, "%s does not apply to %s renditions; an analysis takes page, time and raw (which picture of the source is analysed) and features", v, r.Fmt)
			}
			continue
		}
		if in.videoOnly {
			if family != FamilyVideo {
				return validationErr(in.field, "%s is not honoured by %s renditions; it applies to mp4 (a preview clip of a video)", v, r.Fmt)
			}
			continue
		}
		if family == FamilyVideo {
			if !in.video {
				return validationErr(in.field, "%s is not supported for %s renditions yet; a preview clip takes %s", v, r.Fmt, listFormats(videoInstructions()))
			}
			continue
		}
		if family != FamilyImage {
			return validationErr(in.field, "%s does not apply to %s renditions, which are not images; it is an image instruction (%s)",
				v, r.Fmt, listFormats(imageFormats))
		}
		if in.fmts != nil && !contains(in.fmts, r.Fmt) {
			if len(in.fmts) == 0 {
				return validationErr(in.field, "%s is not supported for %s renditions: %s", v, r.Fmt, in.note)
			}
			msg := fmt.Sprintf("%s is not honoured by %s renditions; it applies to %s", v, r.Fmt, listFormats(in.fmts))
			if in.note != "" {
				msg += " (" + in.note + ")"
			}
			return validationErr(in.field, "%s", msg)
		}
	}
	if err := checkMaxChars(r); err != nil {
		return err
	}
	if r.Language != "" && r.Fmt != "text" {
		return validationErr("language", "%q is not honoured by %s renditions; it applies to text (the subtitle language of a video, the language read by OCR)", r.Language, r.Fmt)
	}
	if err := validateTagInstructions(r, family); err != nil {
		return err
	}
	if r.Features != nil && family != FamilyAnalysis {
		return validationErr("features", "%s is not honoured by %s renditions; it applies to analysis", jsonList(r.Features), r.Fmt)
	}
	if family == FamilyVideo && r.Quality != nil && r.Bitrate != nil {
		return validationErr("bitrate", "%d cannot be combined with quality (%d) in a %s rendition: set one, a bit rate or a constant quality", *r.Bitrate, *r.Quality, r.Fmt)
	}
	if family != FamilyImage {
		return nil
	}
	if r.Crop != nil && r.Crop.Smart && (r.Width == nil || r.Height == nil) {
		return validationErr("crop", `"smart" needs both width and height, the size of the crop; this %s rendition sets %s`, r.Fmt, setSizes(r))
	}
	if r.Storyboard != nil {
		for _, o := range []struct {
			field string
			set   bool
		}{{"animated", r.Animated}, {"time", r.Time != nil}, {"page", r.Page != nil}} {
			if o.set {
				return validationErr("storyboard", "cannot be combined with %s in a %s rendition: a storyboard samples frames over the whole duration", o.field, r.Fmt)
			}
		}
	}
	if (r.Frames != nil || r.FPS != nil) && !r.Animated {
		field := "frames"
		if r.Frames == nil {
			field = "fps"
		}
		return validationErr(field, "applies to animated previews: set animated: true in this %s rendition", r.Fmt)
	}
	if r.Animated && r.Time != nil {
		return validationErr("animated", "true cannot be combined with time, which picks one frame, in a %s rendition", r.Fmt)
	}
	if r.Animated && r.Page != nil {
		return validationErr("animated", "true cannot be combined with page (%d), which picks one frame, in a %s rendition", *r.Page, r.Fmt)
	}
	if r.XMP != "" {
		if err := checkXMP(r.XMP, r.Fmt); err != nil {
			return err
		}
	}
	return nil
}

// checkMaxChars checks maxChars, the text renditions' own instruction (a
// lower character limit, read by the fulltext action), as that action
// reads it: a positive integer.
func checkMaxChars(r *Rendition) error {
	raw, ok := r.Extra["maxChars"]
	if !ok {
		return nil
	}
	if r.Fmt != "text" {
		if string(raw) == "null" {
			return nil
		}
		return validationErr("maxChars", "%s is not honoured by %s renditions; it applies to text", abbreviate(raw), r.Fmt)
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil || n < 1 {
		return validationErr("maxChars", "must be a positive integer, got %s", abbreviate(raw))
	}
	return nil
}

// validationErr returns the GenericError of an instruction field.
func validationErr(field, format string, args ...any) *Error {
	fe := fieldErr(field, format, args...)
	return &Error{Reason: ReasonGeneric, Message: fe.Error(), Err: fe}
}

// checkXMP checks an xmp packet: base64 of well-formed XML holding an
// element, small enough for a jpg segment.
func checkXMP(b64, fmtName string) error {
	packet, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(packet) == 0 {
		return validationErr("xmp", "must be a base64-encoded XMP packet")
	}
	d := xml.NewDecoder(bytes.NewReader(packet))
	elements := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return validationErr("xmp", "the packet is not well-formed XML: %v", err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			elements++
		}
	}
	if elements == 0 {
		return validationErr("xmp", "the packet holds no XML element")
	}
	if fmtName == "jpg" && len(packet) > MaxJPEGXMP {
		return validationErr("xmp", "the packet is %d bytes; a jpg rendition holds at most %d", len(packet), MaxJPEGXMP)
	}
	return nil
}

// setSizes says which of width and height a rendition sets.
func setSizes(r *Rendition) string {
	switch {
	case r.Width != nil:
		return "only width"
	case r.Height != nil:
		return "only height"
	default:
		return "neither"
	}
}

// listFormats writes "a, b and c".
func listFormats(fmts []string) string {
	switch len(fmts) {
	case 0:
		return "none"
	case 1:
		return fmts[0]
	}
	return strings.Join(fmts[:len(fmts)-1], ", ") + " and " + fmts[len(fmts)-1]
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// CheckRenditions sets Invalid on each rendition of the request that
// cannot be made as asked: one whose instructions fail Validate, and one
// whose target an earlier rendition already writes to (two renditions with
// the same target would silently overwrite one another; the first keeps
// it). Renditions already invalid are left as they are and write nothing,
// so they take no target. A rendition whose source instruction cannot be
// followed (checkSources: an unknown, ambiguous or own name, a cycle, a
// chain deeper than MaxSourceDepth) is invalid too, with an error on the
// field source. DecodeRequest calls it; call it again after
// building or changing a Request in code. It is idempotent.
func (req *Request) CheckRenditions() {
	first := map[string]int{} // target key -> index of the rendition writing there
	for i := range req.Renditions {
		r := &req.Renditions[i]
		if r.Invalid == nil {
			if err := r.Validate(); err != nil {
				r.Invalid = fmt.Errorf("renditions[%d]: %w", i, err)
			}
		}
		if r.Invalid != nil || r.Target.IsZero() {
			continue
		}
		keys, given := targetKeys(r.Target)
		for k, key := range keys {
			if j, taken := first[key]; taken && j != i {
				r.Invalid = Errorf(ReasonGeneric,
					"target: renditions[%d] (%q) and renditions[%d] (%q) both write to %s; give each rendition its own target",
					j, req.Renditions[j].Name, i, r.Name, RedactURL(given[k]))
				break
			}
		}
		if r.Invalid != nil {
			continue
		}
		for _, key := range keys {
			first[key] = i
		}
	}
	req.checkSources()
}

// jsonList writes a list of strings as JSON, for messages.
func jsonList(l []string) string {
	s, _ := jsonValue(l, true)
	return s
}
