// Package golden compares a test's JSON output with a golden file under
// testdata, so that a change to an event or result shape cannot go
// unnoticed. Run the tests with -update to rewrite the golden files after
// an intended change, and review the diff.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata with the current output")

// JSON encodes v as indented JSON and compares it byte for byte with
// testdata/name; with -update it writes the file instead. Map keys are
// sorted by encoding/json, so the output is deterministic when v is.
func JSON(t testing.TB, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding %s: %v", name, err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the golden file (run the test with -update to create it): %v", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s changed: an event or result shape is part of the contract. If the change is intended, run the test with -update and review the diff.\n--- want\n%s\n--- got\n%s", path, want, buf.Bytes())
	}
}

// Updating reports whether the tests run with -update, for a test that
// rewrites a committed file of another kind (a screenshot under docs).
func Updating() bool { return *update }
