package text

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Texts in legacy encodings are detected and decoded to exactly the text
// written, and the encoding is reported.
func TestEncodingDetection(t *testing.T) {
	cases := []struct {
		lang, label, want string
		bom               []byte
	}{
		{"en", "utf-8", "utf-8", nil},
		{"de", "utf-8", "utf-8", []byte{0xef, 0xbb, 0xbf}},
		{"de", "windows-1252", "windows-1252", nil},
		{"de", "utf-16le", "utf-16le", []byte{0xff, 0xfe}},
		{"ru", "utf-16be", "utf-16be", []byte{0xfe, 0xff}},
		{"el", "utf-16le", "utf-16le", nil},
		{"ja", "utf-16be", "utf-16be", nil},
		{"ru", "windows-1251", "windows-1251", nil},
		{"ru", "koi8-r", "koi8-r", nil},
		{"el", "windows-1253", "windows-1253", nil},
		// ISO-8859-7 and Windows-1253 agree on every letter of this text.
		{"el", "iso-8859-7", "windows-1253", nil},
		{"he", "windows-1255", "windows-1255", nil},
		{"ar", "windows-1256", "windows-1256", nil},
		{"ja", "shift_jis", "shift_jis", nil},
		{"zh", "gb18030", "gb18030", nil},
	}
	for _, c := range cases {
		t.Run(c.lang+"/"+c.label, func(t *testing.T) {
			src, err := os.ReadFile(testdata("multilingual/" + c.lang + ".txt"))
			require.NoError(t, err)
			cs, ok := lookupCharset(c.label)
			require.True(t, ok)
			data := src
			if cs.enc != nil {
				data, err = cs.enc.NewEncoder().Bytes(src)
				require.NoError(t, err)
			}
			data = append(append([]byte{}, c.bom...), data...)
			out, res, err := extractBytes(t, c.lang+".txt", data, Options{})
			require.NoError(t, err)
			require.Equal(t, c.want, res.Encoding)
			require.Equal(t, strings.TrimRight(string(src), "\n")+"\n", out)
		})
	}
}

func TestEncodingLatin(t *testing.T) {
	// Short Western and Central European texts with few accented letters.
	cases := []struct{ text, label string }{
		{"Le café de la gare, très agréable à l'été.", "windows-1252"},
		{"Zażółć gęślą jaźń – żółw w łóżku.", "windows-1250"},
		{"Curly “quotes” and a euro sign: 5 €.", "windows-1252"},
	}
	for _, c := range cases {
		cs, _ := lookupCharset(c.label)
		data, err := cs.enc.NewEncoder().Bytes([]byte(c.text))
		require.NoError(t, err)
		out, res, err := extractBytes(t, "x.txt", data, Options{})
		require.NoError(t, err)
		require.Equal(t, c.label, res.Encoding)
		require.Equal(t, c.text+"\n", out)
	}
}
