package text

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestSVG(t *testing.T) {
	const ns = `xmlns="http://www.w3.org/2000/svg"`
	cases := []struct {
		name, svg, want string
	}{
		{"title, description and text", `<?xml version="1.0" encoding="UTF-8"?>
<svg ` + ns + ` width="100" height="100">
  <title>Harbour map</title>
  <desc>The north pier
     and the lighthouse</desc>
  <style>.a { fill: red }</style>
  <script>alert("no")</script>
  <circle cx="50" cy="50" r="40" fill="red"><title>Buoy</title></circle>
  <text x="10" y="20">Pier <tspan font-weight="bold">north</tspan> &amp; south</text>
</svg>`, "Harbour map\nThe north pier and the lighthouse\nBuoy\nPier north & south\n"},
		{"shapes only", `<svg ` + ns + `><rect width="10" height="10"/><path d="M0 0L10 10"/></svg>`, ""},
		{"lines of an Inkscape text", `<svg ` + ns + ` xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd">
<text x="0" y="10"><tspan sodipodi:role="line" x="0" y="10">First line</tspan><tspan sodipodi:role="line" x="0" y="30">second line</tspan></text></svg>`,
			"First line\nsecond line\n"},
		{"tspans placed on new lines or words", `<svg ` + ns + `><text><tspan x="0" dy="1.2em">one</tspan><tspan x="0" dy="1.2em">two</tspan><tspan x="40">three</tspan> x<tspan dy="-3">2</tspan></text></svg>`,
			"one\ntwo three x2\n"},
		{"Illustrator namespace entities", `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
	<!ENTITY ns_svg "http://www.w3.org/2000/svg">
	<!ENTITY ns_xlink "http://www.w3.org/1999/xlink">
	<!ENTITY st0 "fill:#FF0000;">
]>
<svg version="1.1" xmlns="&ns_svg;" xmlns:xlink="&ns_xlink;" width="100" height="100">
<rect style="&st0;" width="10" height="10"/>
<text transform="matrix(1 0 0 1 10 50)">Label from Illustrator</text>
</svg>`, "Label from Illustrator\n"},
		{"prefixed root", `<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:text>prefixed</svg:text></svg:svg>`, "prefixed\n"},
		{"metadata is not text", `<svg ` + ns + ` xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><metadata><rdf:RDF><dc:title>rdf title</dc:title></rdf:RDF></metadata><text>visible</text></svg>`,
			"visible\n"},
		{"flowed text", `<svg ` + ns + `><flowRoot><flowRegion><rect width="100" height="100"/></flowRegion><flowPara>Para one</flowPara><flowPara>Para two</flowPara></flowRoot></svg>`,
			"Para one\nPara two\n"},
		{"text area with line breaks", `<svg ` + ns + ` version="1.2"><textArea width="100" height="auto">first<tbreak/>second</textArea></svg>`, "first\nsecond\n"},
		{"entities declared in a DTD are not expanded", `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` +
			`<svg ` + ns + `><text>&b;&b;&b;</text></svg>`, "&b;&b;&b;\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, res, err := extractBytes(t, "drawing.svg", []byte(c.svg), Options{})
			require.NoError(t, err)
			require.Equal(t, c.want, out)
			require.Equal(t, "svg", res.Format)
			require.False(t, res.Truncated)
		})
	}
}

func TestSVGDetection(t *testing.T) {
	svg := `<?xml version="1.0"?>
<!-- drawn by hand -->
<!DOCTYPE svg [<!ENTITY x "<>">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>found by content</text></svg>`
	for _, name := range []string{"drawing.svg", "drawing.xml", "drawing", "drawing.txt"} {
		t.Run(name, func(t *testing.T) {
			out, res, err := extractBytes(t, name, []byte(svg), Options{})
			require.NoError(t, err)
			require.Equal(t, "svg", res.Format)
			require.Equal(t, "found by content\n", out)
		})
	}
	latin1 := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><text>caf\xe9</text></svg>")
	out, res, err := extractBytes(t, "latin1.svg", latin1, Options{})
	require.NoError(t, err)
	require.Equal(t, "café\n", out)
	require.Equal(t, "windows-1252", res.Encoding)
	_, res, err = extractBytes(t, "page.svg", []byte("<html><body><p>not a drawing</p></body></html>"), Options{})
	require.NoError(t, err)
	require.Equal(t, "html", res.Format, "an HTML document named .svg is HTML")
}

func TestSVGDamaged(t *testing.T) {
	out, res, err := extractBytes(t, "cut.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><text>kept</text><!-- cut <text>lost</text></svg>`), Options{})
	require.NoError(t, err)
	require.Equal(t, "kept\n", out)
	require.True(t, res.Truncated)
	require.Contains(t, strings.Join(res.Warnings, "\n"), "SVG is malformed")

	_, _, err = extractBytes(t, "cut.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect width="1`), Options{})
	requireReason(t, err, api.ReasonSourceCorrupt)
}
