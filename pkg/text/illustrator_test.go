package text

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// TestIllustratorText: a PDF-compatible Illustrator file (a PDF named
// .ai) has the text of its PDF; a legacy PostScript one has none.
func TestIllustratorText(t *testing.T) {
	pdf, err := os.ReadFile(filepath.Join("testdata", "multilingual.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ai := filepath.Join(dir, "art.ai")
	if err := os.WriteFile(ai, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	var fromAI, fromPDF bytes.Buffer
	if _, err := Extract(context.Background(), ai, "art.ai", &fromAI, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := Extract(context.Background(), filepath.Join("testdata", "multilingual.pdf"), "multilingual.pdf", &fromPDF, Options{}); err != nil {
		t.Fatal(err)
	}
	if fromAI.Len() == 0 || fromAI.String() != fromPDF.String() {
		t.Errorf("text of the .ai file (%d bytes) differs from its PDF's (%d bytes)", fromAI.Len(), fromPDF.Len())
	}
	legacy := filepath.Join(dir, "legacy.ai")
	if err := os.WriteFile(legacy, []byte("%!PS-Adobe-3.0\n%%Creator: Adobe Illustrator(R) 8.0\n%%EndComments\nshowpage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Extract(context.Background(), legacy, "legacy.ai", &bytes.Buffer{}, Options{})
	if api.ReasonOf(err) != api.ReasonSourceFormatUnsupported {
		t.Errorf("legacy Illustrator file: %v, want SourceFormatUnsupported", err)
	}
}
