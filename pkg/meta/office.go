package meta

import (
	"bytes"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// oleSignature starts an OLE2 compound file: a legacy binary Office
// document, or an Office Open XML document encrypted with a password.
const oleSignature = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"

// oleScan bounds how much of an OLE2 file is searched for the names of
// the streams of an encrypted package.
const oleScan = 1 << 20

// oleEncrypted reports an OLE2 file that holds a password-protected
// OOXML document (its directory names the EncryptedPackage and
// EncryptionInfo streams, in UTF-16LE) as SourceUnsupported. It returns
// nil for other OLE2 files, which are not read.
func (x *extraction) oleEncrypted() error {
	data, err := x.s.readUpTo(0, oleScan)
	if err != nil {
		return nil
	}
	for _, name := range []string{"EncryptedPackage", "EncryptionInfo"} {
		if bytes.Contains(data, utf16LE(name)) {
			return api.Errorf(api.ReasonSourceUnsupported,
				"%s is an encrypted (password-protected) Office document; its metadata cannot be read", displayName(x.name))
		}
	}
	return nil
}

func utf16LE(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		out = append(out, c, 0)
	}
	return out
}
