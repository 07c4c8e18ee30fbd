// Command genpdf writes a generated PDF to standard output, for the stress
// scripts: a plain text document or a decompression bomb.
//
//	go run ./internal/pdftest/genpdf -pages 300 > doc.pdf
//	go run ./internal/pdftest/genpdf -bomb metadata -bytes 1073741824 > bomb.pdf
//	go run ./internal/pdftest/genpdf -bomb forms -fanout 1000 > forms.pdf
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/assetcompute/assetcompute/internal/pdftest"
)

func main() {
	pages := flag.Int("pages", 1, "number of text pages")
	bomb := flag.String("bomb", "", "stream that is a decompression bomb: metadata, content, image or inline (an inline image); or forms, nested forms invoked -fanout times each")
	size := flag.Int64("bytes", 1<<30, "inflated size of the bomb stream")
	fanout := flag.Int("fanout", 1000, "invocations of each nested form, for -bomb forms")
	flag.Parse()
	s := pdftest.Spec{Pages: *pages, BombBytes: *size, Fanout: *fanout}
	switch *bomb {
	case "":
	case "metadata":
		s.Bomb = pdftest.MetadataBomb
	case "content":
		s.Bomb = pdftest.ContentBomb
	case "image":
		s.Bomb = pdftest.ImageBomb
	case "inline":
		s.Bomb = pdftest.InlineImageBomb
	case "forms":
		s.Bomb = pdftest.FormBomb
	default:
		fmt.Fprintf(os.Stderr, "genpdf: -bomb %q: want metadata, content, image, inline or forms\n", *bomb)
		os.Exit(2)
	}
	if err := pdftest.Write(os.Stdout, s); err != nil {
		fmt.Fprintln(os.Stderr, "genpdf:", err)
		os.Exit(1)
	}
}
