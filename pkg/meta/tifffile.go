package meta

// readTIFF reads a TIFF file or a TIFF-based raw (DNG, CR2, NEF, ARW, ORF,
// RW2, ...): the EXIF directories, the XMP (tag 700), IPTC (33723),
// Photoshop IRB (34377) and ICC profile (34675) of IFD0, the image
// structure of the main image, and the page count of a multi-page TIFF.
func readTIFF(x *extraction) error {
	b := x.b
	t, ifd0 := x.tiffBlock(x.s, 0, modeTIFF, "TIFF")
	if t == nil || ifd0 == nil {
		return corruptf("unreadable TIFF header or first IFD")
	}
	x.tiffEmbedded(t, ifd0, "TIFF")
	tiffImage(b, t, ifd0)
	if b.format == "image/x-panasonic-rw2" || b.format == "image/x-leica-rwl" {
		panasonicRaw(b, t, ifd0)
	}
	if b.format == "image/x-canon-cr2" {
		canonRawSize(b)
	}
	if b.format == "image/tiff" {
		tiffPages(b, t, ifd0)
	}
	return nil
}

func subfileType(t *tiffStruct, d *ifd) int64 {
	if e, ok := d.Find(0x00FE); ok {
		if v, ok := t.Ints(e); ok && len(v) == 1 {
			return v[0]
		}
	}
	return 0
}

// tiffImage sets channels and colour space; for a raw whose IFD0 is a
// reduced-resolution preview, it takes the size of the full-resolution
// image from the SubIFDs.
func tiffImage(b *builder, t *tiffStruct, ifd0 *ifd) {
	main := ifd0
	if subfileType(t, ifd0)&1 != 0 {
		if e, ok := ifd0.Find(0x014A); ok {
			if offs, ok := t.Ints(e); ok {
				for i, off := range offs {
					if i >= 8 {
						break
					}
					d, err := t.ReadIFD(off, "TIFF SubIFD")
					if err != nil {
						b.warn("%v", err)
						continue
					}
					if subfileType(t, d) == 0 {
						main = d
						break
					}
				}
			}
		}
	}
	if main != ifd0 {
		for tag, def := range imageTags {
			if e, ok := main.Find(tag); ok {
				if v, ok := t.value(e, def); ok {
					b.del(def.key)
					b.set(def.key, v, prioFile)
				}
			}
		}
	}
	if e, ok := main.Find(0x0115); ok {
		if v, ok := t.Ints(e); ok && len(v) == 1 {
			b.set("acs:Channels", Number(float64(v[0])), prioFile)
		}
	} else {
		b.set("acs:Channels", Number(1), prioFile-1)
	}
	if e, ok := main.Find(0x0106); ok {
		if v, ok := t.Ints(e); ok && len(v) == 1 {
			cs := map[int64]string{0: "Gray", 1: "Gray", 2: "RGB", 3: "RGB", 4: "Gray", 5: "CMYK", 6: "YCbCr", 8: "Lab", 9: "Lab", 10: "Lab", 32803: "RGB", 34892: "RGB"}[v[0]]
			if cs != "" {
				b.set("acs:ColorSpace", Text(cs), prioFile-2)
			}
		}
	}
	if e, ok := main.Find(0x0152); ok { // ExtraSamples
		if v, ok := t.Ints(e); ok && len(v) > 0 {
			b.set("acs:HasAlpha", Bool(v[0] == 1 || v[0] == 2), prioFile)
		}
	}
}

// tiffPages counts the pages of a multi-page TIFF: the IFDs of the main
// chain that are not reduced-resolution versions of another page.
func tiffPages(b *builder, t *tiffStruct, ifd0 *ifd) {
	pages := 0
	if subfileType(t, ifd0)&1 == 0 {
		pages = 1
	}
	next := ifd0.Next
	for next != 0 {
		d, err := t.ReadIFD(next, "TIFF page IFD")
		if err != nil {
			b.warn("%v; page count unknown", err)
			return
		}
		if subfileType(t, d)&1 == 0 {
			pages++
		}
		next = d.Next
	}
	if pages > 0 {
		b.set("xmpTPg:NPages", Number(float64(pages)), prioFile)
	}
}

// panasonicRaw reads the tags of the first IFD of a Panasonic (or Leica)
// RW2/RWL that are not TIFF tags: the ISO (0x17), which the camera does
// not always repeat in an Exif IFD, and the image size, the sensor's
// borders (0x04 to 0x07; the sensor size, 0x02 and 0x03, when they are
// missing), as exiftool computes it.
func panasonicRaw(b *builder, t *tiffStruct, ifd0 *ifd) {
	one := func(tag uint16) (int64, bool) {
		if e, ok := ifd0.Find(tag); ok {
			if v, ok := t.Ints(e); ok && len(v) == 1 && v[0] > 0 {
				return v[0], true
			}
		}
		return 0, false
	}
	if iso, ok := one(0x17); ok {
		b.set("exif:ISOSpeedRatings", Number(float64(iso)), prioEXIF-1)
	}
	w, okW := one(0x02)
	h, okH := one(0x03)
	top, ok1 := one(0x04)
	left, ok2 := one(0x05)
	bottom, ok3 := one(0x06)
	right, ok4 := one(0x07)
	if (ok1 || top == 0) && (ok2 || left == 0) && ok3 && ok4 && bottom > top && right > left {
		w, h, okW, okH = right-left, bottom-top, true, true
	}
	if okW && okH {
		b.del("tiff:ImageWidth")
		b.del("tiff:ImageLength")
		b.set("tiff:ImageWidth", Number(float64(w)), prioFile)
		b.set("tiff:ImageLength", Number(float64(h)), prioFile)
	}
}

// canonRawSize sets the image size of a CR2, whose IFD0 holds a reduced
// JPEG, to the sensor's, the Exif IFD's PixelXDimension and
// PixelYDimension, as exiftool does.
func canonRawSize(b *builder) {
	w, ok1 := b.get("exif:PixelXDimension")
	h, ok2 := b.get("exif:PixelYDimension")
	if !ok1 || !ok2 || w.Kind != KindNumber || h.Kind != KindNumber || w.Num <= 0 || h.Num <= 0 {
		return
	}
	b.del("tiff:ImageWidth")
	b.del("tiff:ImageLength")
	b.set("tiff:ImageWidth", w, prioFile)
	b.set("tiff:ImageLength", h, prioFile)
}

// tiffEmbedded reads the blocks the first IFD of a TIFF structure may
// hold (the XMP packet, IPTC, the Photoshop IRB, the ICC profile), in a
// TIFF file or in a raw format's TIFF block (what names it in warnings).
func (x *extraction) tiffEmbedded(t *tiffStruct, ifd0 *ifd, what string) {
	b := x.b
	for _, e := range ifd0.Entries {
		switch e.Tag {
		case 700:
			if data, err := t.Raw(e, b.opts.MaxXMPBytes); err != nil {
				b.warn("%s XMP: %s", what, x.describe(err))
			} else {
				parseXMP(b, data, prioXMP, what+" XMP")
			}
		case 33723:
			if data, err := t.Raw(e, b.opts.MaxSegmentBytes); err != nil {
				b.warn("%s IPTC: %s", what, x.describe(err))
			} else {
				// The IRB digest, when present, covers this IPTC block.
				prio := prioIPTC
				if e2, ok := ifd0.Find(34377); ok {
					if irbData, err := t.Raw(e2, b.opts.MaxSegmentBytes); err == nil {
						r := parseIRB(newBuilder(b.opts), irbData, "")
						r.iptc = data
						prio = r.iptcPrio()
					}
				}
				parseIPTC(b, data, prio, what+" IPTC")
			}
		case 34377:
			if data, err := t.Raw(e, b.opts.MaxSegmentBytes); err != nil {
				b.warn("%s Photoshop IRB: %s", what, x.describe(err))
			} else {
				r := parseIRB(b, data, what+" Photoshop IRB")
				if _, ok := ifd0.Find(33723); ok {
					r.iptc = nil // read from tag 33723 above
				}
				r.resX = 0 // the TIFF resolution tags are authoritative
				x.applyIRB(r, what)
			}
		case 34675:
			if data, err := t.Raw(e, b.opts.MaxSegmentBytes); err != nil {
				b.warn("%s ICC profile: %s", what, x.describe(err))
			} else {
				parseICC(b, data, what+" ICC profile")
			}
		}
	}
}
