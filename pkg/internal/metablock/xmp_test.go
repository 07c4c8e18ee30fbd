package metablock

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// events reads packet and lists what Property receives, one line each.
func events(t *testing.T, r XMPReader, packet string) (string, error) {
	t.Helper()
	var got []string
	r.Key = func(n xml.Name) string {
		if n.Space == "urn:skip" {
			return ""
		}
		return r.Prefix(n.Space) + ":" + n.Local
	}
	r.Property = func(p XMPProperty) {
		s := fmt.Sprintf("%s %d", p.Key, p.Kind)
		if p.Field != "" {
			s += " /" + p.Field
		}
		if p.Kind == XMPSimple {
			s += fmt.Sprintf(" %q", p.Text)
			if p.Lang != "" {
				s += "@" + p.Lang
			}
		}
		for _, it := range p.Items {
			s += fmt.Sprintf(" %q", it.Text)
			if it.Lang != "" {
				s += "@" + it.Lang
			}
		}
		if p.Dropped > 0 {
			s += fmt.Sprintf(" (+%d)", p.Dropped)
		}
		got = append(got, s)
	}
	data, _, err := XMPPacket([]byte(packet))
	if err != nil {
		return "", err
	}
	err = r.Read(data)
	return strings.Join(got, "\n"), err
}

const (
	xHead = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`
	xDesc = `<rdf:Description rdf:about="" xmlns:a="urn:a" xmlns:s="urn:skip"`
	xTail = `</rdf:RDF></x:xmpmeta>`
)

func TestXMPReader(t *testing.T) {
	limits := XMPReader{MaxDepth: 8, MaxItems: 2, MaxValueBytes: 8}
	tests := []struct {
		name, packet, want string
		err                bool
	}{
		{"attributes and elements", xDesc + ` a:one=" 1 " s:no="x"><a:two xml:lang="fr">deux</a:two><s:skipped>x</s:skipped><a:r rdf:resource="urn:r"/></rdf:Description>`,
			"a:one 0 \"1\"\na:two 0 \"deux\"@fr\na:r 0 \"urn:r\"", false},
		{"containers", xDesc + `><a:alt><rdf:Alt><rdf:li xml:lang="x-default">d</rdf:li><rdf:li xml:lang="fr">f</rdf:li></rdf:Alt></a:alt>` +
			`<a:seq><rdf:Seq><rdf:li>1</rdf:li><rdf:li><a:x/></rdf:li><rdf:li>2</rdf:li><rdf:li>3</rdf:li></rdf:Seq></a:seq><a:bag><rdf:Bag/></a:bag></rdf:Description>`,
			"a:alt 1 \"d\"@x-default \"f\"@fr\na:seq 2 \"1\" (+2)\na:bag 3", false},
		{"structures", xDesc + `><a:st rdf:parseType="Resource"><a:f>1</a:f><rdf:value>v</rdf:value></a:st><a:at a:g="2"/>` +
			`<a:nd><rdf:Description a:h="3"><a:i>4</a:i></rdf:Description></a:nd><a:lit rdf:parseType="Literal"><b>x</b></a:lit></rdf:Description>`,
			"a:st 0 /a:f \"1\"\na:st 0 /rdf:value \"v\"\na:at 0 /a:g \"2\"\na:nd 0 /a:h \"3\"\na:nd 0 /a:i \"4\"", false},
		{"long text is not gathered", xDesc + `><a:t>0123456789</a:t><a:u><![CDATA[01234]]><![CDATA[56789]]><![CDATA[ab]]></a:u></rdf:Description>`,
			"a:t 0 \"0123456789\"\na:u 0 \"0123456789\"", false},
		{"values before damage are kept", xDesc + `><a:ok>1</a:ok><a:bad>&nbsp;</a:bad></rdf:Description>`, "a:ok 0 \"1\"", true},
		{"cut short", xDesc + `><a:ok>1</a:ok><a:cut>2`, "a:ok 0 \"1\"", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := events(t, limits, xHead+tc.packet+xTail)
			if got != tc.want || (err != nil) != tc.err {
				t.Errorf("got\n%s\n(%v), want\n%s", got, err, tc.want)
			}
		})
	}

	lenient := limits
	lenient.Lenient = true
	if got, err := events(t, lenient, xHead+xDesc+`><a:e>&copy; A</a:e></rdf:Description>`+xTail); err != nil || got != "a:e 0 \"&copy; A\"" {
		t.Errorf("lenient: %s (%v)", got, err)
	}
	shallow := limits
	shallow.MaxDepth = 0
	if _, err := events(t, shallow, xHead+xDesc+`><a:e>1</a:e></rdf:Description>`+xTail); !errors.Is(err, ErrXMPDepth) {
		t.Errorf("depth: %v", err)
	}
	if _, err := events(t, limits, `<?xml version="1.0" encoding="UTF-16"?><r:RDF xmlns:r="`+NSRDF+`"/>`); err == nil {
		t.Error("a UTF-16 declaration was accepted")
	}
}

func TestXMPPacket(t *testing.T) {
	for in, want := range map[string]string{
		"\xef\xbb\xbfjunk<x:xmpmeta/>":          "<x:xmpmeta/>",
		"pad<rdf:RDF/><x:xmpmeta/>":             "<x:xmpmeta/>",
		"pad<rdf:RDF/>":                         "<rdf:RDF/>",
		"<r:RDF xmlns:r='x'/>":                  "<r:RDF xmlns:r='x'/>",
		"<x:xmpmeta>\xff</x:xmpmeta>":           "<x:xmpmeta>\uFFFD</x:xmpmeta>",
		"<?xpacket?><x:xmpmeta a='b'/>trailing": "<x:xmpmeta a='b'/>trailing",
	} {
		got, repaired, err := XMPPacket([]byte(in))
		if err != nil || string(got) != want || repaired != strings.Contains(in, "\xff") {
			t.Errorf("XMPPacket(%q) = %q, %v, %v", in, got, repaired, err)
		}
	}
	if _, _, err := XMPPacket([]byte("<html/>")); !errors.Is(err, ErrNoRDF) {
		t.Errorf("no RDF: %v", err)
	}
}

func TestXMPReadRDF(t *testing.T) {
	d := xml.NewDecoder(strings.NewReader(`<svg><metadata>` + xHead[len(`<x:xmpmeta xmlns:x="adobe:ns:meta/">`):] + xDesc + ` a:x="1"/></rdf:RDF></metadata></svg>`))
	var keys []string
	r := &XMPReader{MaxDepth: 8, MaxItems: 8, MaxValueBytes: 8,
		Key:      func(n xml.Name) string { return n.Local },
		Property: func(p XMPProperty) { keys = append(keys, p.Key+"="+p.Text) }}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			t.Fatal("no rdf:RDF")
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Space == NSRDF && se.Name.Local == "RDF" {
			break
		}
	}
	if err := r.ReadRDF(d); err != nil || fmt.Sprint(keys) != "[x=1]" {
		t.Errorf("ReadRDF: %v, %v", keys, err)
	}
}
