package text

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSinkLayout(t *testing.T) {
	cases := []struct {
		name string
		fn   func(s *sink) error
		want string
	}{
		{"empty output has no newline", func(s *sink) error { return nil }, ""},
		{"final newline", func(s *sink) error { return s.Text("a") }, "a\n"},
		{"CRLF and CR become LF", func(s *sink) error { return s.Text("a\r\nb\rc") }, "a\nb\nc\n"},
		{"controls dropped, tab kept", func(s *sink) error { return s.Text("a\x00b\x07c\td\x1b\u0085e\ufeff") }, "abc\td\ne\n"},
		{"C1 controls and noncharacters dropped", func(s *sink) error { return s.Text("a\u0090b\uffffc\ufdd0d") }, "abcd\n"},
		{"invalid UTF-8 becomes U+FFFD", func(s *sink) error { return s.Text("a\xffb") }, "a\uFFFDb\n"},
		{"NFC across writes", func(s *sink) error {
			if err := s.Text("cafe"); err != nil {
				return err
			}
			return s.Text("\u0301!")
		}, "café!\n"},
		{"trailing spaces dropped", func(s *sink) error { return s.Text("a   \nb \t\n") }, "a\nb\n"},
		{"at most one blank line", func(s *sink) error { return s.Text("a\n\n\n\n\nb") }, "a\n\nb\n"},
		{"leading blank lines dropped", func(s *sink) error { return s.Text("\n\n a") }, " a\n"},
		{"break only ends a non-empty line", func(s *sink) error {
			s.Break()
			_ = s.Text("a")
			s.Break()
			s.Break()
			return s.Text("b")
		}, "a\nb\n"},
		{"space is soft", func(s *sink) error {
			s.Space()
			_ = s.Text("a")
			s.Space()
			s.Space()
			_ = s.Text("b ")
			s.Space()
			return s.Text("c")
		}, "a b c\n"},
		{"tab replaces a pending space, cells keep empty leading cells", func(s *sink) error {
			s.Tab()
			_ = s.Text("b")
			s.Space()
			s.Tab()
			_ = s.Text("c")
			s.Tab()
			s.Break()
			return s.Text("d")
		}, "\tb\tc\nd\n"},
		{"inline tab dropped at line start", func(s *sink) error {
			s.InlineTab()
			_ = s.Text("a")
			s.InlineTab()
			return s.Text("b")
		}, "a\tb\n"},
		{"form feeds between pages", func(s *sink) error {
			_ = s.Text("p1\n")
			s.PageBreak()
			_ = s.Text("p2")
			s.PageBreak()
			s.PageBreak()
			return s.Text("p4")
		}, "p1\n\fp2\n\f\fp4\n"},
		{"empty first page and trailing empty page", func(s *sink) error {
			s.PageBreak()
			_ = s.Text("p2")
			s.PageBreak()
			return nil
		}, "\fp2\n\f"},
		{"pages without any text give no text at all", func(s *sink) error {
			s.PageBreak()
			s.PageBreak()
			return s.Text(" \n\t")
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _ := sinkText(t, Options{}, c.fn)
			require.Equal(t, c.want, out)
			requireClean(t, out, true)
		})
	}
}

func TestSinkTruncatesAtMaxChars(t *testing.T) {
	out, s := sinkText(t, Options{MaxChars: 5}, func(s *sink) error {
		if err := s.Text("αβγ"); err != nil {
			return err
		}
		err := s.Text("δεζη")
		require.ErrorIs(t, err, errTruncated)
		require.ErrorIs(t, s.Text("more"), errTruncated, "the sink stays truncated")
		return err
	})
	require.Equal(t, "αβγδε", out, "cut on a character boundary, nothing added")
	require.True(t, s.truncated)
	require.Equal(t, 5, s.cnt.chars)
}

func TestSinkLongInput(t *testing.T) {
	line := strings.Repeat("word ", 20) + "\n"
	out, _ := sinkText(t, Options{}, func(s *sink) error {
		for i := 0; i < 1000; i++ {
			if err := s.Text(line); err != nil {
				return err
			}
		}
		return nil
	})
	require.Equal(t, 1000, strings.Count(out, "\n"))
}
