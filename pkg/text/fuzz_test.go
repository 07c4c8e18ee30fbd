package text

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// fuzzOpts keeps fuzz iterations small.
var fuzzOpts = Options{MaxChars: 20_000, MaxPages: 20, MaxExpandedBytes: 4 << 20, MaxDepth: 32}.withDefaults()

// addSeeds adds committed sample documents to a fuzz corpus (the corpus in
// testdata/fuzz/<Target> adds small hand-written cases).
func addSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile(testdata(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkFuzzOutput checks the output conventions that must hold whatever the
// input.
func checkFuzzOutput(t *testing.T, out []byte) {
	if !utf8.Valid(out) {
		t.Fatalf("output is not UTF-8: %q", out)
	}
	for _, r := range string(out) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\f' {
			t.Fatalf("control character %U in output", r)
		}
	}
}

func runFuzz(t *testing.T, fn func(s *sink) error) {
	var buf bytes.Buffer
	s := newSink(context.Background(), &buf, fuzzOpts)
	err := fn(s)
	_, cerr := s.close()
	if err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, errTruncated) {
		// Any failure must be one the caller can report: classify gives
		// every error a reason, but extractors should not leak panics.
		if api.ReasonOf(classify(err, "fuzz")) == api.ReasonGeneric {
			t.Fatalf("error without a reason: %v", err)
		}
	}
	checkFuzzOutput(t, buf.Bytes())
}

func FuzzRTF(f *testing.F) {
	addSeeds(f, "sample.rtf")
	f.Fuzz(func(t *testing.T, data []byte) {
		runFuzz(t, func(s *sink) error { return rtfText(s, bytes.NewReader(data)) })
	})
}

func FuzzHTML(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		runFuzz(t, func(s *sink) error { return htmlText(s, bytes.NewReader(data), false) })
	})
}

func FuzzOOXML(f *testing.F) {
	addSeeds(f, "sample.docx", "sample.xlsx", "sample.pptx", "sample.odt", "sample.ods", "sample.odp", "sample.epub")
	f.Fuzz(func(t *testing.T, data []byte) {
		runFuzz(t, func(s *sink) error {
			k, err := detectZip(context.Background(), bytes.NewReader(data), int64(len(data)), ".docx", fuzzOpts)
			if err != nil {
				return err
			}
			return k.extract(s, nil, 0)
		})
	})
}

func FuzzXML(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><r a="1"><![CDATA[<raw>]]>&e;&amp;<b>text</b></r>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		runFuzz(t, func(s *sink) error { return xmlText(s, bytes.NewReader(data)) })
	})
}

func FuzzSVG(f *testing.F) {
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><title>T</title><text x="1"><tspan y="2">a</tspan><tspan x="3" dy="1">b</tspan></text><flowRoot><flowPara>p</flowPara></flowRoot><style>x</style></svg>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		runFuzz(t, func(s *sink) error { return svgText(s, bytes.NewReader(data)) })
	})
}

func FuzzVCard(f *testing.F) {
	f.Add([]byte("BEGIN:VCARD\r\nN;CHARSET=ISO-8859-1;QUOTED-PRINTABLE:K=E9;A;;;\r\nNOTE;ENCODING=QUOTED-PRINTABLE:a=\r\nb=0D=0A\r\nADR:;;1 St\\, x;Town\r\n folded\r\nEND:VCARD\r\n"))
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=Europe/Paris:20240301T093000\r\nORGANIZER;CN=\"A, B\":mailto:a@b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		runFuzz(t, func(s *sink) error { return vcardText(s, bytes.NewReader(data), utf8Charset) })
	})
}

// FuzzExtract runs the whole of Extract, detection included, on every
// format but PDF (whose parser is poppler's), under several names.
func FuzzExtract(f *testing.F) {
	f.Add([]byte("From: a@b\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nbody\r\n--x--\r\n"), uint8(0))
	f.Add([]byte("BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n"), uint8(1))
	f.Add([]byte(`<svg><text>t</text></svg>`), uint8(2))
	f.Add([]byte(`{\rtf1 x}`), uint8(3))
	f.Add([]byte("\xff\xfeh\x00i\x00"), uint8(4))
	names := []string{"a.eml", "a.vcf", "a.svg", "a.rtf", "a.txt", "a.html", "a.xml", "a.docx", "a.ics", "a"}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		if bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
			t.Skip("PDF is poppler's to parse")
		}
		name := names[int(which)%len(names)]
		path := filepath.Join(dir, "fuzz-"+name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		_, err := Extract(context.Background(), path, name, &buf, fuzzOpts)
		if err != nil {
			switch api.ReasonOf(err) {
			case api.ReasonSourceCorrupt, api.ReasonSourceFormatUnsupported, api.ReasonSourceUnsupported, api.ReasonSourceTooLarge:
			default:
				t.Fatalf("error with reason %s: %v", api.ReasonOf(err), err)
			}
		}
		checkFuzzOutput(t, buf.Bytes())
	})
}
