package image

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The rights are read with the module's one parser of metadata blocks
// (pkg/internal/metablock), which knows more of the IPTC and Photoshop
// layouts than the reader it replaced: an extended dataset (record 8's
// object data, say) no longer hides the notice after it, nor does a
// resource block of another signature hide the IPTC block after it.
func TestRightsAfterUncommonBlocks(t *testing.T) {
	extended := "\x1c\x08\x0a\x80\x02\x00\x05image" + "\x1c\x02\x74\x00\x08(c) Anne" + "\x1c\x02\x50\x00\x04Anne"
	assert.Equal(t, rights{Copyright: "(c) Anne", Creators: []string{"Anne"}}, rightsOf(header{IPTC: []byte(extended)}))

	irb := "Photoshop 3.0\x00" + "PHUT\x0b\xb8\x00\x00\x00\x00\x00\x02ok" +
		"8BIM\x04\x04\x00\x00\x00\x00\x00\x0a\x1c\x02\x74\x00\x05(c) B"
	assert.Equal(t, rights{Copyright: "(c) B"}, rightsOf(header{IPTC: []byte(irb)}))

	// What a truncated block holds is not carried: the notice may be cut.
	cut := "\x1c\x02\x74\x00\x20(c) Anne, all rights"
	assert.Equal(t, rights{}, rightsOf(header{IPTC: []byte(cut)}))
}

// XMP is read with the metadata engine's RDF reader, in its lenient mode:
// a packet with a byte that is not UTF-8 keeps its rights (the byte read
// as U+FFFD) instead of losing them all, a packet after junk (a block cut
// from a file with its padding) is found, and the attributes of a typed
// node are read as those of rdf:Description.
func TestXMPRightsOfUncommonPackets(t *testing.T) {
	const (
		head = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="` + nsRDF + `">`
		desc = `<rdf:Description rdf:about="" xmlns:dc="` + nsDC + `" xmlns:xmpRights="` + nsXMPRights + `"`
		tail = `</rdf:RDF></x:xmpmeta>`
	)
	tests := []struct {
		name, packet string
		want         rights
	}{
		{"not UTF-8", head + desc + "><dc:rights>(c) Jos\xe9</dc:rights><dc:creator><rdf:Seq><rdf:li>Jos\xe9</rdf:li></rdf:Seq></dc:creator></rdf:Description>" + tail,
			rights{Copyright: "(c) Jos\uFFFD", Creators: []string{"Jos\uFFFD"}}},
		{"after junk", "\x00\x00\x00" + head + desc + ` xmpRights:Marked="True"/>` + tail, rights{Marked: "True"}},
		{"typed node", head + `<dc:Work xmlns:dc="` + nsDC + `" xmlns:xmpRights="` + nsXMPRights + `" xmpRights:Marked="False"><dc:rights>(c) W</dc:rights></dc:Work>` + tail,
			rights{Copyright: "(c) W", Marked: "False"}},
		{"an unknown entity, as before", head + desc + `><dc:rights>&copy; 2024 Ann</dc:rights></rdf:Description>` + tail, rights{Copyright: "&copy; 2024 Ann"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, xmpRights([]byte(tc.packet)))
		})
	}
}
