package api

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecodeRequest checks that DecodeRequest never panics, that every
// request it accepts survives re-encoding with the same renditions, and
// that every request it refuses says why.
func FuzzDecodeRequest(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if !strings.HasPrefix(filepath.Base(name), "request_") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		``, `null`, `[]`, `{}`, `{"source": 1}`,
		`{"source": "s3://b/k", "renditions": [null, 1, "x", [], {}]}`,
		`{"requestId": 5, "source": {"url": "s3://b/k", "size": -1}, "renditions": [{"fmt": "png", "width": "10"}]}`,
		`{"source": "data:,x", "renditions": [{"fmt": "png", "target": {"urls": [""]}, "crop": {"x": -1e300, "y": 0, "w": 1, "h": 1}}]}`,
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := DecodeRequest(data)
		if err != nil {
			var inv *InvalidRequestError
			if !errors.As(err, &inv) {
				t.Fatalf("error is %T, not *InvalidRequestError: %v", err, err)
			}
			if inv.Message == "" {
				t.Fatalf("InvalidRequestError without a message for %q", data)
			}
			if req != nil {
				t.Fatalf("both a request and an error for %q", data)
			}
			for _, r := range inv.Renditions {
				if r.Name == "" {
					t.Fatalf("unnamed rendition in the error for %q", data)
				}
			}
			return
		}
		if req.RequestID == "" {
			t.Fatalf("no request id for %q", data)
		}
		encoded, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("cannot re-encode the request decoded from %q: %v", data, err)
		}
		again, err := DecodeRequest(encoded)
		if err != nil {
			t.Fatalf("re-encoded request is refused: %v\ninput:      %q\nre-encoded: %s", err, data, encoded)
		}
		if again.RequestID != req.RequestID {
			t.Fatalf("request id changed from %q to %q", req.RequestID, again.RequestID)
		}
		if again.Source.URL != req.Source.URL {
			t.Fatalf("source changed from %q to %q", req.Source.URL, again.Source.URL)
		}
		if len(again.Renditions) != len(req.Renditions) {
			t.Fatalf("%d renditions became %d\nre-encoded: %s", len(req.Renditions), len(again.Renditions), encoded)
		}
		for i, r := range req.Renditions {
			a := again.Renditions[i]
			if r.Name == "" || a.Name != r.Name || a.Fmt != r.Fmt || a.Worker != r.Worker {
				t.Fatalf("rendition %d changed: name %q fmt %q worker %q became name %q fmt %q worker %q\nre-encoded: %s",
					i, r.Name, r.Fmt, r.Worker, a.Name, a.Fmt, a.Worker, encoded)
			}
			if r.Invalid == nil && a.Invalid != nil {
				t.Fatalf("valid rendition %d became invalid: %v\nre-encoded: %s", i, a.Invalid, encoded)
			}
			if r.Invalid != nil && ReasonOf(r.Invalid) == "" {
				t.Fatalf("rendition %d invalid without a reason", i)
			}
		}
	})
}
