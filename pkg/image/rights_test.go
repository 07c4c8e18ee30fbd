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
