package text

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const sampleEML = "From: =?UTF-8?Q?Ren=C3=A9e_Keeper?= <renee@example.org>\r\n" +
	"To: harbour@example.org\r\n" +
	"Subject: =?ISO-8859-1?Q?Tide_table_f=FCr_M=E4rz?=\r\n" +
	"Date: Fri, 01 Mar 2024 10:00:00 +0100\r\n" +
	"Message-ID: <1@example.org>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"preamble\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=\"alt\"\r\n" +
	"\r\n" +
	"--alt\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p>HTML version, not chosen</p>\r\n" +
	"--alt\r\n" +
	"Content-Type: text/plain; charset=iso-8859-1\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"High water at 06:12, gr=FC=DFe from the harbour=\r\n" +
	" master.\r\n" +
	"--alt--\r\n" +
	"--outer\r\n" +
	"Content-Type: application/pdf; name=\"tides.pdf\"\r\n" +
	"Content-Disposition: attachment; filename=\"tides.pdf\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"JVBERi0xLjQK\r\n" +
	"--outer\r\n" +
	"Content-Type: message/rfc822\r\n" +
	"\r\n" +
	"From: old@example.org\r\n" +
	"Subject: Forwarded note\r\n" +
	"Content-Type: text/html; charset=windows-1251\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+0uXq8fI8L3A+PHNjcmlwdD5ubzwvc2NyaXB0Pg==\r\n" +
	"--outer--\r\n"

func TestEML(t *testing.T) {
	out, res, err := extractBytes(t, "message.eml", []byte(sampleEML), Options{})
	require.NoError(t, err)
	require.Equal(t, "eml", res.Format)
	require.Equal(t, "iso-8859-1", strings.Replace(res.Encoding, "windows-1252", "iso-8859-1", 1))
	require.Equal(t, "Subject: Tide table für März\n"+
		"From: Renée Keeper <renee@example.org>\n"+
		"To: harbour@example.org\n"+
		"Date: Fri, 01 Mar 2024 10:00:00 +0100\n"+
		"\n"+
		"High water at 06:12, grüße from the harbour master.\n"+
		"Attachment: tides.pdf\n"+
		"\n"+
		"Subject: Forwarded note\n"+
		"From: old@example.org\n"+
		"\n"+
		"Текст\n", out)
}

func TestEMLDetectedByHeaders(t *testing.T) {
	msg := "Received: from x\nFrom: a@b.c\nSubject: hi\n\nbody text\n"
	out, res, err := extractBytes(t, "noext", []byte(msg), Options{})
	require.NoError(t, err)
	require.Equal(t, "eml", res.Format)
	require.Equal(t, "Subject: hi\nFrom: a@b.c\n\nbody text\n", out)
}

func TestEMLNestingCap(t *testing.T) {
	var b strings.Builder
	depth := 100
	for i := 0; i < depth; i++ {
		b.WriteString("From: x@y\r\nSubject: level\r\nContent-Type: message/rfc822\r\n\r\n")
	}
	b.WriteString("From: x@y\r\nSubject: bottom\r\n\r\nbottom text\r\n")
	_, res, err := extractBytes(t, "deep.eml", []byte(b.String()), Options{MaxDepth: 10})
	require.NoError(t, err)
	require.True(t, res.Truncated)
}
