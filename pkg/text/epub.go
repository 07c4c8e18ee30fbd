package text

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// extractEPUB writes the book's title and authors, then its content
// documents in spine (reading) order.
func extractEPUB(s *sink, z *safeZip) error {
	opf, err := epubRootfile(s, z)
	if err != nil {
		return err
	}
	type item struct{ href, media string }
	manifest := map[string]item{}
	var spine []string
	var meta []string
	inMeta, metaText := "", strings.Builder{}
	err = walkXML(s, z, opf, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "item":
				if len(manifest) >= z.opts.MaxZipEntries {
					return epubTooLarge(z, "manifest items")
				}
				manifest[attr(t, "id")] = item{attr(t, "href"), attr(t, "media-type")}
			case "itemref":
				if len(spine) >= z.opts.MaxZipEntries {
					return epubTooLarge(z, "spine items")
				}
				spine = append(spine, attr(t, "idref"))
			case "title", "creator":
				if strings.HasSuffix(t.Name.Space, "purl.org/dc/elements/1.1/") {
					inMeta = t.Name.Local
					metaText.Reset()
				}
			}
		case xml.EndElement:
			if inMeta != "" && t.Name.Local == inMeta {
				if v := strings.TrimSpace(metaText.String()); v != "" && len(meta) < 16 {
					meta = append(meta, v)
				}
				inMeta = ""
			}
		case xml.CharData:
			if inMeta != "" && metaText.Len() < 4096 {
				metaText.Write(t)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	protected, err := epubEncrypted(s, z)
	if err != nil {
		return err
	}
	for _, m := range meta {
		if err := writeSpaced(s, m); err != nil {
			return err
		}
		s.Break()
	}
	for _, id := range spine {
		if err := ctxErr(s.ctx); err != nil {
			return err
		}
		it, ok := manifest[id]
		if !ok {
			s.warn(fmt.Sprintf("epub spine item %q is not in the manifest", id))
			continue
		}
		if it.media != "" && it.media != "application/xhtml+xml" && it.media != "text/html" {
			continue
		}
		href := it.href
		if u, err := url.PathUnescape(href); err == nil {
			href = u
		}
		href, _, _ = strings.Cut(href, "#")
		part := resolvePart(opf, href)
		if protected[part] {
			return encrypted("epub")
		}
		if err := epubDocument(s, z, part); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				s.warn(fmt.Sprintf("epub content document %s is missing", part))
				continue
			}
			return err
		}
		s.Break()
	}
	return nil
}

func epubDocument(s *sink, z *safeZip, part string) error {
	rc, err := z.open(part)
	if err != nil {
		return err
	}
	defer rc.Close()
	r, _ := utf8Reader(rc)
	if err := htmlText(s, r, true); err != nil {
		return xmlErr("epub", part, err)
	}
	return nil
}

// epubRootfile returns the package document named by
// META-INF/container.xml.
func epubRootfile(s *sink, z *safeZip) (string, error) {
	var root string
	err := walkXML(s, z, "META-INF/container.xml", func(tok xml.Token) error {
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rootfile" && root == "" {
			root = attr(se, "full-path")
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", corrupt("epub", errors.New("META-INF/container.xml is missing"))
		}
		return "", err
	}
	if root == "" {
		return "", corrupt("epub", errors.New("META-INF/container.xml names no package document"))
	}
	return resolvePart("", root), nil
}

// epubEncrypted returns the parts that META-INF/encryption.xml lists as
// encrypted (DRM, or font obfuscation, which only concerns fonts).
func epubEncrypted(s *sink, z *safeZip) (map[string]bool, error) {
	out := map[string]bool{}
	if !z.has("META-INF/encryption.xml") {
		return out, nil
	}
	err := walkXML(s, z, "META-INF/encryption.xml", func(tok xml.Token) error {
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "CipherReference" {
			if len(out) >= z.opts.MaxZipEntries {
				return epubTooLarge(z, "encrypted parts")
			}
			uri := attr(se, "URI")
			if u, err := url.PathUnescape(uri); err == nil {
				uri = u
			}
			out[resolvePart("", uri)] = true
		}
		return nil
	})
	return out, err
}

// epubTooLarge is the error for a package that lists more things than the
// archive has entries (MaxZipEntries).
func epubTooLarge(z *safeZip, what string) error {
	return api.Errorf(api.ReasonSourceTooLarge, "epub source lists more than %d %s (MaxZipEntries)", z.opts.MaxZipEntries, what)
}
