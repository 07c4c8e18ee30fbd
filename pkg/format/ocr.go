package format

// OCRRead reports whether the text of a source of format f is read by
// OCR (package ocr): a raster image the image engine reads, whose text
// rendition (fmt text) the fulltext action makes by reading the text in
// its pixels. Vector and PostScript images whose text package text reads
// (SVG, PDF-compatible Illustrator) are not; PDF pages without a text
// layer are read by OCR too, which only the document tells.
func OCRRead(f Format) bool {
	return f.Family == FamilyImage && f.Reads(ImageRead) && !f.Reads(TextRead) && !f.Reads(PostScriptRead)
}
