package text

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/unicode"
)

// crlf joins lines with CRLF, as vCard and iCalendar files have them.
func crlf(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

func TestVCardAndICalendar(t *testing.T) {
	cases := []struct {
		name, data, format, want string
	}{
		{"vCard 3.0 with X- properties", crlf(
			"BEGIN:VCARD",
			"VERSION:3.0",
			"PRODID:-//Apple Inc.//iPhone OS 17.0//EN",
			"N:Keeper;Renée;;Dr.;",
			"FN:Dr. Renée Keeper",
			"ORG:Harbour Office;Tides",
			"X-SKYPE:renee.keeper",
			"X-ANNIVERSARY:2010-06-01",
			"item1.EMAIL;TYPE=INTERNET,pref:renee@example.org",
			"item1.X-ABLabel:work",
			"TEL;TYPE=CELL:+33 6 12 34 56 78",
			"UID:5c1a0f0e-0000-4000-8000-000000000001",
			"END:VCARD"), "vcard",
			"Dr. Renée Keeper\nHarbour Office, Tides\nrenee.keeper\n2010-06-01\nrenee@example.org\nwork\n+33 6 12 34 56 78\n"},
		{"vCard 2.1 quoted-printable, charsets and a photo", crlf(
			"BEGIN:VCARD",
			"VERSION:2.1",
			"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;",
			"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=BCrgen M=C3=BCller",
			"TEL;WORK;VOICE:+49 30 1234567",
			"ADR;HOME;CHARSET=ISO-8859-1;QUOTED-PRINTABLE:;;Stra=DFe 1;K=F6ln;;50667;Deutschland",
			"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:First line of the note=0D=0A=",
			"second line, =C3=A0 bient=C3=B4t",
			"PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQ",
			"FxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMo",
			"",
			"END:VCARD"), "vcard",
			"Jürgen Müller\n+49 30 1234567\nStraße 1, Köln, 50667, Deutschland\nFirst line of the note\nsecond line, à bientôt\n"},
		{"vCard 4.0 escapes, folding and two cards", crlf(
			"BEGIN:VCARD",
			"VERSION:4.0",
			"FN:Ann Lee",
			"NOTE:Met at the pier\\, twice.\\nCall in the",
			"  morning.",
			"CATEGORIES:sailing,tides\\, charts",
			"END:VCARD",
			"BEGIN:VCARD",
			"VERSION:4.0",
			"FN:Bo Chen",
			"NICKNAME:Bo",
			"END:VCARD"), "vcard",
			"Ann Lee\nMet at the pier, twice.\nCall in the morning.\nsailing, tides, charts\n\nBo Chen\nBo\n"},
		{"iCalendar event with X- properties", crlf(
			"BEGIN:VCALENDAR",
			"VERSION:2.0",
			"PRODID:-//Example//Cal 1.0//EN",
			"X-WR-CALNAME:Harbour",
			"X-WR-TIMEZONE:Europe/Paris",
			"BEGIN:VTIMEZONE",
			"TZID:Europe/Paris",
			"BEGIN:STANDARD",
			"TZOFFSETFROM:+0200",
			"TZOFFSETTO:+0100",
			"TZNAME:CET",
			"DTSTART:19701025T030000",
			"END:STANDARD",
			"END:VTIMEZONE",
			"BEGIN:VEVENT",
			"UID:1@example.org",
			"DTSTAMP:20240201T120000Z",
			"DTSTART;TZID=Europe/Paris:20240301T093000",
			"DTEND:20240301T103000Z",
			"RRULE:FREQ=WEEKLY;COUNT=4",
			"SUMMARY:Tide review",
			"LOCATION:Pier 4\\, north side",
			"DESCRIPTION:Agenda:\\n- high water times\\n- the new",
			"  buoys",
			"ORGANIZER;CN=\"Keeper, Renée\":mailto:renee@example.org",
			"ATTENDEE;ROLE=REQ-PARTICIPANT;CN=Bo Chen:mailto:bo@example.org",
			"X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
			"BEGIN:VALARM",
			"ACTION:DISPLAY",
			"TRIGGER:-PT15M",
			"DESCRIPTION:Reminder",
			"END:VALARM",
			"END:VEVENT",
			"END:VCALENDAR"), "icalendar",
			"Harbour\n\n2024-03-01 09:30 Europe/Paris\n2024-03-01 10:30 UTC\nTide review\nPier 4, north side\nAgenda:\n- high water times\n- the new buoys\nKeeper, Renée <renee@example.org>\nBo Chen <bo@example.org>\n\nReminder\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "contact.vcf"
			if c.format == "icalendar" {
				name = "calendar.ics"
			}
			out, res, err := extractBytes(t, name, []byte(c.data), Options{})
			require.NoError(t, err)
			require.Equal(t, c.format, res.Format)
			require.Equal(t, c.want, out)
			require.False(t, res.Truncated)
		})
	}
}

// vCards and calendars are recognised by their content, whatever their
// name, and are never taken for e-mail because of their X- lines.
func TestVCardDetection(t *testing.T) {
	card := crlf("BEGIN:VCARD", "VERSION:3.0", "FN:Ann Lee", "X-SKYPE:ann", "X-TWITTER:@ann", "X-AIM:ann2", "END:VCARD")
	for _, name := range []string{"ann.vcf", "ann.txt", "ann", "ann.eml"} {
		t.Run(name, func(t *testing.T) {
			out, res, err := extractBytes(t, name, []byte(card), Options{})
			require.NoError(t, err)
			require.Equal(t, "vcard", res.Format)
			require.Equal(t, "Ann Lee\nann\n@ann\nann2\n", out)
		})
	}
	t.Run("UTF-16 with a byte order mark", func(t *testing.T) {
		data, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(card))
		require.NoError(t, err)
		out, res, err := extractBytes(t, "outlook.vcf", data, Options{})
		require.NoError(t, err)
		require.Equal(t, "vcard", res.Format)
		require.Equal(t, "utf-16le", res.Encoding)
		require.Equal(t, "Ann Lee\nann\n@ann\nann2\n", out)
	})
	t.Run("windows-1252 without a CHARSET", func(t *testing.T) {
		data := []byte(crlf("BEGIN:VCARD", "VERSION:2.1", "FN:Ren\xe9e Gr\xfcn", "NOTE:caf\xe9 cr\xe8me br\xfbl\xe9e", "END:VCARD"))
		out, res, err := extractBytes(t, "renee.vcf", data, Options{})
		require.NoError(t, err)
		require.Equal(t, "windows-1252", res.Encoding)
		require.Equal(t, "Renée Grün\ncafé crème brûlée\n", out)
	})
	t.Run("header-like lines with X- fields are not e-mail", func(t *testing.T) {
		data := "X-Trace: 1\nX-Origin: probe\nStatus: ok\n\nbody line\n"
		out, res, err := extractBytes(t, "dump.txt", []byte(data), Options{})
		require.NoError(t, err)
		require.Equal(t, "text", res.Format)
		require.Equal(t, data, out)
	})
	t.Run("a message with X- fields is still e-mail", func(t *testing.T) {
		data := "X-Mailer: probe\nX-Spam: no\nSubject: tides\n\nbody line\n"
		out, res, err := extractBytes(t, "message.txt", []byte(data), Options{})
		require.NoError(t, err)
		require.Equal(t, "eml", res.Format)
		require.Equal(t, "Subject: tides\n\nbody line\n", out)
	})
}

func TestVCardLimits(t *testing.T) {
	data := crlf("BEGIN:VCARD", "FN:Ann Lee", "NOTE:"+strings.Repeat("long note ", 20_000), "TEL:+1 555 0100", "END:VCARD")
	out, res, err := extractBytes(t, "ann.vcf", []byte(data), Options{MaxTokenBytes: 1000})
	require.NoError(t, err)
	require.True(t, res.Truncated)
	require.Contains(t, strings.Join(res.Warnings, "\n"), "MaxTokenBytes")
	require.True(t, strings.HasPrefix(out, "Ann Lee\nlong note long note"))
	require.Less(t, len(out), 1100)
	require.True(t, strings.HasSuffix(out, "\n+1 555 0100\n"), "the lines after a cut one are read")

	_, res, err = extractBytes(t, "junk.vcf", []byte(crlf("BEGIN:VCARD", "no colon here", ":no name", "END:VCARD")), Options{})
	require.NoError(t, err)
	require.Equal(t, 0, res.Chars)
}
