package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// fuzzOpts keeps fuzz iterations small and fast.
var fuzzOpts = Options{MaxBytes: 1 << 20, MaxXMPBytes: 256 << 10, MaxSegmentBytes: 256 << 10, MaxExpandBytes: 1 << 20}.withDefaults()

// checkOutput asserts the invariants every Metadata must keep: valid JSON,
// a well-formed XMP packet.
func checkOutput(t *testing.T, md *Metadata) {
	t.Helper()
	js, err := md.JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if !json.Valid(js) {
		t.Fatalf("invalid JSON: %s", js)
	}
	x, err := md.XMP()
	if err != nil {
		t.Fatalf("XMP: %v", err)
	}
	d := xml.NewDecoder(bytes.NewReader(x))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("XMP packet is not well-formed: %v\n%s", err, x)
		}
	}
}

func fuzzExtraction(data []byte) *extraction {
	return &extraction{s: bytesSrc(context.Background(), data), b: newBuilder(fuzzOpts)}
}

// The seed corpora are under testdata/fuzz/Fuzz*: real EXIF, XMP and IPTC
// blocks cut from the shared corpus, small files, and hand-made damage
// (an IFD cycle, a billion-laughs DOCTYPE).

func FuzzEXIF(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		x := fuzzExtraction(data)
		x.exifBlock(data, "fuzz")
		checkOutput(t, x.b.finish())
	})
}

func FuzzXMP(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		x := fuzzExtraction(data)
		parseXMP(x.b, data, prioXMP, "fuzz")
		checkOutput(t, x.b.finish())
	})
}

func FuzzIPTC(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		x := fuzzExtraction(data)
		if bytes.HasPrefix(data, []byte("8BIM")) {
			x.applyIRB(parseIRB(x.b, data, "fuzz"), "fuzz")
		} else {
			parseIPTC(x.b, data, prioIPTC, "fuzz")
		}
		checkOutput(t, x.b.finish())
	})
}

func FuzzExtract(f *testing.F) {
	names := []string{"", "a.html", "a.eml", "a.svg", "a.dng", "a.docx", "a.jxl", "a.mp3"}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range names {
			md, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), name, fuzzOpts)
			if err != nil {
				continue
			}
			checkOutput(t, md)
		}
	})
}

// FuzzContainers runs Extract on MPEG-TS/PS, ASF, FLV, MXF, DV and ADTS
// input (the seeds are the first KiB of small files of each, made by
// ffmpeg): no panic, even one the reader recovers from, and valid output.
func FuzzContainers(f *testing.F) {
	names := []string{"a.ts", "a.mpg", "a.wmv", "a.flv", "a.mxf", "a.dv", "a.aac"}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range names {
			md, err := Extract(context.Background(), bytes.NewReader(data), int64(len(data)), name, fuzzOpts)
			if err != nil {
				continue
			}
			for _, w := range md.Warnings {
				if strings.Contains(w, "reader failed") {
					t.Fatalf("%s: %s", name, w)
				}
			}
			checkOutput(t, md)
		}
	})
}
