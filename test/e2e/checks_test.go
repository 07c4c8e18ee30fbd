package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for the rendition checks
	_ "image/png"
	"io"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// asset is one uploaded source and what the profile must make of it.
type asset struct {
	Label       string
	File        string // under the repository root
	Key         string // object key in the bucket
	ContentType string
	// Failed are the renditions the profile cannot make of this type, with
	// the reason their rendition_failed event must carry; every other
	// rendition of the profile must be created.
	Failed map[string]string
	// Checks of the content, per rendition name.
	Phrases  []string       // in text.txt
	MetaKeys map[string]any // in metadata.json: a value, or nil for "present"
	Portrait bool           // thumbnails taller than wide (EXIF orientation applied)
	// How it gets into the bucket: "" (PutObject), "multipart" (one-part
	// multipart upload) or "copy" (CopyObject from CopyOf's key).
	Via    string
	CopyOf *asset

	// Filled in by the test.
	ETag      string
	RequestID string
	Uploaded  time.Time // PutObject returned
}

// created returns the names of the renditions expected to exist.
func (a *asset) created() []string {
	var out []string
	for _, r := range profile {
		if _, failed := a.Failed[r.Name]; !failed {
			out = append(out, r.Name)
		}
	}
	return out
}

// renditionKey is the object key of a rendition (ACS_TARGET_TEMPLATE).
func (a *asset) renditionKey(name string) string {
	return renditionPrefix + a.Key + "/" + name
}

// objectInfo is what a listing says about an object.
type objectInfo struct {
	Size         int64
	ETag         string
	LastModified time.Time
}

// listPrefix lists every object under prefix.
func listPrefix(ctx context.Context, c *s3.Client, bucket, prefix string) (map[string]objectInfo, error) {
	out := map[string]objectInfo{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			out[aws.ToString(o.Key)] = objectInfo{Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag), LastModified: aws.ToTime(o.LastModified)}
		}
	}
	return out, nil
}

// waitRenditions polls ListObjectsV2 until every expected rendition of the
// assets exists, and returns the listing.
func waitRenditions(ctx context.Context, c *s3.Client, bucket, prefix string, assets []*asset, timeout, interval time.Duration) (map[string]objectInfo, error) {
	var listing map[string]objectInfo
	err := waitFor(ctx, timeout, interval, func() error {
		l, err := listPrefix(ctx, c, bucket, prefix)
		if err != nil {
			return err
		}
		listing = l
		var missing []string
		for _, a := range assets {
			for _, n := range a.created() {
				if _, ok := l[a.renditionKey(n)]; !ok {
					missing = append(missing, a.renditionKey(n))
				}
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%d renditions missing: %v", len(missing), missing)
		}
		return nil
	})
	return listing, err
}

func getObject(ctx context.Context, c *s3.Client, bucket, key string) ([]byte, error) {
	o, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer o.Body.Close()
	return io.ReadAll(o.Body)
}

// checkImage decodes an image rendition with the standard library and
// checks its format and that it fits the box with one side on it (fit
// inside, aspect kept).
func checkImage(data []byte, wantFormat string, boxW, boxH int, portrait bool) (string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("not a decodable image: %v", err)
	}
	if format != wantFormat {
		return "", fmt.Errorf("format %s, want %s", format, wantFormat)
	}
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return "", fmt.Errorf("%s does not decode fully: %v", format, err)
	}
	w, h := cfg.Width, cfg.Height
	desc := fmt.Sprintf("%s %dx%d", format, w, h)
	switch {
	case w > boxW || h > boxH:
		return desc, fmt.Errorf("%s does not fit in %dx%d", desc, boxW, boxH)
	case w != boxW && h != boxH:
		return desc, fmt.Errorf("%s touches neither side of %dx%d", desc, boxW, boxH)
	case portrait && w >= h:
		return desc, fmt.Errorf("%s is not portrait: EXIF orientation not applied", desc)
	}
	return desc, nil
}

// checkXMP checks an XMP packet is well-formed XML with x:xmpmeta and
// rdf:RDF, and holds dc:format.
func checkXMP(data []byte, wantFormat string) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	seen := map[string]bool{}
	var lastStart string
	var dcFormat string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			lastStart = el.Name.Space + " " + el.Name.Local
			seen[lastStart] = true
		case xml.CharData:
			if lastStart == "http://purl.org/dc/elements/1.1/ format" && strings.TrimSpace(string(el)) != "" {
				dcFormat = strings.TrimSpace(string(el))
			}
		case xml.EndElement:
			lastStart = ""
		}
	}
	for _, el := range []string{"adobe:ns:meta/ xmpmeta", "http://www.w3.org/1999/02/22-rdf-syntax-ns# RDF"} {
		if !seen[el] {
			return fmt.Errorf("no <%s> element", el)
		}
	}
	if dcFormat != wantFormat {
		return fmt.Errorf("dc:format %q, want %q", dcFormat, wantFormat)
	}
	return nil
}

// checkMetadataJSON checks a machine-metadata-json rendition is a flat
// JSON object with the wanted keys.
func checkMetadataJSON(data []byte, want map[string]any) error {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	for k, v := range want {
		got, ok := m[k]
		if !ok {
			return fmt.Errorf("key %q missing (keys: %v)", k, sortedKeys(m))
		}
		if v != nil && fmt.Sprint(got) != fmt.Sprint(v) {
			return fmt.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	return nil
}

func checkText(data []byte, phrases []string) error {
	if !utf8.Valid(data) {
		return errors.New("text is not UTF-8")
	}
	for _, p := range phrases {
		if !strings.Contains(string(data), p) {
			return fmt.Errorf("text lacks %q", p)
		}
	}
	return nil
}

// checkRendition fetches one rendition and checks its content.
func checkRendition(ctx context.Context, c *s3.Client, bucket string, a *asset, name string) (string, error) {
	data, err := getObject(ctx, c, bucket, a.renditionKey(name))
	if err != nil {
		return "", err
	}
	return checkContent(data, a, name)
}

func checkContent(data []byte, a *asset, name string) (string, error) {
	switch name {
	case "thumb-319.png":
		return checkImage(data, "png", 319, 319, a.Portrait)
	case "thumb-140.jpg":
		return checkImage(data, "jpeg", 140, 100, a.Portrait)
	case "metadata.xmp":
		return fmt.Sprintf("xmp %d bytes", len(data)), checkXMP(data, a.ContentType)
	case "metadata.json":
		return fmt.Sprintf("json %d bytes", len(data)), checkMetadataJSON(data, a.MetaKeys)
	case "text.txt":
		return fmt.Sprintf("text %d bytes", len(data)), checkText(data, a.Phrases)
	}
	return "", fmt.Errorf("no check for %s", name)
}

// checkEvents checks the deduplicated webhook events of an asset's
// request: one per rendition of the profile, created or failed as
// expected, with metadata matching the stored object.
func checkEvents(t *testing.T, r *receiver, a *asset, listing map[string]objectInfo) {
	t.Helper()
	_, evs := r.snapshot()
	byName := map[string][]event{}
	for _, e := range evs {
		if e.RequestID == a.RequestID {
			byName[e.name()] = append(byName[e.name()], e)
		}
	}
	if len(byName) != len(profile) {
		t.Errorf("%s: events for %d renditions (%v), want %d", a.Label, len(byName), sortedKeys(byName), len(profile))
	}
	for _, spec := range profile {
		es := byName[spec.Name]
		if len(es) != 1 {
			t.Errorf("%s %s: %d distinct events, want exactly 1", a.Label, spec.Name, len(es))
			continue
		}
		e := es[0]
		if reason, failed := a.Failed[spec.Name]; failed {
			if e.Type != "rendition_failed" || e.ErrorReason != reason {
				t.Errorf("%s %s: event %s %s (%s), want rendition_failed %s", a.Label, spec.Name, e.Type, e.ErrorReason, e.ErrorMsg, reason)
			}
			continue
		}
		if e.Type != "rendition_created" {
			t.Errorf("%s %s: event %s %s: %s", a.Label, spec.Name, e.Type, e.ErrorReason, e.ErrorMsg)
			continue
		}
		if o, ok := listing[a.renditionKey(spec.Name)]; ok {
			if size, _ := e.Metadata["repo:size"].(float64); int64(size) != o.Size {
				t.Errorf("%s %s: event repo:size %v, object size %d", a.Label, spec.Name, e.Metadata["repo:size"], o.Size)
			}
		}
		if strings.Contains(e.Source, "?") {
			t.Errorf("%s %s: event source %q keeps a query", a.Label, spec.Name, e.Source)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
