package transfer

import (
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// fetchData decodes a data: URI (RFC 2397) into s and returns its media
// type. The payload is base64 (standard or URL alphabet, padding optional,
// whitespace ignored) when the URI says ;base64, percent-encoded otherwise.
func fetchData(uri string, s *sink) (string, error) {
	meta, payload, ok := strings.Cut(strings.TrimSpace(uri)[len("data:"):], ",")
	if !ok {
		return "", api.Errorf(api.ReasonSourceUnsupported, "data: URI has no comma before its data")
	}
	isBase64 := false
	var params []string
	for i, p := range strings.Split(meta, ";") {
		if i > 0 && strings.EqualFold(strings.TrimSpace(p), "base64") {
			isBase64 = true
			continue
		}
		params = append(params, p)
	}
	mediaType := strings.Join(params, ";")
	if strings.TrimSpace(mediaType) == "" {
		mediaType = "text/plain;charset=US-ASCII"
	} else if strings.HasPrefix(mediaType, ";") {
		mediaType = "text/plain" + mediaType
	}

	var data []byte
	if isBase64 {
		// Percent-escapes are legal in any URI; undo them first.
		if strings.Contains(payload, "%") {
			if unescaped, err := url.PathUnescape(payload); err == nil {
				payload = unescaped
			}
		}
		payload = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, payload)
		if int64(len(payload))/4*3 > s.limit+3 {
			return "", sourceTooLarge(int64(len(payload))/4*3, s.limit)
		}
		enc := base64.StdEncoding
		if strings.ContainsAny(payload, "-_") {
			enc = base64.URLEncoding
		}
		var err error
		data, err = enc.WithPadding(base64.NoPadding).DecodeString(strings.TrimRight(payload, "="))
		if err != nil {
			return "", api.Errorf(api.ReasonSourceCorrupt, "data: URI is not valid base64")
		}
	} else {
		unescaped, err := url.PathUnescape(payload)
		if err != nil {
			return "", api.Errorf(api.ReasonSourceCorrupt, "data: URI has an invalid percent-escape")
		}
		data = []byte(unescaped)
	}
	if int64(len(data)) > s.limit {
		return "", sourceTooLarge(int64(len(data)), s.limit)
	}
	if _, err := s.Write(data); err != nil {
		return "", err
	}
	return mediaType, nil
}
