package api

import (
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"reflect"
	"sort"
	"strings"
)

// The event metadata keys whose meaning and type the contract fixes. The
// worker lifecycle computes the first five for every created rendition; a
// worker's function may set them too (its values win), but only with the
// type given here.
const (
	// MetadataSize is the rendition's size in bytes: an integer >= 0.
	MetadataSize = "repo:size"
	// MetadataSHA1 is the hex SHA-1 of the rendition: a string.
	MetadataSHA1 = "repo:sha1"
	// MetadataFormat is the rendition's media type, such as "image/png"
	// or "application/json": a string that parses as a media type. It is
	// also the Content-Type of the upload and of an embedded data: URI.
	MetadataFormat = "dc:format"
	// MetadataWidth and MetadataHeight are an image rendition's size in
	// pixels (of one frame, for an animation): integers >= 0.
	MetadataWidth  = "tiff:imageWidth"
	MetadataHeight = "tiff:imageHeight"
	// MetadataEncoding is the character encoding of a text rendition,
	// such as "utf-8": a string.
	MetadataEncoding = "repo:encoding"
	// MetadataHostedWidth and MetadataHostedHeight are the names the
	// hosted Asset Compute service's documentation gives an image
	// rendition's size (its SDK sends MetadataWidth and MetadataHeight).
	// Events read by the hosted service's clients (the Asset Compute API's
	// journals, the hosted webhook envelopes) carry both; see
	// WithHostedNames.
	MetadataHostedWidth  = "tiff:ImageWidth"
	MetadataHostedHeight = "tiff:ImageLength"
)

// WithHostedNames returns meta with MetadataHostedWidth and
// MetadataHostedHeight beside MetadataWidth and MetadataHeight, the same
// values; a key already set is kept. meta itself is not changed; without
// dimensions it is returned as it is.
func WithHostedNames(meta map[string]any) map[string]any {
	add := map[string]any{}
	for from, to := range map[string]string{MetadataWidth: MetadataHostedWidth, MetadataHeight: MetadataHostedHeight} {
		if v, ok := meta[from]; ok {
			if _, set := meta[to]; !set {
				add[to] = v
			}
		}
	}
	if len(add) == 0 {
		return meta
	}
	out := make(map[string]any, len(meta)+len(add))
	for k, v := range meta {
		out[k] = v
	}
	for k, v := range add {
		out[k] = v
	}
	return out
}

// metadataKind is the type a reserved metadata key must have.
type metadataKind int

const (
	kindCount     metadataKind = iota + 1 // integer >= 0
	kindString                            // any string
	kindMediaType                         // a string that is a media type
)

// reservedMetadata maps each reserved key to its type.
var reservedMetadata = map[string]metadataKind{
	MetadataSize:     kindCount,
	MetadataSHA1:     kindString,
	MetadataFormat:   kindMediaType,
	MetadataWidth:    kindCount,
	MetadataHeight:   kindCount,
	MetadataEncoding: kindString,
}

// CheckMetadata checks a created rendition's event metadata: every value
// must be encodable as JSON, and each reserved key (MetadataSize,
// MetadataSHA1, MetadataFormat, MetadataWidth, MetadataHeight,
// MetadataEncoding) that is present must have its contract type. It
// accepts the Go values a worker's function sets (int, int64, float64,
// json.Number, string, ...) and the values JSON decoding gives. The error
// is a GenericError naming the key, the expected type and the value; keys
// are checked in sorted order, so the first problem is always the same.
func CheckMetadata(md map[string]any) error {
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := md[k]
		if kind, reserved := reservedMetadata[k]; reserved {
			if want := checkMetadataValue(kind, v); want != "" {
				return Errorf(ReasonGeneric, "rendition metadata %s must be %s, got %s", k, want, describeValue(v))
			}
			continue
		}
		if _, err := json.Marshal(v); err != nil {
			return Errorf(ReasonGeneric, "rendition metadata %s cannot be written as JSON (%s): use strings, numbers, booleans, lists and maps", k, describeValue(v))
		}
	}
	return nil
}

// checkMetadataValue returns "" when v has kind, or the description of
// what it should be.
func checkMetadataValue(kind metadataKind, v any) string {
	switch kind {
	case kindCount:
		if isCount(v) {
			return ""
		}
		return "an integer of at least 0"
	case kindString:
		if _, ok := v.(string); ok {
			return ""
		}
		return "a string"
	case kindMediaType:
		if s, ok := v.(string); ok {
			// ParseMediaType also takes a lone token ("attachment", for
			// Content-Disposition); a media type has a type and a subtype.
			if mt, _, err := mime.ParseMediaType(s); err == nil {
				if typ, sub, ok := strings.Cut(mt, "/"); ok && typ != "" && sub != "" {
					return ""
				}
			}
		}
		return `a media type string such as "image/png"`
	}
	return ""
}

// isCount reports whether v is a whole number >= 0 of any Go numeric type,
// or a json.Number holding one.
func isCount(v any) bool {
	if n, ok := v.(json.Number); ok {
		f, err := n.Float64()
		return err == nil && f >= 0 && f == math.Trunc(f) && !math.IsInf(f, 0)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int() >= 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		return f >= 0 && f == math.Trunc(f) && !math.IsInf(f, 0)
	}
	return false
}

// describeValue shows a value and its Go type for an error message. Only
// scalars are printed: a map or slice may be large, or even refer to
// itself.
func describeValue(v any) string {
	if v == nil {
		return "null"
	}
	var s string
	switch reflect.ValueOf(v).Kind() {
	case reflect.String:
		s = fmt.Sprintf("%q", v)
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		s = fmt.Sprintf("%v", v)
	default:
		return fmt.Sprintf("a value of type %T", v)
	}
	if len(s) > 40 {
		s = strings.ToValidUTF8(s[:37], "") + "..."
	}
	return fmt.Sprintf("%s (%T)", s, v)
}
