// Command formatstable checks, format by format, what `acs process` makes
// of a sample file: a 319-pixel JPEG thumbnail, machine-metadata-json and
// text, each created or failed with its reason, printed as a Markdown
// table (scripts/formats-table.sh; docs/formats.md is written from it).
//
// The samples: the files given on the command line (test/cases, the
// generated metadata set), and those it writes itself for the formats no
// test suite makes: a Canon CRW and a Sigma X3F with a JPEG preview, the
// TIFF-structured raw formats without a generator of their own (NRW,
// PEF, SRW, SR2, SRF, RWL, IIQ, 3FR, ERF, KDC, DCR, MEF, MOS) as a
// NEF-layout file (RWL: RW2 layout) under their extension, which checks
// the registry and the routing of the extension and the generic TIFF
// path, not a maker's own layout; Pages, Numbers and Keynote '09
// documents without a preview, and an iWork 2013+ package LibreOffice
// cannot import.
//
//	go run ./scripts/formatstable -acs bin/acs -dir DIR FILE...
package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/assetcompute/assetcompute/internal/officetest"
	"github.com/assetcompute/assetcompute/internal/rawtest"
)

func main() {
	acs := flag.String("acs", "bin/acs", "the acs binary")
	dir := flag.String("dir", "", "working directory (samples and outputs)")
	flag.Parse()
	if *dir == "" {
		log.Fatal("formatstable: -dir DIR is needed")
	}
	samples := filepath.Join(*dir, "samples")
	if err := os.MkdirAll(samples, 0o755); err != nil {
		log.Fatal(err)
	}
	files := writeSamples(samples)
	for _, f := range flag.Args() {
		abs, err := filepath.Abs(f)
		if err != nil {
			log.Fatal(err)
		}
		files = append(files, abs)
	}
	sort.Slice(files, func(i, j int) bool {
		ei, ej := ext(files[i]), ext(files[j])
		if ei != ej {
			return ei < ej
		}
		return files[i] < files[j]
	})
	fmt.Println("| sample | thumbnail (jpg, 319) | machine-metadata-json | text |")
	fmt.Println("|---|---|---|---|")
	for i, f := range files {
		out := filepath.Join(*dir, "out", fmt.Sprint(i))
		if err := os.MkdirAll(out, 0o755); err != nil {
			log.Fatal(err)
		}
		cells := run(*acs, f, out)
		fmt.Printf("| %s | %s | %s | %s |\n", label(f), cells[0], cells[1], cells[2])
	}
}

func ext(p string) string { return strings.ToLower(strings.TrimPrefix(filepath.Ext(p), ".")) }

// label names a sample by its extension and where it comes from.
func label(p string) string {
	wd, _ := os.Getwd()
	if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
		p = r
	} else {
		p = "(generated) " + filepath.Base(p)
	}
	return "`" + ext(p) + "` " + p
}

// run makes the three renditions of src into out and describes each.
func run(acs, src, out string) [3]string {
	type rendition map[string]any
	req := map[string]any{"source": src, "renditions": []rendition{
		{"fmt": "jpg", "width": 319, "height": 319, "target": filepath.Join(out, "thumb.jpg")},
		{"fmt": "machine-metadata-json", "target": filepath.Join(out, "metadata.json")},
		{"fmt": "text", "target": filepath.Join(out, "text.txt")},
	}}
	b, _ := json.Marshal(req)
	reqFile := filepath.Join(out, "request.json")
	if err := os.WriteFile(reqFile, b, 0o644); err != nil {
		log.Fatal(err)
	}
	var stdout bytes.Buffer
	cmd := exec.Command(acs, "process", "-timeout", "3m", "-f", reqFile)
	cmd.Stdout = &stdout
	_ = cmd.Run() // exit 1 when a rendition failed
	var res struct {
		Renditions []struct {
			Name    string `json:"name"`
			Status  string `json:"status"`
			Reason  string `json:"errorReason"`
			Message string `json:"errorMessage"`
		} `json:"renditions"`
		Events []struct {
			Type      string         `json:"type"`
			Rendition map[string]any `json:"rendition"`
			Metadata  map[string]any `json:"metadata"`
		} `json:"events"`
	}
	var cells [3]string
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || len(res.Renditions) != 3 {
		for i := range cells {
			cells[i] = "no result: " + strings.TrimSpace(stdout.String())
		}
		return cells
	}
	for i, r := range res.Renditions {
		switch {
		case r.Status != "created":
			msg := r.Message
			if len(msg) > 110 {
				msg = msg[:110] + "..."
			}
			cells[i] = "**no**: " + r.Reason + " (" + strings.ReplaceAll(msg, "|", "/") + ")"
		case i == 0:
			var md map[string]any
			for _, e := range res.Events {
				if e.Rendition["name"] == r.Name {
					md = e.Metadata
				}
			}
			w, h := num(md["tiff:imageWidth"]), num(md["tiff:imageHeight"])
			via := ""
			for _, k := range []string{"raw:source", "office:source", "postscript:source", "acs:source"} {
				if v, ok := md[k]; ok {
					via += fmt.Sprintf(", %s %v", strings.SplitN(k, ":", 2)[1], v)
				}
			}
			cells[i] = fmt.Sprintf("yes %dx%d%s", w, h, via)
		case i == 1:
			var m map[string]any
			data, _ := os.ReadFile(filepath.Join(filepath.Dir(filepath.Join(out, "x")), "metadata.json"))
			_ = json.Unmarshal(data, &m)
			keys := []string{}
			for _, k := range []string{"dc:format", "tiff:Make", "tiff:Model", "dc:title", "dc:creator", "xmpTPg:NPages", "exif:DateTimeOriginal", "xmp:CreateDate"} {
				if v, ok := m[k]; ok {
					keys = append(keys, fmt.Sprintf("%s=%v", k, v))
				}
			}
			cells[i] = fmt.Sprintf("yes (%d keys: %s)", len(m), strings.Join(keys, ", "))
		default:
			data, _ := os.ReadFile(filepath.Join(out, "text.txt"))
			t := strings.Join(strings.Fields(string(data)), " ")
			if len(t) > 40 {
				t = t[:40] + "..."
			}
			cells[i] = fmt.Sprintf("yes (%d bytes: %q)", len(data), t)
		}
	}
	return cells
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// writeSamples writes the generated samples into dir and returns their
// paths.
func writeSamples(dir string) []string {
	var out []string
	write := func(name string, b []byte) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			log.Fatal(err)
		}
		abs, _ := filepath.Abs(p)
		out = append(out, abs)
	}
	t := rawtest.TIFFRaw{Width: 1200, Height: 800, Orientation: 1, PreviewWidth: 600, PreviewHeight: 400}
	for _, e := range []string{"nrw", "pef", "srw", "sr2", "srf", "iiq", "3fr", "erf", "kdc", "dcr", "mef", "mos"} {
		write("nef-layout."+e, t.NEF())
	}
	write("rw2-layout.rwl", t.RW2())
	write("preview.crw", crw(rawtest.JPEG(1536, 1024)))
	write("preview.x3f", x3f(rawtest.JPEG(1134, 756)))
	write("letter.pages", officetest.IWork09("pages", "Zebra marmalade quantum"))
	write("budget.numbers", officetest.IWork09("numbers", "Budget"))
	write("talk.key", officetest.IWork09("keynote", "Walrus ukulele"))
	write("iwork2013.pages", officetest.IWorkArchive())
	return out
}

// ciffHeap writes a CIFF heap: the values, then the table, then the
// table's offset.
func ciffHeap(ents ...[2]any) []byte {
	le := binary.LittleEndian
	var data []byte
	dir := le.AppendUint16(nil, uint16(len(ents)))
	for _, e := range ents {
		tag, v := e[0].(uint16), e[1].([]byte)
		dir = le.AppendUint16(dir, tag)
		dir = le.AppendUint32(dir, uint32(len(v)))
		dir = le.AppendUint32(dir, uint32(len(data)))
		data = append(data, v...)
		for len(data)%2 != 0 {
			data = append(data, 0)
		}
	}
	off := len(data)
	return le.AppendUint32(append(data, dir...), uint32(off))
}

// crw writes a Canon CRW of a 3072x2048 sensor: JpgFromRaw (0x2007) in
// the root heap, ImageInfo (0x1810) and the make and model in
// ImageProps (0x300a).
func crw(jpeg []byte) []byte {
	le := binary.LittleEndian
	info := le.AppendUint32(nil, 3072)
	info = le.AppendUint32(info, 2048)
	info = append(info, make([]byte, 20)...)
	props := ciffHeap(
		[2]any{uint16(0x1810), info},
		[2]any{uint16(0x2807), ciffHeap([2]any{uint16(0x080a), []byte("Canon\x00Canon EOS 10D\x00")})},
	)
	h := []byte("II")
	h = le.AppendUint32(h, 26)
	h = append(h, "HEAPCCDR"...)
	h = le.AppendUint32(h, 0x00010002)
	h = append(h, make([]byte, 8)...)
	return append(h, ciffHeap([2]any{uint16(0x2007), jpeg}, [2]any{uint16(0x300a), props})...)
}

// x3f writes a Sigma X3F of a 2268x1512 sensor: a JPEG image section
// (format 18), a raw image section header, a PROP section with the make
// and model, and the section directory.
func x3f(jpeg []byte) []byte {
	le := binary.LittleEndian
	h := []byte("FOVb")
	h = le.AppendUint32(h, 0x00020000)
	h = append(h, make([]byte, 20)...)
	h = le.AppendUint32(h, 2268)
	h = le.AppendUint32(h, 1512)
	h = le.AppendUint32(h, 0)
	image := func(format uint32, cols, rows int, data []byte) []byte {
		s := []byte("SECi")
		s = le.AppendUint32(s, 0x00020000)
		s = le.AppendUint32(s, 2)
		s = le.AppendUint32(s, format)
		s = le.AppendUint32(s, uint32(cols))
		s = le.AppendUint32(s, uint32(rows))
		s = le.AppendUint32(s, 0)
		return append(s, data...)
	}
	var chars []uint16
	var offs []uint32
	for _, p := range [][2]string{{"CAMMANUF", "SIGMA"}, {"CAMMODEL", "SIGMA SD10"}} {
		for _, s := range p {
			offs = append(offs, uint32(len(chars)))
			chars = append(append(chars, utf16.Encode([]rune(s))...), 0)
		}
	}
	prop := []byte("SECp")
	prop = le.AppendUint32(prop, 0x00020000)
	prop = le.AppendUint32(prop, 2)
	prop = le.AppendUint32(prop, 0)
	prop = le.AppendUint32(prop, 0)
	prop = le.AppendUint32(prop, uint32(len(chars)))
	for _, o := range offs {
		prop = le.AppendUint32(prop, o)
	}
	for _, c := range chars {
		prop = le.AppendUint16(prop, c)
	}
	out := h
	type sec struct {
		off, n int
		typ    string
	}
	var secs []sec
	for _, s := range []struct {
		b   []byte
		typ string
	}{{image(18, 1134, 756, jpeg), "IMAG"}, {image(30, 2268, 1512, make([]byte, 64)), "IMAG"}, {prop, "PROP"}} {
		secs = append(secs, sec{len(out), len(s.b), s.typ})
		out = append(out, s.b...)
	}
	dir := len(out)
	out = append(out, "SECd"...)
	out = le.AppendUint32(out, 0x00020000)
	out = le.AppendUint32(out, uint32(len(secs)))
	for _, s := range secs {
		out = le.AppendUint32(out, uint32(s.off))
		out = le.AppendUint32(out, uint32(s.n))
		out = append(out, s.typ...)
	}
	return le.AppendUint32(out, uint32(dir))
}
