// Command genoffice writes the source files and instructions of the
// office action's cases (test/cases/office): documents built with
// package officetest and, for DOCX, PPTX, XLSX and the legacy formats,
// converted by LibreOffice. Expected renditions are then made with
// `acs test-worker -u office`.
//
//	go run ./internal/officetest/genoffice test/cases/office
package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/internal/officetest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genoffice DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "genoffice:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	tmp, err := os.MkdirTemp("", "genoffice-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	write := func(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }
	odp := filepath.Join(tmp, "slides.odp")
	odt := filepath.Join(tmp, "pages.odt")
	ods := filepath.Join(tmp, "sheet.ods")
	if err := write(odp, officetest.ODF(officetest.MimeODP, officetest.Slides("#0000ff", "#00a000"), "", false)); err != nil {
		return err
	}
	if err := write(odt, officetest.ODF(officetest.MimeODT, officetest.TextPages("First page of the document", "#ff0000 Second page"), "", false)); err != nil {
		return err
	}
	if err := write(ods, officetest.ODF(officetest.MimeODS, officetest.Sheet([]string{"Item", "Count"}, []string{"apples", "12"}, []string{"pears", "7"}), "", false)); err != nil {
		return err
	}
	converted := map[string]string{}
	for _, c := range []struct{ src, ext string }{{odt, "docx"}, {odp, "pptx"}, {ods, "xlsx"}, {odt, "doc"}, {odp, "ppt"}, {ods, "xls"}} {
		p, err := officetest.ConvertFile("soffice", c.src, c.ext, tmp)
		if err != nil {
			return err
		}
		converted[c.ext] = p
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			panic(err)
		}
		return b
	}
	red := color.RGBA{255, 0, 0, 255}
	cases := []struct {
		name, ext string
		data      []byte
		params    string
		metadata  string
	}{
		{"odp-first-slide", "odp", read(odp), `{"fmt": "png", "width": 280}`, `{"office:source": "page"}`},
		{"pptx-second-slide", "pptx", read(converted["pptx"]), `{"fmt": "png", "width": 280, "page": 2}`, `{"office:source": "page"}`},
		{"docx-text-page-jpg", "docx", read(converted["docx"]), `{"fmt": "jpg", "width": 200, "quality": 85}`, `{"office:source": "page"}`},
		{"odt-second-page", "odt", read(odt), `{"fmt": "png", "width": 200, "page": 2}`, `{"office:source": "page"}`},
		{"xlsx-sheet", "xlsx", read(converted["xlsx"]), `{"fmt": "png", "width": 240}`, `{"office:source": "page"}`},
		{"legacy-doc", "doc", read(converted["doc"]), `{"fmt": "png", "width": 200}`, `{"office:source": "page"}`},
		{"legacy-ppt", "ppt", read(converted["ppt"]), `{"fmt": "webp", "width": 280}`, `{"office:source": "page"}`},
		{"legacy-xls", "xls", read(converted["xls"]), `{"fmt": "png", "width": 240}`, `{"office:source": "page"}`},
		{"docx-embedded-thumbnail", "docx", officetest.DOCX("hello", 1, "docProps/thumbnail.jpeg",
			officetest.Part{Name: "docProps/thumbnail.jpeg", Data: officetest.Picture("jpeg", 300, 400, red)}), `{"fmt": "png", "width": 150, "height": 150}`, `{"office:source": "thumbnail"}`},
		{"odt-thumbnail-too-small", "odt", officetest.ODF(officetest.MimeODT, officetest.TextPages("A page whose thumbnail is small"), "", false,
			officetest.Part{Name: "Thumbnails/thumbnail.png", Data: officetest.Picture("png", 64, 90, red)}), `{"fmt": "png", "width": 200}`, `{"office:source": "page"}`},
		{"keynote-preview", "key", officetest.Zip(officetest.Part{Name: "Index/Document.iwa", Data: []byte("iwa")},
			officetest.Part{Name: "preview.jpg", Data: officetest.Picture("jpeg", 800, 600, color.RGBA{0, 90, 200, 255})},
			officetest.Part{Name: "preview-micro.jpg", Data: officetest.Picture("jpeg", 32, 24, red)}), `{"fmt": "jpg", "width": 320}`, `{"office:source": "thumbnail"}`},
		{"encrypted-docx", "docx", officetest.EncryptedOOXML(), `{"fmt": "png", "width": 200, "errorReason": "SourceUnsupported"}`, ""},
		{"encrypted-odt", "odt", officetest.ODF(officetest.MimeODT, "encrypted bytes", "", true), `{"fmt": "png", "width": 200, "errorReason": "SourceUnsupported"}`, ""},
		{"truncated-docx", "docx", read(converted["docx"])[:400], `{"fmt": "png", "width": 200, "errorReason": "SourceCorrupt"}`, ""},
		{"page-limit", "docx", officetest.DOCX("declares ten thousand pages", 10000, ""), `{"fmt": "png", "width": 200, "errorReason": "SourceTooLarge"}`, ""},
		{"xmp-fmt-refused", "docx", officetest.DOCX("metadata goes to the metadata action", 1, ""), `{"fmt": "xmp", "errorReason": "RenditionFormatUnsupported"}`, ""},
		{"legacy-doc-text", "doc", read(converted["doc"]), `{"fmt": "text"}`, ""},
		{"legacy-ppt-text", "ppt", read(converted["ppt"]), `{"fmt": "text"}`, ""},
	}
	for _, c := range cases {
		d := filepath.Join(dir, c.name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := write(filepath.Join(d, "file."+c.ext), c.data); err != nil {
			return err
		}
		if err := write(filepath.Join(d, "params.json"), []byte(c.params+"\n")); err != nil {
			return err
		}
		if c.metadata != "" {
			if err := write(filepath.Join(d, "metadata.json"), []byte(c.metadata+"\n")); err != nil {
				return err
			}
		}
	}
	return nil
}
