package indd_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/internal/indd"
	"github.com/assetcompute/assetcompute/pkg/internal/indd/inddtest"
)

// countingReader counts the bytes read, to show the reads are bounded.
type countingReader struct {
	r    *bytes.Reader
	read int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.read += int64(n)
	return n, err
}

func TestFindXMPAfterTheDatabasePages(t *testing.T) {
	packet := inddtest.Packet("Title", "Creator", []inddtest.Thumb{{Width: 2, Height: 1, JPEG: []byte("jpeg-1")}})
	// 4000 database pages (16 MB) before the packet: only the master
	// pages and the object are read, not the pages.
	doc := inddtest.Document(packet, 4000)
	c := &countingReader{r: bytes.NewReader(doc)}
	got, err := indd.FindXMP(c, int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != packet {
		t.Fatalf("packet differs: %d bytes, want %d", len(got), len(packet))
	}
	if c.read > 3<<20 {
		t.Errorf("read %d bytes of a %d-byte file", c.read, len(doc))
	}
	thumbs, err := indd.Thumbnails(got)
	if err != nil || len(thumbs) != 1 || string(thumbs[0].Data) != "jpeg-1" || thumbs[0].Width != 2 {
		t.Fatalf("Thumbnails = %+v, %v", thumbs, err)
	}
}

// TestFindXMPAcrossWindows puts the packet's first bytes across the
// boundary of two scan windows, in a file whose master page does not say
// where the objects are.
func TestFindXMPAcrossWindows(t *testing.T) {
	packet := inddtest.Packet("T", "C", nil)
	for _, shift := range []int{-20, -7, -1, 0, 1} {
		doc := inddtest.Document(packet, 0)
		i := bytes.Index(doc, []byte("<?xpacket begin"))
		pad := (1 << 20) + shift - i + 2*4096
		if pad < 0 {
			t.Fatal("bad layout")
		}
		doc = append(doc[:i:i], append(bytes.Repeat([]byte{0}, pad), doc[i:]...)...)
		got, err := indd.FindXMP(bytes.NewReader(doc), int64(len(doc)))
		if err != nil || string(got) != packet {
			t.Fatalf("shift %d: %d bytes, %v", shift, len(got), err)
		}
	}
}

func TestFindXMPBadInput(t *testing.T) {
	if _, err := indd.FindXMP(bytes.NewReader([]byte("PK\x03\x04 nothing")), 14); !errors.Is(err, indd.ErrNotInDesign) {
		t.Errorf("not InDesign: %v", err)
	}
	doc := inddtest.Document("no packet here", 2)
	if _, err := indd.FindXMP(bytes.NewReader(doc), int64(len(doc))); !errors.Is(err, indd.ErrNoXMP) {
		t.Errorf("no packet: %v", err)
	}
	doc = inddtest.Document(inddtest.Packet("T", "C", nil), 2)
	i := bytes.Index(doc, []byte("</x:xmpmeta>"))
	if _, err := indd.FindXMP(bytes.NewReader(doc[:i]), int64(i)); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("cut packet: %v", err)
	}
	// A master page that claims more pages than the file has.
	doc = inddtest.Document(inddtest.Packet("T", "C", nil), 2)
	binary.LittleEndian.PutUint32(doc[4096+280:], 1<<31)
	if _, err := indd.FindXMP(bytes.NewReader(doc), int64(len(doc))); err != nil {
		t.Errorf("lying page count: %v", err)
	}
}

func TestThumbnailsHostile(t *testing.T) {
	for _, p := range []string{
		``, `<x:xmpmeta`, strings.Repeat("<a>", 200),
		`<r xmlns:i="http://ns.adobe.com/xap/1.0/g/img/"><i:image>!!!not base64</i:image></r>`,
		`<r xmlns:i="http://ns.adobe.com/xap/1.0/g/img/"><li i:width="9" i:height="9" i:image="aGVsbG8="/></r>`,
	} {
		thumbs, _ := indd.Thumbnails([]byte(p))
		if len(thumbs) > 1 {
			t.Errorf("%.30q: %d thumbnails", p, len(thumbs))
		}
	}
	thumbs, _ := indd.Thumbnails([]byte(`<r xmlns:i="http://ns.adobe.com/xap/1.0/g/img/"><li i:width="9" i:height="9" i:image="aGVsbG8="/></r>`))
	if len(thumbs) != 1 || string(thumbs[0].Data) != "hello" || thumbs[0].Width != 9 {
		t.Errorf("attribute form: %+v", thumbs)
	}
}
