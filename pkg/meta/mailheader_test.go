package meta

import (
	"bufio"
	"net/mail"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The e-mail header and date parsers agree with net/mail, which the
// package no longer imports (see mailheader.go).
func TestMailDateAgreesWithNetMail(t *testing.T) {
	for _, d := range []string{
		"Mon, 02 Jan 2006 15:04:05 -0700",
		"Mon, 2 Jan 2006 15:04:05 +0100",
		"2 Jan 2006 15:04:05 -0700",
		"Fri, 21 Nov 1997 09:55:06 -0600 (MDT)",
		"Thu, 20 Nov 1997 09:55:06 GMT",
		"Thu, 20 Nov 1997 09:55 +0000",
		"20 Nov 97 09:55:06 -0600",
		"Tue, 1 Jul 2003 10:52:37 +0200 (CEST)",
		"  Tue,  1  Jul  2003  10:52:37  +0200 ",
		"Sat, 15 Jun 2024 08:00:00 UT",
	} {
		want, err := mail.ParseDate(d)
		require.NoError(t, err, d)
		got, ok := parseMailDate(d)
		require.True(t, ok, d)
		assert.True(t, want.Equal(got), "%q: %v, net/mail %v", d, got, want)
		_, off1 := got.Zone()
		_, off2 := want.Zone()
		assert.Equal(t, off2, off1, d)
	}
	for _, bad := range []string{"", "yesterday", "2024-06-15T08:00:00Z", "32 Jan 2006 15:04:05 -0700"} {
		_, ok := parseMailDate(bad)
		assert.False(t, ok, bad)
	}
}

func TestMailHeader(t *testing.T) {
	msg := "From: Zoë <zoe@example.com>\r\n" +
		"Subject: a long\r\n subject\r\n\tfolded\r\n" +
		"subject: second, ignored\r\n" +
		"X-Mailer:  Mutt \r\n" +
		"\r\n" +
		"To: body, not header\r\n"
	h, err := readMailHeader([]byte(msg))
	require.NoError(t, err)
	m, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(msg)))
	require.NoError(t, err)
	for _, k := range []string{"From", "Subject", "X-Mailer", "To", "Date"} {
		assert.Equal(t, m.Header.Get(k), h.get(k), k)
	}
	assert.Equal(t, "a long subject folded", h.get("SUBJECT"))

	h, err = readMailHeader([]byte("From: a@b\nTo: c@d")) // no body, no final newline
	require.NoError(t, err)
	assert.Equal(t, "c@d", h.get("to"))

	for _, bad := range []string{"", "\r\nFrom: a", " folded: first", "no colon here\nFrom: a"} {
		_, err := readMailHeader([]byte(bad))
		assert.Error(t, err, "%q", bad)
	}
	h, err = readMailHeader([]byte("From: a\nthen garbage\nTo: b\n"))
	require.NoError(t, err, "a malformed line ends the header")
	assert.Equal(t, "a", h.get("from"))
	assert.Empty(t, h.get("to"))
}
