package text

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// idmlPackage builds an IDML package: the mimetype entry first, stored,
// then the other parts in the order given.
func idmlPackage(t *testing.T, parts ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	fw, err := w.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	require.NoError(t, err)
	_, _ = fw.Write([]byte(idmlMIME))
	for _, p := range parts {
		fw, err := w.Create(p[0])
		require.NoError(t, err)
		_, _ = fw.Write([]byte(p[1]))
	}
	require.NoError(t, w.Close())
	return b.Bytes()
}

const idmlNS = `xmlns:idPkg="http://ns.adobe.com/AdobeInDesign/idml/1.0/packaging"`

func idmlStoryXML(self string, paras ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><idPkg:Story ` + idmlNS + ` DOMVersion="18.0"><Story Self="` + self + `">`)
	b.WriteString(`<StoryPreference OpticalMarginAlignment="false"/>`)
	for i, p := range paras {
		b.WriteString(`<ParagraphStyleRange AppliedParagraphStyle="ParagraphStyle/Body"><CharacterStyleRange AppliedCharacterStyle="CharacterStyle/$ID/[No character style]">`)
		b.WriteString(`<Properties><AppliedFont type="string">Minion Pro</AppliedFont></Properties>`)
		// A paragraph in two runs, the second with a special character.
		half := len(p) / 2
		b.WriteString(`<Content>` + p[:half] + `</Content></CharacterStyleRange><CharacterStyleRange><Content>` + p[half:] + `<?ACE 18?></Content>`)
		if i < len(paras)-1 {
			b.WriteString(`<Br/>`)
		}
		b.WriteString(`</CharacterStyleRange></ParagraphStyleRange>`)
	}
	b.WriteString(`</Story></idPkg:Story>`)
	return b.String()
}

// TestIDMLStories extracts the stories of an IDML package in the order of
// its document map (not the order of the zip), one line per paragraph,
// without character properties or special-character instructions.
func TestIDMLStories(t *testing.T) {
	designmap := `<?xml version="1.0" encoding="UTF-8"?><?aid style="50" type="document"?><Document ` + idmlNS + ` DOMVersion="18.0" Self="d">` +
		`<idPkg:Graphic src="Resources/Graphic.xml"/><idPkg:Spread src="Spreads/Spread_u1.xml"/>` +
		`<idPkg:Story src="Stories/Story_u20.xml"/><idPkg:Story src="Stories/Story_u10.xml"/></Document>`
	data := idmlPackage(t,
		[2]string{"designmap.xml", designmap},
		[2]string{"Stories/Story_u10.xml", idmlStoryXML("u10", "Second story, only paragraph.")},
		[2]string{"Stories/Story_u20.xml", idmlStoryXML("u20", "Headline of the brochure", "Body text &amp; more")},
		[2]string{"Stories/Story_u30.xml", idmlStoryXML("u30", "A story the map forgot")},
		[2]string{"META-INF/metadata.xml", `<x:xmpmeta xmlns:x="adobe:ns:meta/"/>`},
	)
	out, res, err := extractBytes(t, "brochure.idml", data, Options{})
	require.NoError(t, err)
	require.Equal(t, "idml", res.Format)
	require.Contains(t, out, "Headline of the brochure\nBody text & more\n")
	requireInOrder(t, out, "Headline of the brochure", "Body text & more", "Second story, only paragraph.", "A story the map forgot")
	require.NotContains(t, out, "Minion")
	require.NotContains(t, out, "ACE")
}

// TestIDMLBadInput: a story cut short is corrupt; a package without
// stories has no text.
func TestIDMLBadInput(t *testing.T) {
	story := idmlStoryXML("u1", "Some text that is cut")
	data := idmlPackage(t,
		[2]string{"designmap.xml", `<Document ` + idmlNS + `><idPkg:Story src="Stories/Story_u1.xml"/></Document>`},
		[2]string{"Stories/Story_u1.xml", story[:len(story)-60]},
	)
	_, _, err := extractBytes(t, "cut.idml", data, Options{})
	requireReason(t, err, api.ReasonSourceCorrupt)

	data = idmlPackage(t, [2]string{"designmap.xml", `<Document ` + idmlNS + `/>`})
	out, res, err := extractBytes(t, "empty.idml", data, Options{})
	require.NoError(t, err)
	require.Equal(t, "idml", res.Format)
	require.Empty(t, out)
}
