package postscript

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// textDocument is a PostScript document of three pages, each showing the
// words given.
func textDocument(pages ...string) string {
	var b strings.Builder
	b.WriteString("%!PS-Adobe-3.0\n%%Pages: " + itoa(len(pages)) + "\n%%EndComments\n")
	for i, p := range pages {
		b.WriteString("%%Page: " + itoa(i+1) + " " + itoa(i+1) + "\n")
		b.WriteString("/Helvetica findfont 20 scalefont setfont 72 700 moveto (" + p + ") show\n")
		b.WriteString("/Times-Roman findfont 12 scalefont setfont 300 400 moveto (page " + itoa(i+1) + " footnote) show\nshowpage\n")
	}
	return b.String() + "%%EOF\n"
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestTextOfPostScript(t *testing.T) {
	e := newEngine(t, Limits{})
	dir := t.TempDir()
	ctx := context.Background()
	t.Run("every page", func(t *testing.T) {
		src := write(t, dir, "doc.ps", []byte(textDocument("Zebra marmalade quantum", "Walrus ukulele", "Narwhal origami")))
		txt, err := e.Text(ctx, src, TextOptions{})
		require.NoError(t, err)
		assert.Equal(t, "Zebra marmalade quantum\npage 1 footnote\nWalrus ukulele\npage 2 footnote\nNarwhal origami\npage 3 footnote\n", txt.Text)
		assert.Equal(t, 3, txt.Pages)
		assert.False(t, txt.Truncated)
	})
	t.Run("the page limit", func(t *testing.T) {
		src := write(t, dir, "long.ps", []byte(textDocument("Zebra marmalade quantum", "Walrus ukulele", "Narwhal origami")))
		txt, err := e.Text(ctx, src, TextOptions{MaxPages: 2})
		require.NoError(t, err)
		assert.Contains(t, txt.Text, "Walrus ukulele")
		assert.NotContains(t, txt.Text, "Narwhal")
		assert.Equal(t, 2, txt.Pages)
		assert.True(t, txt.Truncated)
	})
	t.Run("an EPS and a legacy Illustrator file", func(t *testing.T) {
		eps := write(t, dir, "label.eps", []byte(hostile("/Helvetica findfont 10 scalefont setfont 5 50 moveto (Okapi lantern) show")))
		txt, err := e.Text(ctx, eps, TextOptions{})
		require.NoError(t, err)
		assert.Equal(t, "Okapi lantern\n", txt.Text)
		assert.Equal(t, 1, txt.Pages)
		ai := write(t, dir, "logo.ai", []byte("%!PS-Adobe-3.0\n%%Creator: Adobe Illustrator(R) 8.0\n%%BoundingBox: 10 10 210 110\n%%EndComments\n"+
			"/Helvetica findfont 10 scalefont setfont 20 50 moveto (Axolotl kettle) show showpage\n"))
		txt, err = e.Text(ctx, ai, TextOptions{})
		require.NoError(t, err)
		assert.Equal(t, "Axolotl kettle\n", txt.Text)
	})
	t.Run("no text", func(t *testing.T) {
		src := write(t, dir, "shapes.eps", []byte(hostile("0 0 50 50 rectfill")))
		txt, err := e.Text(ctx, src, TextOptions{})
		require.NoError(t, err)
		assert.Empty(t, txt.Text)
	})
	t.Run("a PDF-compatible Illustrator file", func(t *testing.T) {
		src := write(t, dir, "pdf.ai", []byte("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"))
		_, err := e.Text(ctx, src, TextOptions{})
		assert.Equal(t, api.ReasonSourceFormatUnsupported, api.ReasonOf(err), "%v", err)
	})
	t.Run("too many declared pages", func(t *testing.T) {
		small := newEngine(t, Limits{MaxPages: 2})
		src := write(t, dir, "many.ps", []byte(textDocument("a", "b", "c")))
		_, err := small.Text(ctx, src, TextOptions{})
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), "%v", err)
	})
}

// The text device runs in the same cage as the drawing: the hostile
// programs are refused with the same reasons and touch nothing outside.
func TestTextOfHostilePrograms(t *testing.T) {
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim.txt")
	require.NoError(t, os.WriteFile(victim, []byte("keep me"), 0o600))
	q := func(p string) string { return "(" + p + ")" }
	for _, c := range []struct {
		name, body string
		want       api.Reason
		message    string
	}{
		{"run a file", "(/etc/passwd) run", api.ReasonSourceUnsupported, "invalidfileaccess"},
		{"pipe a command", "(%pipe%id > " + filepath.Join(outside, "piped") + ") (r) file", api.ReasonSourceUnsupported, "invalidfileaccess"},
		{"write a file", q(filepath.Join(outside, "written")) + " (w) file dup (x) writestring closefile", api.ReasonSourceUnsupported, "invalidfileaccess"},
		{"delete a file", q(victim) + " deletefile", api.ReasonSourceUnsupported, "deletefile"},
		{"a PostScript error", "1 0 div", api.ReasonSourceCorrupt, "undefinedresult"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEngine(t, Limits{})
			src := write(t, t.TempDir(), "hostile.eps", []byte(hostile(c.body)))
			_, err := e.Text(context.Background(), src, TextOptions{})
			assert.Equal(t, c.want, api.ReasonOf(err), "%v", err)
			assert.Contains(t, api.MessageOf(err), c.message)
			after := tree(t, outside)
			assert.Len(t, after, 1)
			assert.Equal(t, "keep me", after[victim])
		})
	}
	t.Run("an endless loop", func(t *testing.T) {
		e := newEngine(t, Limits{CPUSeconds: 1})
		m := marker(t, "textloop")
		src := write(t, t.TempDir(), m+".eps", []byte(hostile("{} loop")))
		_, err := e.Text(context.Background(), src, TextOptions{})
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), "%v", err)
		assert.Empty(t, testutil.Processes(t, m))
	})
	t.Run("the deadline", func(t *testing.T) {
		e := newEngine(t, Limits{})
		m := marker(t, "textdeadline")
		src := write(t, t.TempDir(), m+".eps", []byte(hostile("{} loop")))
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			_, err := e.Text(ctx, src, TextOptions{})
			errc <- err
		}()
		testutil.WaitForProcesses(t, m, 1, errc)
		cancel()
		err := <-errc
		assert.Equal(t, api.ReasonTimeout, api.ReasonOf(err))
		assert.True(t, errors.Is(err, context.Canceled))
		assert.Empty(t, testutil.Processes(t, m))
	})
	t.Run("endless text", func(t *testing.T) {
		e := newEngine(t, Limits{})
		src := write(t, t.TempDir(), "chatty.ps", []byte("%!PS\n/Helvetica findfont 10 scalefont setfont\n"+
			"{ 0 1 60 { 10 mul 10 exch moveto (aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa) show } for showpage } loop\n"))
		_, err := e.Text(context.Background(), src, TextOptions{MaxBytes: 64 << 10})
		assert.Equal(t, api.ReasonSourceTooLarge, api.ReasonOf(err), "%v", err)
	})
}

func TestCutText(t *testing.T) {
	s, cut := CutText("héllo wörld", 5)
	assert.Equal(t, "héllo", s)
	assert.True(t, cut)
	s, cut = CutText("héllo", 5)
	assert.Equal(t, "héllo", s)
	assert.False(t, cut)
}
