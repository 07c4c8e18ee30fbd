package text

import (
	"bytes"
	"context"
	"errors"
	"os"
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
	addSeeds(f, "sample.docx", "sample.xlsx", "sample.pptx")
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
