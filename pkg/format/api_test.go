package format_test

import (
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/format"
)

// TestImageWritesMatchTheContract: the formats the registry says the image
// engine writes are the image fmt values of the wire contract, with the
// same media types, which is how the orchestrator routes renditions.
func TestImageWritesMatchTheContract(t *testing.T) {
	contract := map[string]bool{}
	for _, fmtName := range api.BuiltinFormats() {
		if fam, _ := api.FormatFamily(fmtName); fam != api.FamilyImage {
			continue
		}
		f, ok := format.ByExtension(fmtName)
		if !ok {
			t.Errorf("image fmt %q names no format of the registry", fmtName)
			continue
		}
		contract[f.Name] = true
		if !f.Engines.Has(format.ImageWrite) {
			t.Errorf("image fmt %q: the registry's %s is not written by the image engine", fmtName, f)
		}
		if m := api.FormatMimeType(fmtName); m != f.MIME {
			t.Errorf("image fmt %q: contract media type %s, registry %s", fmtName, m, f.MIME)
		}
	}
	for _, f := range format.All() {
		if f.Engines.Has(format.ImageWrite) && !contract[f.Name] {
			t.Errorf("the registry says the image engine writes %s, which is no image fmt of the contract", f)
		}
	}
}

func TestOCRRead(t *testing.T) {
	for name, want := range map[string]bool{
		"jpeg": true, "png": true, "tiff": true, "webp": true, "heic": true, "gif": true, "bmp": true,
		"svg": false, "pdf": false, "eps": false, "ai": false, "nef": false, "mp4": false, "docx": false,
	} {
		f, ok := format.ByName(name)
		if !ok {
			t.Fatalf("no format %q", name)
		}
		if got := format.OCRRead(f); got != want {
			t.Errorf("format.OCRRead(%s) = %v, want %v", name, got, want)
		}
	}
	if format.OCRRead(format.Unknown) {
		t.Error("format.OCRRead(format.Unknown)")
	}
}
