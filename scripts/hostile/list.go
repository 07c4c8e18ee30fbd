package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/assetcompute/assetcompute/internal/pdftest"
)

// corpus returns every sample; seeds holds valid files of the formats Go
// cannot encode (WebP, AVIF, HEIC, JPEG 2000, JPEG XL), made by acs itself,
// keyed by extension.
func corpus(seeds map[string][]byte) []sample {
	created := "created"
	var s []sample
	add := func(name, what string, want map[string]string, data func() []byte) {
		s = append(s, sample{name: name, what: what, want: want, data: data})
	}
	fixed := func(b []byte) func() []byte { return func() []byte { return b } }

	// Nothing at all, under every name a client might give it.
	for _, ext := range []string{"jpg", "png", "gif", "webp", "tif", "heic", "pdf", "svg", "docx", "odt", "epub", "html", "rtf", "eml", "txt", "bin"} {
		add("empty."+ext, "zero bytes", everywhere("SourceCorrupt"), fixed(nil))
	}

	// Lies about the type.
	add("png-named.jpg", "a PNG with a .jpg name", map[string]string{"image": created}, encodePNG)
	add("pdf-named.jpg", "a PDF with a .jpg name", map[string]string{"image": created, "text": created}, func() []byte { return textPDF(2, nil) })
	add("text-named.png", "plain text with a .png name", map[string]string{"image": "SourceFormatUnsupported", "text": created}, fixed([]byte("Just a few words of plain text.\n")))
	add("html-named.pdf", "HTML with a .pdf name", map[string]string{"image": "SourceFormatUnsupported", "text": created}, fixed([]byte("<!doctype html><html><body><p>Not a PDF at all.</p></body></html>")))
	add("elf-named.jpg", "an executable with a .jpg name", map[string]string{"image": "SourceFormatUnsupported"}, func() []byte {
		return append([]byte("\x7fELF\x02\x01\x01\x00"), bytes.Repeat([]byte{0x90}, 4000)...)
	})
	add("mp4-header.mp4", "an MP4 header and no media", map[string]string{"image": "SourceCorrupt", "text": "SourceCorrupt"}, fixed(append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 512)...)))
	add("random.tif", "64 KiB of random bytes", nil, func() []byte {
		b := make([]byte, 64<<10)
		for i := range b {
			b[i] = byte(i*7919 + i>>3)
		}
		return b
	})

	// JPEG.
	add("lossless-sof3.jpg", "a lossless (SOF3) JPEG", map[string]string{"image": "SourceFormatUnsupported"}, jpegSOF3)
	add("jpeg-huge-sof.jpg", "a JPEG declaring 65500x65500 pixels", map[string]string{"image": "SourceTooLarge"}, jpegHugeSOF)
	add("jpeg-truncated.jpg", "a JPEG cut in half", nil, func() []byte { return truncate(encodeJPEG(), 0.5) })
	add("jpeg-header-only.jpg", "SOI and nothing else", map[string]string{"image": "SourceCorrupt"}, fixed([]byte{0xff, 0xd8}))
	add("jpeg-app1-bomb.jpg", "a JPEG with 60 APP1 segments of garbage EXIF", nil, func() []byte {
		j := encodeJPEG()
		var b bytes.Buffer
		b.Write(j[:2])
		for i := 0; i < 60; i++ {
			seg := append([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\xff\xff"), bytes.Repeat([]byte{0xee}, 65000)...)
			b.Write([]byte{0xff, 0xe1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)})
			b.Write(seg)
		}
		b.Write(j[2:])
		return b.Bytes()
	})

	// PNG.
	add("png-width-2e31.png", "IHDR declares 2147483647 x 1", map[string]string{"image": "SourceTooLarge"}, func() []byte {
		return pngFile(pngChunk("IHDR", ihdr(1<<31-1, 1, 0)), pngChunk("IDAT", zlibOf([]byte{0, 0})))
	})
	add("png-pixel-bomb.png", "50000x50000 grey pixels of zeros in 2.4 MB", map[string]string{"image": "SourceTooLarge"}, func() []byte {
		return pngFile(pngChunk("IHDR", ihdr(50000, 50000, 0)), pngChunk("IDAT", greyRows(50000, 50000, 0)))
	})
	add("png-ztxt-bomb.png", "a zTXt chunk inflating to 1 GiB", map[string]string{"image": created, "metadata": created}, func() []byte {
		return pngFile(pngChunk("IHDR", ihdr(64, 64, 0)), pngChunk("zTXt", append([]byte("Comment\x00\x00"), zlibBomb(gib)...)), pngChunk("IDAT", greyRows(64, 64, 128)))
	})
	add("png-itxt-xmp-bomb.png", "an iTXt XML:com.adobe.xmp chunk inflating to 1 GiB", map[string]string{"image": created, "metadata": created}, func() []byte {
		return pngFile(pngChunk("IHDR", ihdr(64, 64, 0)), pngChunk("iTXt", append([]byte("XML:com.adobe.xmp\x00\x01\x00\x00\x00"), zlibBomb(gib)...)), pngChunk("IDAT", greyRows(64, 64, 128)))
	})
	add("png-iccp-bomb.png", "an iCCP profile inflating to 1 GiB", nil, func() []byte {
		return pngFile(pngChunk("IHDR", ihdr(64, 64, 2)), pngChunk("iCCP", append([]byte("bomb\x00\x00"), zlibBomb(gib)...)), pngChunk("IDAT", zlibOf(make([]byte, 64*(64*3+1)))))
	})
	add("png-many-chunks.png", "100000 tEXt chunks", nil, func() []byte {
		chunks := [][]byte{pngChunk("IHDR", ihdr(16, 16, 0))}
		for i := 0; i < 100000; i++ {
			chunks = append(chunks, pngChunk("tEXt", []byte(fmt.Sprintf("Key%d\x00value", i))))
		}
		return pngFile(append(chunks, pngChunk("IDAT", greyRows(16, 16, 9)))...)
	})
	add("png-truncated.png", "a PNG cut in half", nil, func() []byte { return truncate(encodePNG(), 0.5) })
	add("png-bad-crc.png", "IHDR with a wrong CRC", nil, func() []byte {
		b := encodePNG()
		b[29] ^= 0xff
		return b
	})

	// GIF, TIFF, BMP, PSD.
	add("gif-huge-screen.gif", "a 65535x65535 frame with a 4-byte LZW stream", nil, gifHugeScreen)
	add("gif-many-frames.gif", "3000 frames", nil, func() []byte { return encodeGIF(3000) })
	add("gif-truncated.gif", "an animated GIF cut in half", nil, func() []byte { return truncate(encodeGIF(8), 0.5) })
	add("tiff-ifd-loop.tif", "the first IFD names itself as the next", nil, tiffIFDLoop)
	add("tiff-huge.tif", "declares 1000000x1000000 pixels in 256 bytes", map[string]string{"image": "SourceTooLarge"}, tiffHuge)
	add("tiff-truncated.tif", "a TIFF cut in half", nil, func() []byte { return truncate(encodeTIFF(), 0.5) })
	add("bmp-huge.bmp", "declares 100000x100000 pixels", map[string]string{"image": "SourceTooLarge"}, bmpHuge)
	add("bmp-truncated.bmp", "a BMP cut in half", nil, func() []byte { return truncate(encodeBMP(), 0.5) })
	add("psd-huge.psd", "declares 300000x300000 pixels", nil, psdHuge)

	// Formats from seeds made by acs.
	for _, ext := range []string{"webp", "avif", "heic", "jp2", "jxl"} {
		seed, ok := seeds[ext]
		if !ok {
			continue
		}
		add("seed."+ext, "a valid "+ext+" made by acs", map[string]string{"image": created, "metadata": created}, fixed(seed))
		add("truncated-half."+ext, "a valid "+ext+" cut in half", nil, fixed(truncate(seed, 0.5)))
		add("header-only."+ext, "the first 40 bytes of a valid "+ext, nil, fixed(seed[:min(40, len(seed))]))
	}
	// Video and audio, from seeds made by ffmpeg: every image rendition is
	// a frame (or, for audio, a waveform); the text of a video is its
	// subtitle track; a playlist or concat script that names another file
	// is never read through.
	mediaText := map[string]string{"mp4": created, "mkv": created, "mp3": "SourceFormatUnsupported", "wav": "SourceFormatUnsupported"}
	for _, ext := range []string{"mp4", "mkv", "mp3", "wav"} {
		text := mediaText[ext]
		seed, ok := seeds[ext]
		if !ok {
			continue
		}
		add("seed."+ext, "a valid "+ext+" made by ffmpeg", map[string]string{"image": created, "metadata": created, "text": text}, fixed(seed))
		add("truncated-half."+ext, "a valid "+ext+" cut in half", nil, fixed(truncate(seed, 0.5)))
		add("header-only."+ext, "the first 40 bytes of a valid "+ext, nil, fixed(seed[:min(40, len(seed))]))
		s = append(s, mutations("mutated."+ext, seed, 6)...)
	}
	add("hls-playlist.mp4", "an HLS playlist named .mp4 that names a local file", map[string]string{"image": "SourceFormatUnsupported"},
		fixed([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2,\n/etc/passwd\n#EXT-X-ENDLIST\n")))
	add("ffconcat.mkv", "an ffconcat script named .mkv that names a local file", map[string]string{"image": "SourceFormatUnsupported"},
		fixed([]byte("ffconcat version 1.0\nfile /etc/passwd\n")))
	if seed, ok := seeds["mp4"]; ok {
		add("mp4-huge-declared.mp4", "an MP4 whose track header declares 65535x65535", nil, func() []byte {
			b := bytes.Clone(seed)
			if i := bytes.Index(b, []byte("tkhd")); i > 0 && i+4+84 <= len(b) {
				copy(b[i+4+76:], []byte{0xff, 0xff, 0, 0, 0xff, 0xff, 0, 0})
			}
			return b
		})
	}

	if w, ok := seeds["webp"]; ok {
		add("webp-riff-size-lie.webp", "a RIFF header declaring 4 GiB", nil, func() []byte {
			b := bytes.Clone(w)
			copy(b[4:8], []byte{0xff, 0xff, 0xff, 0xff})
			return b
		})
	}

	// SVG.
	for name, src := range svgs {
		want := map[string]string(nil)
		switch name {
		case "svg-illustrator-dtd.svg":
			want = map[string]string{"image": created}
		case "svg-no-text.svg":
			want = map[string]string{"image": created, "text": created}
		}
		add(name, "SVG: "+strings.TrimSuffix(strings.TrimPrefix(name, "svg-"), ".svg"), want, fixed([]byte(src)))
	}

	// PDF.
	add("pdf-300-pages.pdf", "a valid 300-page text PDF (png and text in one process)", everywhere(created), func() []byte { return textPDF(300, nil) })
	add("pdf-metadata-bomb.pdf", "a /Metadata stream inflating to 1 GiB", everywhere(created), bombPDF(pdftest.MetadataBomb, gib))
	add("pdf-content-bomb.pdf", "a page content stream inflating to 1 GiB", map[string]string{"image": "SourceTooLarge", "text": "SourceTooLarge"}, bombPDF(pdftest.ContentBomb, gib))
	add("pdf-image-bomb.pdf", "an image XObject inflating to 1 GiB", map[string]string{"image": "SourceTooLarge"}, bombPDF(pdftest.ImageBomb, gib))
	add("pdf-inline-image-bomb.pdf", "an inline image inflating to 1 GiB", map[string]string{"image": "SourceTooLarge"}, bombPDF(pdftest.InlineImageBomb, gib))
	add("pdf-forms-bomb.pdf", "forms invoking forms a million times", map[string]string{"image": "SourceTooLarge"}, func() []byte {
		var out bytes.Buffer
		if err := pdftest.Write(&out, pdftest.Spec{Pages: 1, Bomb: pdftest.FormBomb, Fanout: 1000}); err != nil {
			panic(err)
		}
		return out.Bytes()
	})
	add("pdf-encrypted.pdf", "encrypted with a user password", everywhere("SourceUnsupported"), encryptedPDF)
	add("pdf-prev-loop.pdf", "the xref's /Prev points at itself", nil, pdfPrevLoop)
	add("pdf-deep-array.pdf", "arrays nested 200000 deep", nil, pdfDeepArray)
	add("pdf-page-count-lie.pdf", "/Count 1000000000 with one page", nil, pdfPageCountLie)
	add("pdf-self-kids.pdf", "the page tree contains itself", nil, pdfSelfKids)
	add("pdf-no-text.pdf", "one page with a rectangle and no text", map[string]string{"image": created, "metadata": created, "text": created}, pdfNoText)
	add("pdf-truncated.pdf", "a 20-page PDF cut in half", nil, func() []byte { return truncate(textPDF(20, nil), 0.5) })
	add("pdf-header-only.pdf", "%PDF-1.7 and nothing else", map[string]string{"image": "SourceCorrupt", "text": "SourceCorrupt"}, fixed([]byte("%PDF-1.7\n")))

	// Office, OpenDocument, EPUB.
	add("docx-minimal.docx", "a valid docx without docProps/", map[string]string{"metadata": created, "text": created}, func() []byte {
		return zipFile(minimalDOCX("<w:p><w:r><w:t>Minimal document.</w:t></w:r></w:p>")...)
	})
	add("docx-zip-bomb.docx", "word/document.xml inflating to 1 GiB", nil, func() []byte {
		return docxWith(xmlBombEntry("word/document.xml", docxPrefix+"<w:p><w:r><w:t>", "a", "</w:t></w:r></w:p>"+docxSuffix, gib))
	})
	add("docx-size-lie.docx", "word/document.xml declares 100 bytes and inflates to 1 GiB", nil, func() []byte {
		return docxWith(zeroBombEntry("word/document.xml", gib, 100))
	})
	add("docx-billion-laughs.docx", "an entity bomb in word/document.xml", nil, func() []byte {
		return docxWith(zipEntry{name: "word/document.xml", data: []byte(strings.Replace(svgs["svg-billion-laughs.svg"], "<svg", "<w:document", 1))})
	})
	add("docx-many-members.docx", "100000 zip members", nil, func() []byte { return manyEntriesZip(100000) })
	add("docx-docprops-bomb.docx", "docProps/core.xml inflating to 1 GiB", map[string]string{"text": created}, func() []byte {
		e := minimalDOCX("<w:p><w:r><w:t>Properties bomb.</w:t></w:r></w:p>")
		e = append(e, xmlBombEntry("docProps/core.xml", `<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>`, "t", `</dc:title></cp:coreProperties>`, gib))
		return zipFile(e...)
	})
	add("docx-truncated.docx", "a docx cut in half", nil, func() []byte {
		return truncate(zipFile(minimalDOCX(strings.Repeat("<w:p><w:r><w:t>Some words here.</w:t></w:r></w:p>", 200))...), 0.5)
	})
	add("odt-zip-bomb.odt", "content.xml inflating to 1 GiB", nil, func() []byte {
		return odtWith(xmlBombEntry("content.xml", `<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>`, "b", `</text:p></office:text></office:body></office:document-content>`, gib))
	})
	add("epub-zip-bomb.epub", "a chapter inflating to 1 GiB", nil, func() []byte {
		return epubWith(xmlBombEntry("OEBPS/ch1.xhtml", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>`, "c ", `</p></body></html>`, gib))
	})
	add("xlsx-shared-strings-bomb.xlsx", "sharedStrings.xml inflating to 1 GiB", nil, func() []byte {
		return zipFile(
			zipEntry{name: "[Content_Types].xml", data: []byte(`<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`)},
			zipEntry{name: "_rels/.rels", data: []byte(`<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
			zipEntry{name: "xl/workbook.xml", data: []byte(`<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
			zipEntry{name: "xl/_rels/workbook.xml.rels", data: []byte(`<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)},
			zipEntry{name: "xl/worksheets/sheet1.xml", data: []byte(`<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`)},
			xmlBombEntry("xl/sharedStrings.xml", `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>`, "d", `</t></si></sst>`, gib),
		)
	})
	add("zip-in-zip.docx", "a docx whose document part is another zip", nil, func() []byte {
		inner := zipFile(zeroBombEntry("inner.bin", 256*mib, 256*uint64(mib)))
		return docxWith(zipEntry{name: "word/document.xml", data: inner})
	})

	// RTF, HTML, e-mail, plain text, cards.
	add("rtf-deep-groups.rtf", "groups nested 1000000 deep", nil, fixed([]byte(`{\rtf1 `+strings.Repeat("{", 1000000)+"text"+strings.Repeat("}", 1000000)+"}")))
	add("rtf-bin-lie.rtf", `\bin declares 2 GB of binary data`, nil, fixed([]byte(`{\rtf1\ansi Before {\pict\bin2000000000 abc} after.}`)))
	add("rtf-picture-only.rtf", "a picture and no text", map[string]string{"text": created}, fixed([]byte(`{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\pict\pngblip\picw10\pich10 89504e470d0a1a0a}}`)))
	add("rtf-unterminated.rtf", "an RTF with its closing braces missing", nil, fixed([]byte(`{\rtf1\ansi{\b Bold and never closed`)))
	add("html-deep-nesting.html", "divs nested 1000000 deep", nil, fixed([]byte("<html><body>"+strings.Repeat("<div>", 1000000)+"deep"+"</body></html>")))
	add("html-charset-lie.html", "declares UTF-16, holds Latin-1", map[string]string{"text": created}, fixed([]byte(`<html><head><meta charset="utf-16"></head><body><p>caf`+"\xe9"+` cr`+"\xe8"+`me</p></body></html>`)))
	add("eml-deep-multipart.eml", "multipart nested 5000 deep", nil, func() []byte {
		var b bytes.Buffer
		b.WriteString("From: a@example.com\r\nTo: b@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n")
		for i := 0; i < 5000; i++ {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\r\n\r\nbottom\r\n")
		return b.Bytes()
	})
	add("eml-base64-50mb.eml", "a 50 MB base64 attachment", map[string]string{"text": created}, func() []byte {
		var b bytes.Buffer
		b.WriteString("From: a@example.com\r\nSubject: attachment\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--x\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		line := strings.Repeat("QUFB", 19) + "\r\n"
		for b.Len() < 50<<20 {
			b.WriteString(line)
		}
		b.WriteString("--x--\r\n")
		return b.Bytes()
	})
	add("vcard-x-lines.vcf", "a vCard with X- lines", map[string]string{"text": created}, fixed([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nORG:Analytical Engines\r\nX-SOCIALPROFILE:ada\r\nNOTE:Poetical science.\r\nEND:VCARD\r\n")))
	add("icalendar-x-lines.ics", "an iCalendar file with X- lines", map[string]string{"text": created}, fixed([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Work\r\nBEGIN:VEVENT\r\nSUMMARY:Design review\r\nDESCRIPTION:Bring the hostile corpus.\r\nDTSTART:20261203T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")))
	add("text-one-byte.txt", "one byte", map[string]string{"text": created}, fixed([]byte("x")))
	add("text-nul-bytes.txt", "1 MB of NUL", nil, fixed(make([]byte, 1<<20)))
	add("text-utf16-odd.txt", "UTF-16 BOM and an odd number of bytes", nil, fixed([]byte("\xff\xfeh\x00i\x00!")))
	add("text-long-line.txt", "64 MB on one line", nil, fixed(bytes.Repeat([]byte("a"), 64<<20)))
	add("text-invalid-utf8.txt", "bytes that are not UTF-8 in any position", map[string]string{"text": created}, fixed([]byte("ok \xc3\x28 \xa0\xa1 \xf0\x28\x8c\xbc end\n")))

	// Damaged copies of valid files of every family.
	mut := map[string][]byte{
		"jpg": encodeJPEG(), "png": encodePNG(), "gif": encodeGIF(4), "tif": encodeTIFF(), "bmp": encodeBMP(),
		"pdf": textPDF(3, nil), "docx": zipFile(minimalDOCX("<w:p><w:r><w:t>Mutated document.</w:t></w:r></w:p>")...),
		"svg": []byte(svgs["svg-illustrator-dtd.svg"]),
	}
	for ext, seed := range seeds {
		mut[ext] = seed
	}
	for ext, seed := range mut {
		s = append(s, mutations("seed."+ext, seed, 6)...)
	}
	return s
}
