package metablock

import (
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

// resource encodes one image resource block with an empty name.
func resource(sig string, id uint16, data []byte) []byte {
	b := append([]byte(sig), byte(id>>8), byte(id), 0, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func TestWalkResources(t *testing.T) {
	named := append([]byte("8BIM\x04\x04\x03abc"), 0, 0, 0, 2, 'h', 'i') // odd name length: no padding
	tests := []struct {
		name string
		data []byte
		want string // "sig:id:data" of each block, then "|" and the error
	}{
		{"two blocks", append(resource("8BIM", 0x0404, []byte("odd")), resource("PHUT", 0x0425, []byte("even"))...), "8BIM:0404:odd PHUT:0425:even |<nil>"},
		{"a name", named, "8BIM:0404:hi |<nil>"},
		{"NUL padding", append(resource("8BIM", 1, nil), 0, 0, 0), "8BIM:0001: |<nil>"},
		{"truncated data", resource("8BIM", 1, []byte("abcdef"))[:14], "8BIM:0001:ab(6) |<nil>"},
		{"truncated header", append(resource("8BIM", 1, nil), "8BIM"...), "8BIM:0001: |truncated resource block"},
		{"unknown signature", append(resource("8BIM", 1, nil), resource("ABCD", 2, nil)...), `8BIM:0001: |unknown resource signature "ABCD"`},
		{"name past the end", []byte("8BIM\x00\x01\xff\x00\x00\x00\x00\x00"), "|truncated resource block"},
		{"huge size", []byte("8BIM\x00\x01\x00\x00\xff\xff\xff\xffab"), "8BIM:0001:ab(4294967295) |<nil>"},
		{"empty", nil, "|<nil>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got strings.Builder
			err := WalkResources(tc.data, func(r Resource) bool {
				fmt.Fprintf(&got, "%s:%04x:%s", r.Sig, r.ID, r.Data)
				if r.Truncated() {
					fmt.Fprintf(&got, "(%d)", r.Size)
				}
				got.WriteString(" ")
				return true
			})
			if s := fmt.Sprintf("%s|%v", got.String(), err); s != tc.want {
				t.Errorf("got %q, want %q", s, tc.want)
			}
		})
	}
}

func TestFindResource(t *testing.T) {
	blocks := append(resource("PHUT", 0x0404, []byte("not 8BIM")), resource("8BIM", 0x0404, []byte("first"))...)
	blocks = append(blocks, resource("8BIM", 0x0404, []byte("second"))...)
	if got := FindResource(append([]byte(PhotoshopPrefix), blocks...), 0x0404); string(got) != "first" {
		t.Errorf("got %q, want the first complete 8BIM block", got)
	}
	cut := resource("8BIM", 0x0404, []byte("cut short"))
	if got := FindResource(cut[:len(cut)-3], 0x0404); got != nil {
		t.Errorf("a truncated block gave %q", got)
	}
	if got := FindResource([]byte("\x1c\x02\x74\x00\x01c"), 0x0404); got != nil {
		t.Errorf("bare IIM gave %q", got)
	}
}

func TestWalkIIM(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"datasets", "\x1c\x01\x5a\x00\x03\x1b%G\x1c\x02\x74\x00\x03(c)", "1:90:\x1b%G 2:116:(c) |<nil>"},
		{"extended", "\x1c\x02\x74\x80\x02\x00\x03abc\x1c\x02\x50\x00\x01x", "2:116:abc(ext) 2:80:x |<nil>"},
		{"extended too long", "\x1c\x02\x74\x80\x05\x00\x00\x00\x00\x03abc", "|bad extended dataset length"},
		{"extended past the end", "\x1c\x02\x74\x80\x04\x00", "|bad extended dataset length"},
		{"truncated value", "\x1c\x02\x74\x00\x09abc", "2:116:abc(9) |<nil>"},
		{"truncated header", "\x1c\x02\x74\x00", "|truncated dataset header"},
		{"NUL padding", "\x1c\x02\x74\x00\x01a\x00\x00", "2:116:a |<nil>"},
		{"junk", "\x1c\x02\x74\x00\x01aXY", "2:116:a |unexpected byte 0x58 at offset 6"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got strings.Builder
			err := WalkIIM([]byte(tc.data), func(d Dataset) bool {
				fmt.Fprintf(&got, "%d:%d:%s", d.Record, d.Number, d.Data)
				if d.Extended {
					got.WriteString("(ext)")
				}
				if d.Truncated() {
					fmt.Fprintf(&got, "(%d)", d.Size)
				}
				got.WriteString(" ")
				return true
			})
			if s := fmt.Sprintf("%s|%v", got.String(), err); s != tc.want {
				t.Errorf("got %q, want %q", s, tc.want)
			}
		})
	}
	n := 0
	_ = WalkIIM([]byte("\x1c\x02\x74\x00\x00\x1c\x02\x74\x00\x00"), func(Dataset) bool { n++; return false })
	if n != 1 {
		t.Errorf("the walk went on after fn returned false: %d calls", n)
	}
}

// ifd0 builds a little-endian TIFF structure whose IFD0 holds the given
// entries (tag, type, count, 4-byte value or offset).
func ifd0(entries ...[4]uint32) []byte {
	le := binary.LittleEndian
	b := []byte("II*\x00\x08\x00\x00\x00")
	b = le.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = le.AppendUint16(b, uint16(e[0]))
		b = le.AppendUint16(b, uint16(e[1]))
		b = le.AppendUint32(b, e[2])
		b = le.AppendUint32(b, e[3])
	}
	return le.AppendUint32(b, 0)
}

func TestTIFF(t *testing.T) {
	lim := Limits{MaxIFDs: 4, MaxIFDEntries: 100}
	data := ifd0([4]uint32{0x8298, TypeASCII, 6, 8 + 2 + 3*12 + 4}, [4]uint32{0x0112, TypeShort, 1, 6}, [4]uint32{0x0001, 99, 1, 0})
	data = append(data, "(c) A\x00"...)
	tf, err := NewTIFF(Bytes(data), 0, lim, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := tf.ReadIFD(tf.First, "IFD0")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Entries) != 2 {
		t.Fatalf("%d entries, want 2 (the unknown type is skipped)", len(d.Entries))
	}
	if v, err := tf.Raw(d.Entries[0], 64); err != nil || string(CString(v)) != "(c) A" {
		t.Errorf("copyright %q, %v", v, err)
	}
	if _, err := tf.Raw(d.Entries[0], 5); err == nil {
		t.Error("a value over the limit was read")
	}
	if v, ok := tf.Ints(d.Entries[1]); !ok || len(v) != 1 || v[0] != 6 {
		t.Errorf("orientation %v, %v", v, ok)
	}
	if _, err := tf.ReadIFD(tf.First, "again"); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("a second read of IFD0: %v", err)
	}

	for name, b := range map[string][]byte{
		"bad byte order": []byte("XX*\x00\x08\x00\x00\x00"),
		"bad magic":      []byte("II\x00\x00\x08\x00\x00\x00"),
		"bad BigTIFF":    []byte("II+\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
		"short":          []byte("II*\x00"),
	} {
		if _, err := NewTIFF(Bytes(b), 0, lim, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}

	var warned []string
	warn := func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) }
	outside := ifd0([4]uint32{0x8298, TypeASCII, 100, 0xFFFFFF00})
	tf, _ = NewTIFF(Bytes(outside), 0, lim, warn)
	d, err = tf.ReadIFD(tf.First, "IFD0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tf.Raw(d.Entries[0], 1<<20); err == nil {
		t.Error("a value outside the block was read")
	}
	truncated := ifd0([4]uint32{1, TypeShort, 1, 0}, [4]uint32{2, TypeShort, 1, 0})[:8+2+12+5]
	tf, _ = NewTIFF(Bytes(truncated), 0, lim, warn)
	if d, err := tf.ReadIFD(tf.First, "IFD0"); err != nil || len(d.Entries) != 1 {
		t.Errorf("truncated IFD: %v, %v", d, err)
	}
	many := ifd0(make([][4]uint32, 101)...)
	tf, _ = NewTIFF(Bytes(many), 0, lim, warn)
	if _, err := tf.ReadIFD(tf.First, "IFD0"); err == nil {
		t.Error("an IFD over the entry limit was read")
	}
	if want := []string{"IFD0: IFD is truncated", "IFD0: 101 entries is more than the limit of 100; IFD ignored"}; fmt.Sprint(warned) != fmt.Sprint(want) {
		t.Errorf("warnings %q, want %q", warned, want)
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"caf\xc3\xa9":      "café",
		"caf\xe9":          "café",
		"\x93quoted\x94":   "\u201cquoted\u201d",
		"\x81":             "\u0081",
		"\xef\xbf\xbd\xe9": "ï¿½é",
		// Valid UTF-8 stays as it is, a replacement character included.
		"a\xef\xbf\xbd":     "a\uFFFD",
		"\xa9 2024 Ann\x99": "© 2024 Ann™",
	} {
		if got := Legacy([]byte(in)); got != want {
			t.Errorf("Legacy(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Latin1([]byte("\x93\xe9")); got != "\u0093é" {
		t.Errorf("Latin1 = %q", got)
	}
}

func FuzzWalkers(f *testing.F) {
	f.Add([]byte("8BIM\x04\x04\x00\x00\x00\x00\x00\x05\x1c\x02\x74\x00\x00"))
	f.Add(ifd0([4]uint32{0x8298, TypeASCII, 6, 26}))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = WalkResources(b, func(Resource) bool { return true })
		_ = WalkIIM(b, func(Dataset) bool { return true })
		_ = FindResource(b, ResourceIPTC)
		if packet, _, err := XMPPacket(b); err == nil {
			r := &XMPReader{Key: func(n xml.Name) string { return n.Local }, Property: func(XMPProperty) {}, MaxDepth: 8, MaxItems: 8, MaxValueBytes: 64}
			_ = r.Read(packet)
		}
		if tf, err := NewTIFF(Bytes(b), 0, Limits{MaxIFDs: 8, MaxIFDEntries: 1000}, nil); err == nil {
			next := tf.First
			for next != 0 {
				d, err := tf.ReadIFD(next, "IFD")
				if err != nil {
					break
				}
				for _, e := range d.Entries {
					_, _ = tf.Raw(e, 1<<20)
					_, _ = tf.Ints(e)
				}
				next = d.Next
			}
		}
	})
}
