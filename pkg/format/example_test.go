package format_test

import (
	"fmt"

	"github.com/assetcompute/assetcompute/pkg/format"
)

// Sniff tells a source by its first bytes, and by its name where the bytes
// cannot: which engines read it follows from the registry entry.
func Example() {
	for _, src := range []struct {
		head, name string
	}{
		{"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "photo.jpg"},
		{"junk before the header\n%PDF-1.7\n", "report"},
		{"\xff\x0a\xfa\x7f", "image.jxl"},
		{"II*\x00\x08\x00\x00\x00", "DSC_0001.NEF"},
		{"\xff\xd8", "cut.jpg"},
		{"BEGIN:VCARD\r\nVERSION:3.0\r\n", "contact"},
		{"\x00\x01\x02\x03", "data.bin"},
	} {
		f := format.Sniff([]byte(src.head), src.name)
		fmt.Printf("%-9s %-9s %-18s truncated=%-5v %s\n", f, f.Family, f.MIME,
			format.Truncated([]byte(src.head), src.name), f.Engines)
	}
	// Output:
	// jpeg      image     image/jpeg         truncated=false image-read,image-write,meta-read
	// pdf       document  application/pdf    truncated=false image-read,meta-read,text-read
	// jxl       image     image/jxl          truncated=false image-read,image-write,meta-read
	// nef       raw       image/x-nikon-nef  truncated=false image-read,meta-read
	// jpeg      image     image/jpeg         truncated=true  image-read,image-write,meta-read
	// vcard     text      text/vcard         truncated=false text-read
	// unknown             application/octet-stream truncated=false none
}
