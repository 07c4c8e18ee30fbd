package meta_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"

	"github.com/assetcompute/assetcompute/pkg/meta"
)

func ExampleExtract() {
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 48)))
	data := buf.Bytes()

	md, err := meta.Extract(context.Background(), bytes.NewReader(data), int64(len(data)), "gray.png", meta.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	js, _ := md.JSON()
	fmt.Println(string(js))
	// Output:
	// {"dc:format":"image/png","tiff:BitsPerSample":[8],"tiff:ImageLength":48,"tiff:ImageWidth":64,"acs:Channels":1,"acs:ColorSpace":"Gray","acs:HasAlpha":false,"acs:Interlaced":false}
}

func ExampleMetadata_XMP() {
	md := &meta.Metadata{Properties: []meta.Property{
		{Key: "dc:creator", Value: meta.TextSeq("Zoë")},
		{Key: "dc:title", Value: meta.LangAlt("Dawn")},
	}}
	x, _ := md.XMP()
	x = x[bytes.Index(x, []byte("<rdf:Description")):]
	fmt.Println(string(x[:bytes.Index(x, []byte("\n  </rdf:Description>"))]))
	// Output:
	// <rdf:Description rdf:about=""
	//     xmlns:dc="http://purl.org/dc/elements/1.1/">
	//    <dc:creator>
	//     <rdf:Seq>
	//      <rdf:li>Zoë</rdf:li>
	//     </rdf:Seq>
	//    </dc:creator>
	//    <dc:title>
	//     <rdf:Alt>
	//      <rdf:li xml:lang="x-default">Dawn</rdf:li>
	//     </rdf:Alt>
	//    </dc:title>
}
