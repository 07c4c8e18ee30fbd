package meta

import (
	"path/filepath"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEncryptedPDFWithoutUserPassword: a PDF encrypted with an owner
// password only opens without a password, so it is decrypted and read in
// full: the Info strings and the encrypted XMP stream, with every
// revision of the standard security handler, also from object streams.
func TestEncryptedPDFWithoutUserPassword(t *testing.T) {
	plain, err := extractFile(t, filepath.Join("testdata", "pdf", "plain.pdf"))
	require.NoError(t, err)
	want := map[string]any{
		"dc:title":       "Café info",
		"dc:creator":     []any{"Ann Author"},
		"dc:description": "A subject",
		"dc:subject":     []any{"alpha", "beta"},
		"dc:rights":      "XMP rights",
		"xmp:Rating":     4.0,
		"xmpTPg:NPages":  3.0,
		"pdf:Keywords":   "alpha, beta",
	}
	pm := plain.Map()
	for k, v := range want {
		require.Equal(t, v, pm[k], "plain.pdf %s", k)
	}
	for _, name := range []string{"enc-rc4-40.pdf", "enc-rc4-128.pdf", "enc-aes-128.pdf", "enc-aes-256.pdf", "enc-objstm-aes-128.pdf", "enc-objstm-aes-256.pdf"} {
		t.Run(name, func(t *testing.T) {
			md, err := extractFile(t, filepath.Join("testdata", "pdf", name))
			require.NoError(t, err)
			m := md.Map()
			for k, v := range want {
				assert.Equal(t, v, m[k], k)
			}
			assert.Empty(t, md.Warnings)
			checkOutput(t, md)
		})
	}
}

// TestPasswordProtectedPDF: a PDF that needs a password to open is
// SourceUnsupported, saying it is password-protected.
func TestPasswordProtectedPDF(t *testing.T) {
	for _, name := range []string{"enc-user-aes-256.pdf", "enc-user-rc4-40.pdf"} {
		t.Run(name, func(t *testing.T) {
			_, err := extractFile(t, filepath.Join("testdata", "pdf", name))
			require.Error(t, err)
			assert.Equal(t, api.ReasonSourceUnsupported, api.ReasonOf(err), err.Error())
			var ae *api.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, `"`+name+`" is a password-protected PDF: it is encrypted and needs a password to be opened; its metadata cannot be read`, ae.Message)
		})
	}
}

// TestPDFEncryptionNotHandled: other security handlers and unknown
// revisions are SourceUnsupported; a broken encryption dictionary is
// SourceCorrupt.
func TestPDFEncryptionNotHandled(t *testing.T) {
	catalog := []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 1 >>", "<< /Title (T) >>"}
	id := "/ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]"
	for _, tc := range []struct {
		name, encrypt string
		reason        api.Reason
		message       string
	}{
		{"certificate handler", "<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /R 4 >>", api.ReasonSourceUnsupported, `security handler "Adobe.PubSec"`},
		{"unknown revision", "<< /Filter /Standard /V 5 /R 7 /O <00> /U <00> >>", api.ReasonSourceUnsupported, "unknown revision 7"},
		{"unknown version", "<< /Filter /Standard /V 9 /R 4 >>", api.ReasonSourceUnsupported, "unknown encryption version 9"},
		{"unknown crypt method", "<< /Filter /Standard /V 4 /R 4 /CF << /StdCF << /CFM /Magic >> >> /StmF /StdCF /StrF /StdCF >>", api.ReasonSourceUnsupported, `unknown crypt method "Magic"`},
		{"short U entry", "<< /Filter /Standard /V 2 /R 3 /Length 128 /P -4 /O <00> /U <00> >>", api.ReasonSourceCorrupt, "bad encryption dictionary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := testPDF("/Root 1 0 R /Info 3 0 R /Encrypt 4 0 R "+id, append(catalog, tc.encrypt)...)
			_, err := extractBytes(t, data, "locked.pdf")
			require.Error(t, err)
			assert.Equal(t, tc.reason, api.ReasonOf(err), err.Error())
			assert.Contains(t, err.Error(), tc.message)
		})
	}
}
