package text

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"golang.org/x/text/encoding"
)

// newXMLDecoder returns a strict streaming decoder that reads documents in
// any encoding they declare. encoding/xml never expands entities declared in
// a DTD and never fetches external ones, so entity-expansion attacks
// ("billion laughs") find nothing to expand: an undeclared entity is a
// syntax error, a DTD is an inert directive.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		cs, ok := lookupCharset(label)
		if !ok {
			return nil, fmt.Errorf("unknown XML encoding %q", label)
		}
		if cs.enc == nil {
			return in, nil
		}
		return cs.enc.NewDecoder().Reader(in), nil
	}
	return d
}

// decoderFor is the encoding helper shared by formats that transcode
// streams.
func decoderFor(cs charset) *encoding.Decoder {
	if cs.enc == nil {
		return nil
	}
	return cs.enc.NewDecoder()
}

// attr returns the value of the attribute with the given local name.
func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// attrNS returns the value of the attribute with the given local name whose
// namespace URI ends with space (namespace URIs differ between the
// transitional and strict flavours of OOXML).
func attrNS(se xml.StartElement, spaceSuffix, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && len(a.Name.Space) >= len(spaceSuffix) && a.Name.Space[len(a.Name.Space)-len(spaceSuffix):] == spaceSuffix {
			return a.Value
		}
	}
	return ""
}

// xmlErr turns a decoding error into a SourceCorrupt error naming the part,
// unless it already has an api reason (limits, truncation, deadline).
func xmlErr(format, part string, err error) error {
	if isAPIError(err) || errors.Is(err, errTruncated) {
		return err
	}
	return corrupt(format, fmt.Errorf("part %s: %w", part, err))
}
