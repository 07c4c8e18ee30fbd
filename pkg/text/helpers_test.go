package text

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// extractFile runs Extract on a file and checks the output conventions that
// hold for every format.
func extractFile(t *testing.T, path string, opts Options) (string, *Result, error) {
	t.Helper()
	var buf bytes.Buffer
	res, err := Extract(context.Background(), path, filepath.Base(path), &buf, opts)
	if err == nil {
		requireClean(t, buf.String(), !res.Truncated || res.Chars < opts.withDefaults().MaxChars)
		require.Equal(t, utf8.RuneCountInString(buf.String()), res.Chars, "Result.Chars counts the characters written")
	}
	return buf.String(), res, err
}

// extractBytes writes data to a temporary file called name and extracts it.
func extractBytes(t *testing.T, name string, data []byte, opts Options) (string, *Result, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return extractFile(t, path, opts)
}

// requireClean checks the output conventions of the package documentation.
// A final newline is only required when complete is true (text cut at
// MaxChars ends where it was cut).
func requireClean(t *testing.T, out string, complete bool) {
	t.Helper()
	require.True(t, utf8.ValidString(out), "output is UTF-8")
	require.True(t, norm.NFC.IsNormalString(out), "output is NFC")
	for _, r := range out {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\f' || (r >= 0x7f && r < 0xa0) || r == 0xfeff {
			t.Fatalf("output has control character %U: %q", r, out)
		}
	}
	if out != "" && complete {
		require.True(t, strings.HasSuffix(out, "\n") || strings.HasSuffix(out, "\f"), "output ends a line: %q", out[max(0, len(out)-20):])
	}
	require.NotContains(t, out, " \n", "no trailing spaces")
	require.NotContains(t, out, "\n\n\n", "at most one blank line")
}

// requireReason checks an error's api reason.
func requireReason(t *testing.T, err error, want api.Reason) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, want, api.ReasonOf(err), "reason of %v", err)
}

// requireInOrder checks that every part occurs in out, in the given order.
func requireInOrder(t *testing.T, out string, parts ...string) {
	t.Helper()
	rest := out
	for _, p := range parts {
		i := strings.Index(rest, p)
		require.GreaterOrEqual(t, i, 0, "%q (in order) not found in:\n%s", p, out)
		rest = rest[i+len(p):]
	}
}

func testdata(name string) string { return filepath.Join("testdata", name) }

// sinkText runs fn against a fresh sink and returns what it wrote.
func sinkText(t *testing.T, opts Options, fn func(s *sink) error) (string, *sink) {
	t.Helper()
	var buf bytes.Buffer
	s := newSink(context.Background(), &buf, opts.withDefaults())
	err := fn(s)
	if err != nil && err != errTruncated {
		require.NoError(t, err)
	}
	_, err = s.close()
	require.NoError(t, err)
	return buf.String(), s
}
