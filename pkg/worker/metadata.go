package worker

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"image"
	_ "image/gif" // register decoders for reading output dimensions
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"os"
	"strings"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// Metadata keys the lifecycle computes for every created rendition.
const (
	keySize   = api.MetadataSize
	keySHA1   = api.MetadataSHA1
	keyFormat = api.MetadataFormat
	keyWidth  = api.MetadataWidth
	keyHeight = api.MetadataHeight
)

// describe computes the metadata of a rendition's output file: size, SHA-1,
// media type (from the rendition's fmt, else sniffed), and for images the
// dimensions read from the header.
func describe(r *Rendition) (map[string]any, error) {
	f, err := os.Open(r.Path)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot read the rendition output")
	}
	defer f.Close()
	h := sha1.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot read the rendition output")
	}
	meta := map[string]any{keySize: n, keySHA1: hex.EncodeToString(h.Sum(nil))}

	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, api.Wrap(api.ReasonGeneric, err, "cannot read the rendition output")
	}
	head := make([]byte, 512)
	k, _ := io.ReadFull(f, head)
	head = head[:k]
	mime := api.FormatMimeType(r.Fmt)
	if _, builtin := api.FormatFamily(r.Fmt); !builtin {
		mime = http.DetectContentType(head)
	}
	meta[keyFormat] = mime

	if _, err := f.Seek(0, io.SeekStart); err == nil {
		if cfg, _, err := image.DecodeConfig(bufio.NewReader(f)); err == nil {
			meta[keyWidth] = cfg.Width
			meta[keyHeight] = cfg.Height
		}
	}
	return meta, nil
}

// dataURI returns the file as a base64 data: URI of the given media type.
func dataURI(path, mime string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", api.Wrap(api.ReasonGeneric, err, "cannot read the rendition output")
	}
	return "data:" + compactMediaType(mime) + ";base64," + base64.StdEncoding.EncodeToString(b), nil
}

// compactMediaType writes a media type as RFC 2397 wants it in a data:
// URI, without spaces around its parameters: "text/plain;charset=utf-8"
// for "text/plain; charset=utf-8" (a space makes the URI invalid for
// strict readers, the hosted service's clients among them).
func compactMediaType(mime string) string {
	parts := strings.Split(mime, ";")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return strings.Join(parts, ";")
}
