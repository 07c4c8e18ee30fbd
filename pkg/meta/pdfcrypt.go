package meta

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// PDF encryption (ISO 32000-2, 7.6): the standard security handler,
// revisions 2 to 6 (RC4 40 to 128 bits, AES-128, AES-256).
//
// A PDF whose user password is empty (protected by an owner password
// only: it opens without a password, with restricted permissions) is
// decrypted and read in full, as every PDF viewer does. A PDF that needs a
// password to open, or that uses another security handler (certificates,
// DRM plug-ins), is refused with api.ReasonSourceUnsupported.

// pdfPadding is the 32-byte string that pads passwords (Algorithm 2).
var pdfPadding = []byte("\x28\xBF\x4E\x5E\x4E\x75\x8A\x41\x64\x00\x4E\x56\xFF\xFA\x01\x08" +
	"\x2E\x2E\x00\xB6\xD0\x68\x3E\x80\x2F\x0C\xA9\xFE\x64\x53\x69\x7A")

// Crypt methods of strings and streams.
const (
	cryptIdentity = "Identity"
	cryptRC4      = "V2"
	cryptAESV2    = "AESV2"
	cryptAESV3    = "AESV3"
)

// pdfCrypt decrypts the strings and streams of an encrypted PDF.
type pdfCrypt struct {
	key             []byte // the file encryption key
	str, stm        string // crypt methods of strings and of streams
	encryptMetadata bool
}

// errPDFPassword is returned when the empty user password does not open
// the document.
var errPDFPassword = fmt.Errorf("the document needs a password")

// setupCrypt reads the encryption dictionary and authenticates with the
// empty user password.
func (p *pdfDoc) setupCrypt(v any) error {
	x := p.x
	refuse := func(format string, args ...any) error {
		return api.Errorf(api.ReasonSourceUnsupported, "%s is an encrypted PDF "+format+"; its metadata cannot be read",
			append([]any{displayName(x.name)}, args...)...)
	}
	enc, ok := p.resolve(v).(pdfDict)
	if !ok {
		return corruptf("bad encryption dictionary")
	}
	if f, _ := p.resolve(enc["Filter"]).(pdfName); f != "Standard" {
		return refuse("(security handler %q, based on certificates or a DRM plug-in)", string(f))
	}
	num := func(k pdfName) int {
		f, _ := p.resolve(enc[k]).(float64)
		return int(f)
	}
	str := func(k pdfName) []byte {
		s, _ := p.resolve(enc[k]).(string)
		return []byte(s)
	}
	c := &pdfCrypt{encryptMetadata: true}
	if em, ok := p.resolve(enc["EncryptMetadata"]).(bool); ok {
		c.encryptMetadata = em
	}
	var id0 []byte
	if ids, ok := p.resolve(p.trailer["ID"]).([]any); ok && len(ids) > 0 {
		s, _ := p.resolve(ids[0]).(string)
		id0 = []byte(s)
	}
	v5, r := num("V"), num("R")
	keyLen := 5
	if l := num("Length"); l >= 40 && l <= 256 && l%8 == 0 {
		keyLen = l / 8
	}
	switch v5 {
	case 1:
		c.str, c.stm, keyLen = cryptRC4, cryptRC4, 5
	case 2, 3:
		c.str, c.stm = cryptRC4, cryptRC4
	case 4, 5:
		cf, _ := p.resolve(enc["CF"]).(pdfDict)
		method := func(k pdfName) (string, int) {
			name, _ := p.resolve(enc[k]).(pdfName)
			if name == "" || name == cryptIdentity {
				return cryptIdentity, 0
			}
			f, _ := p.resolve(cf[name]).(pdfDict)
			cfm, _ := p.resolve(f["CFM"]).(pdfName)
			l, _ := p.resolve(f["Length"]).(float64)
			return string(cfm), int(l)
		}
		var l1, l2 int
		c.str, l1 = method("StrF")
		c.stm, l2 = method("StmF")
		if v5 == 4 && num("Length") == 0 {
			// The key length is the crypt filter's, in bytes (some
			// writers give bits); 128 bits by default.
			keyLen = 16
			if l := max(l1, l2); l >= 5 && l <= 16 {
				keyLen = l
			} else if l >= 40 && l <= 128 && l%8 == 0 {
				keyLen = l / 8
			}
		}
		for _, m := range []string{c.str, c.stm} {
			switch m {
			case cryptIdentity, "None":
			case cryptRC4, cryptAESV2:
				if v5 == 5 {
					return refuse("(crypt method %s with revision %d)", m, r)
				}
			case cryptAESV3:
				if v5 != 5 {
					return refuse("(crypt method %s with revision %d)", m, r)
				}
			default:
				return refuse("(unknown crypt method %q)", m)
			}
		}
		if c.str == "None" {
			c.str = cryptIdentity
		}
		if c.stm == "None" {
			c.stm = cryptIdentity
		}
	default:
		return refuse("(unknown encryption version %d)", v5)
	}
	var err error
	switch {
	case r >= 2 && r <= 4 && v5 <= 4:
		if keyLen < 5 || keyLen > 16 {
			return refuse("(key of %d bits)", keyLen*8)
		}
		c.key, err = pdfKeyR4(r, keyLen, str("O"), str("U"), uint32(int32(num("P"))), id0, c.encryptMetadata)
	case (r == 5 || r == 6) && v5 == 5:
		c.key, err = pdfKeyR6(r, str("U"), str("UE"))
	default:
		return refuse("(unknown revision %d of the standard security handler)", r)
	}
	if err == errPDFPassword {
		return api.Errorf(api.ReasonSourceUnsupported,
			"%s is a password-protected PDF: it is encrypted and needs a password to be opened; its metadata cannot be read", displayName(x.name))
	}
	if err != nil {
		return corruptf("bad encryption dictionary: %v", err)
	}
	p.crypt = c
	return nil
}

// pdfKeyR4 computes the file key for the empty user password (Algorithm
// 2) and checks it against the U entry (Algorithms 4 and 5), for the
// RC4 and AES-128 revisions 2 to 4.
func pdfKeyR4(r, n int, o, u []byte, perms uint32, id0 []byte, encryptMetadata bool) ([]byte, error) {
	if len(o) < 32 || len(u) < 32 {
		return nil, fmt.Errorf("short O or U entry")
	}
	h := md5.New()
	h.Write(pdfPadding)
	h.Write(o[:32])
	h.Write(binary.LittleEndian.AppendUint32(nil, perms))
	h.Write(id0)
	if r >= 4 && !encryptMetadata {
		h.Write([]byte{0xFF, 0xFF, 0xFF, 0xFF})
	}
	k := h.Sum(nil)
	if r >= 3 {
		for i := 0; i < 50; i++ {
			s := md5.Sum(k[:n])
			k = s[:]
		}
	}
	key := k[:n]
	if r == 2 {
		check := rc4XOR(key, pdfPadding)
		if !bytes.Equal(check, u[:32]) {
			return nil, errPDFPassword
		}
		return key, nil
	}
	s := md5.Sum(append(append([]byte{}, pdfPadding...), id0...))
	check := rc4XOR(key, s[:])
	k2 := make([]byte, len(key))
	for i := byte(1); i <= 19; i++ {
		for j := range key {
			k2[j] = key[j] ^ i
		}
		check = rc4XOR(k2, check)
	}
	if !bytes.Equal(check[:16], u[:16]) {
		return nil, errPDFPassword
	}
	return key, nil
}

// pdfKeyR6 checks the empty user password against the U entry and
// decrypts the file key from UE (Algorithm 2.A), for AES-256 revisions 5
// and 6.
func pdfKeyR6(r int, u, ue []byte) ([]byte, error) {
	if len(u) < 48 || len(ue) < 32 {
		return nil, fmt.Errorf("short U or UE entry")
	}
	if !bytes.Equal(pdfHashR6(r, u[32:40]), u[:32]) {
		return nil, errPDFPassword
	}
	block, err := aes.NewCipher(pdfHashR6(r, u[40:48]))
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, ue[:32])
	return key, nil
}

// pdfHashR6 is the hash of the empty password with salt: SHA-256 for
// revision 5, Algorithm 2.B for revision 6.
func pdfHashR6(r int, salt []byte) []byte {
	k0 := sha256.Sum256(salt)
	k := k0[:]
	if r == 5 {
		return k
	}
	for round := 1; ; round++ {
		k1 := bytes.Repeat(k, 64) // (password, K, user data) with an empty password and no user data
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		var h hash.Hash
		switch sum % 3 {
		case 0:
			h = sha256.New()
		case 1:
			h = sha512.New384()
		default:
			h = sha512.New()
		}
		h.Write(e)
		k = h.Sum(nil)
		if round >= 64 && int(e[len(e)-1]) <= round-32 {
			return k[:32]
		}
	}
}

func rc4XOR(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		return nil
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

// decrypt decrypts the data of object num gen with the given method.
func (c *pdfCrypt) decrypt(method string, num, gen int, data []byte) ([]byte, error) {
	switch method {
	case cryptIdentity:
		return data, nil
	case cryptAESV3:
		return aesCBC(c.key, data)
	}
	h := md5.New()
	h.Write(c.key)
	h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)})
	if method == cryptAESV2 {
		h.Write([]byte("sAlT"))
	}
	key := h.Sum(nil)[:min(len(c.key)+5, 16)]
	if method == cryptAESV2 {
		return aesCBC(key, data)
	}
	return rc4XOR(key, data), nil
}

// aesCBC decrypts data whose first 16 bytes are the initialisation vector,
// and removes the PKCS#7 padding.
func aesCBC(key, data []byte) ([]byte, error) {
	if len(data) == 0 {
		return data, nil
	}
	if len(data) < 32 || len(data)%16 != 0 {
		return nil, fmt.Errorf("AES-encrypted data of %d bytes is not whole blocks", len(data))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	if pad := int(out[len(out)-1]); pad >= 1 && pad <= 16 && bytes.Equal(out[len(out)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		out = out[:len(out)-pad]
	}
	return out, nil
}

// decryptStrings decrypts, in place, the strings of an object read from
// the file as object num gen. Strings inside object streams are not
// encrypted themselves (the stream is), nor is the encryption dictionary.
func (c *pdfCrypt) decryptStrings(v any, num, gen, depth int) any {
	if depth > pdfMaxDepth {
		return v
	}
	switch t := v.(type) {
	case string:
		d, err := c.decrypt(c.str, num, gen, []byte(t))
		if err != nil {
			return ""
		}
		return string(d)
	case pdfDict:
		for k, e := range t {
			t[k] = c.decryptStrings(e, num, gen, depth+1)
		}
	case []any:
		for i, e := range t {
			t[i] = c.decryptStrings(e, num, gen, depth+1)
		}
	case *pdfStream:
		c.decryptStrings(t.dict, num, gen, depth+1)
	}
	return v
}
