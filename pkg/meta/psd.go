package meta

import "encoding/binary"

// readPSD reads a Photoshop document's header (size, channels, depth,
// colour mode) and its image resources (IPTC, XMP, EXIF, ICC profile,
// resolution). Layer and image data are never read.
func readPSD(x *extraction) error {
	s, b := x.s, x.b
	h, err := s.readAt(0, 30)
	if err != nil {
		return corruptf("truncated header")
	}
	ver := binary.BigEndian.Uint16(h[4:])
	if ver != 1 && ver != 2 {
		return corruptf("unknown version %d", ver)
	}
	if ver == 2 {
		b.format = "image/vnd.adobe.photoshop" // PSB, same media type
	}
	ch := binary.BigEndian.Uint16(h[12:])
	height, width := binary.BigEndian.Uint32(h[14:]), binary.BigEndian.Uint32(h[18:])
	depth, mode := binary.BigEndian.Uint16(h[22:]), binary.BigEndian.Uint16(h[24:])
	b.set("tiff:ImageWidth", Number(float64(width)), prioFile)
	b.set("tiff:ImageLength", Number(float64(height)), prioFile)
	b.set("acs:Channels", Number(float64(ch)), prioFile)
	b.set("photoshop:ColorMode", Number(float64(mode)), prioFile)
	if cs := map[uint16]string{0: "Gray", 1: "Gray", 2: "RGB", 3: "RGB", 4: "CMYK", 7: "Multichannel", 8: "Gray", 9: "Lab"}[mode]; cs != "" {
		b.set("acs:ColorSpace", Text(cs), prioFile-2)
	}
	colours := map[uint16]int{0: 1, 1: 1, 2: 1, 3: 3, 4: 4, 8: 1, 9: 3}[mode]
	if colours > 0 {
		bps := make([]Value, colours)
		for i := range bps {
			bps[i] = Number(float64(depth))
		}
		b.set("tiff:BitsPerSample", Seq(bps...), prioFile)
	}
	cmLen := int64(binary.BigEndian.Uint32(h[26:]))
	resPos := 30 + cmLen
	lb, err := s.readAt(resPos, 4)
	if err != nil {
		b.warn("PSD: the file is truncated before the image resources")
		return nil
	}
	n := int64(binary.BigEndian.Uint32(lb))
	if n > b.opts.MaxSegmentBytes {
		b.warn("PSD: image resources of %d bytes are over the limit of %d; only the first part is read", n, b.opts.MaxSegmentBytes)
		n = b.opts.MaxSegmentBytes
	}
	if resPos+4+n > s.size {
		b.warn("PSD: image resources are truncated")
		n = s.size - resPos - 4
	}
	data, err := s.readAt(resPos+4, n)
	if err != nil {
		return err
	}
	x.applyIRB(parseIRB(b, data, "PSD image resources"), "PSD")
	return nil
}
