package fulltext_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin/fulltext"
	"github.com/assetcompute/assetcompute/pkg/text"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// pdf writes a valid PDF of one 200x200 page drawing content, with the
// extra trailer entries given (an /Encrypt dictionary).
func pdf(content, trailer string) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Count 1 /Kids [3 0 R] >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, trailer, xref)
	return b.Bytes()
}

// passwordProtected is the trailer of a PDF that needs a password: its
// owner and user keys match no empty password.
const passwordProtected = "/Encrypt << /Filter /Standard /V 1 /R 2 /P -4 " +
	"/O <28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a> " +
	"/U <0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef> >> " +
	"/ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]"

// TestTextRenditionEvents runs text renditions through the worker
// lifecycle, from a local source to a local target, and checks each
// rendition's outcome as its event reports it.
func TestTextRenditionEvents(t *testing.T) {
	cases := []struct {
		name   string
		data   []byte
		reason api.Reason // empty: created
		text   string     // the rendition, when created
		chars  int
	}{
		{name: "drawing.pdf", data: pdf("0 0 1 rg 10 10 100 100 re f", "")},
		{name: "page.pdf", data: pdf("BT /F1 12 Tf 20 100 Td (Hello sea) Tj ET", ""), text: "Hello sea\n", chars: 10},
		{name: "blank.txt", data: []byte("\n \n")},
		{name: "picture.rtf", data: []byte(`{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\pict\pngblip 89504e470d0a1a0a}}`)},
		{name: "circle.svg", data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>`)},
		{name: "label.svg", data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><title>Chart</title><text>Tide</text></svg>`), text: "Chart\nTide\n", chars: 11},
		{name: "contact.vcf", data: []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nX-SKYPE:ann\r\nX-AIM:ann.lee\r\nEND:VCARD\r\n"),
			text: "Ann Lee\nann\nann.lee\n", chars: 20},
		{name: "tides.ics", data: []byte("BEGIN:VCALENDAR\r\nX-WR-CALNAME:Tides\r\nX-WR-CALDESC:Harbour tides\r\nBEGIN:VEVENT\r\nSUMMARY:High water\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"),
			text: "Tides\nHarbour tides\n\nHigh water\n", chars: 32},
		{name: "empty.txt", data: nil, reason: api.ReasonSourceCorrupt},
		{name: "empty.pdf", data: nil, reason: api.ReasonSourceCorrupt},
		{name: "locked.pdf", data: pdf("BT /F1 12 Tf 20 100 Td (secret) Tj ET", passwordProtected), reason: api.ReasonSourceUnsupported},
		{name: "cut.pdf", data: pdf("BT /F1 12 Tf 20 100 Td (x) Tj ET", "")[:60], reason: api.ReasonSourceCorrupt},
		{name: "garbage.docx", data: []byte("\x00\x01\x02 not a zip \xff"), reason: api.ReasonSourceCorrupt},
		{name: "noise.bin", data: bytes.Repeat([]byte{0, 1, 2, 3, 250}, 64), reason: api.ReasonSourceFormatUnsupported},
	}
	client, err := transfer.New(transfer.Options{AllowLocal: true, Attempts: 1})
	require.NoError(t, err)
	tmp := t.TempDir()
	w, err := worker.New(fulltext.Func(text.Options{}), worker.Options{
		Transfer: client, TempDir: tmp, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	srcDir, outDir := t.TempDir(), t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := filepath.Join(srcDir, c.name)
			require.NoError(t, os.WriteFile(src, c.data, 0o600))
			target := filepath.Join(outDir, c.name+".txt")
			res := w.Process(context.Background(), &api.WorkerRequest{
				Source:     api.Source{URL: src},
				Renditions: []api.Rendition{{Name: "text.txt", Fmt: "text", Target: api.Target{URL: target}}},
			})
			require.Len(t, res.Renditions, 1, "one outcome per rendition")
			got := res.Renditions[0]
			if c.reason != "" {
				require.Equal(t, api.StatusFailed, got.Status)
				assert.Equal(t, c.reason, got.Reason, got.Message)
				assert.NotContains(t, got.Message, "empty output")
				assert.NoFileExists(t, target, "a failed rendition leaves nothing behind")
				return
			}
			require.Equal(t, api.StatusCreated, got.Status, got.Message)
			assert.Equal(t, c.chars, got.Metadata["acs:characters"])
			assert.Equal(t, "utf-8", got.Metadata["repo:encoding"])
			assert.EqualValues(t, len(c.text), got.Metadata["repo:size"])
			stored, err := os.ReadFile(target)
			require.NoError(t, err, "the rendition is stored, even when empty")
			assert.Equal(t, c.text, string(stored))
			if strings.HasSuffix(c.name, ".pdf") {
				assert.Equal(t, 1, got.Metadata["xmpTPg:NPages"])
			}
		})
	}
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries, "no activation directory is left behind")
}

// The text rendition of a video is its subtitle text, in the language
// the rendition names.
func TestVideoSubtitleLanguage(t *testing.T) {
	testutil.NeedTool(t, "ffmpeg")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "en.srt"), []byte("1\n00:00:00,500 --> 00:00:01,500\nThe tide turns.\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fr.srt"), []byte("1\n00:00:00,500 --> 00:00:01,500\nLa marée monte.\n"), 0o600))
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=d=2:s=64x48:r=5",
		"-i", "en.srt", "-i", "fr.srt", "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast",
		"-c:s", "mov_text", "-metadata:s:s:0", "language=eng", "-metadata:s:s:1", "language=fra", "clip.mp4")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	client, err := transfer.New(transfer.Options{AllowLocal: true, Attempts: 1})
	require.NoError(t, err)
	w, err := worker.New(fulltext.Func(text.Options{}), worker.Options{
		Transfer: client, TempDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	for _, c := range []struct{ lang, text, warning string }{
		{"", "The tide turns.\n", ""},
		{"fr", "La marée monte.\n", ""},
		{"de", "", `no subtitle or caption stream in language "de"; its streams are in: eng, fra`},
	} {
		target := filepath.Join(dir, "out-"+c.lang+".txt")
		res := w.Process(context.Background(), &api.WorkerRequest{
			Source:     api.Source{URL: filepath.Join(dir, "clip.mp4")},
			Renditions: []api.Rendition{{Name: "text.txt", Fmt: "text", Language: c.lang, Target: api.Target{URL: target}}},
		})
		require.Len(t, res.Renditions, 1)
		got := res.Renditions[0]
		require.Equal(t, api.StatusCreated, got.Status, got.Message)
		stored, err := os.ReadFile(target)
		require.NoError(t, err)
		assert.Equal(t, c.text, string(stored), c.lang)
		if c.warning != "" {
			assert.Contains(t, fmt.Sprint(got.Metadata["acs:warnings"]), c.warning)
		}
	}
}

// The subtitles of the video containers package text does not read are
// read with ffmpeg: their text, or an empty text saying there is none, or
// a failure saying why they cannot be read.
func TestVideoSubtitlesByFFmpeg(t *testing.T) {
	testutil.NeedTool(t, "ffmpeg")
	testutil.NeedTool(t, "ffprobe")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "en.srt"),
		[]byte("1\n00:00:00,200 --> 00:00:00,900\nThe <i>tide</i> turns.\n\n2\n00:00:01,000 --> 00:00:01,800\nBoats & ropes.\n"), 0o600))
	mk := func(name string, args ...string) {
		t.Helper()
		args = append(append([]string{"-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=d=2:s=64x48:r=10"}, args...), name)
		cmd := exec.Command("ffmpeg", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	mk("captions.flv", "-i", "en.srt", "-map", "0", "-map", "1", "-c:v", "flv1", "-c:s", "text", "-f", "flv")
	mk("silent.avi", "-c:v", "mpeg4")
	mk("silent.ts", "-c:v", "mpeg2video")
	// The MPEG program stream muxer stores subtitles as DVD subtitles:
	// pictures.
	mk("pictures.mpg", "-i", "en.srt", "-map", "0", "-map", "1", "-c:v", "mpeg2video", "-c:s", "srt", "-f", "mpeg")
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "libvorbis", "tone.ogg")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty.avi"), nil, 0o600))

	client, err := transfer.New(transfer.Options{AllowLocal: true, Attempts: 1})
	require.NoError(t, err)
	tmp := t.TempDir()
	w, err := worker.New(fulltext.Func(text.Options{}), worker.Options{
		Transfer: client, TempDir: tmp, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	for _, c := range []struct {
		name, text, warning string
		reason              api.Reason
		message             string
	}{
		{name: "captions.flv", text: "The tide turns.\nBoats & ropes.\n"},
		{name: "silent.avi", warning: "the video has no subtitle or caption stream"},
		{name: "silent.ts", warning: "the video has no subtitle or caption stream"},
		{name: "pictures.mpg", reason: api.ReasonSourceFormatUnsupported, message: "the subtitles of this video are images"},
		{name: "tone.ogg", reason: api.ReasonSourceFormatUnsupported, message: "no video and no subtitle or caption stream"},
		{name: "empty.avi", reason: api.ReasonSourceCorrupt, message: "source is empty (0 bytes)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			target := filepath.Join(dir, c.name+".txt")
			res := w.Process(context.Background(), &api.WorkerRequest{
				Source:     api.Source{URL: filepath.Join(dir, c.name)},
				Renditions: []api.Rendition{{Name: "text.txt", Fmt: "text", Target: api.Target{URL: target}}},
			})
			require.Len(t, res.Renditions, 1, "one outcome per rendition")
			got := res.Renditions[0]
			if c.reason != "" {
				require.Equal(t, api.StatusFailed, got.Status)
				assert.Equal(t, c.reason, got.Reason, got.Message)
				assert.Contains(t, got.Message, c.message)
				assert.NoFileExists(t, target)
				return
			}
			require.Equal(t, api.StatusCreated, got.Status, got.Message)
			stored, err := os.ReadFile(target)
			require.NoError(t, err)
			assert.Equal(t, c.text, string(stored))
			assert.Equal(t, len([]rune(c.text)), got.Metadata["acs:characters"])
			if c.warning != "" {
				assert.Contains(t, fmt.Sprint(got.Metadata["acs:warnings"]), c.warning)
			} else {
				assert.Nil(t, got.Metadata["acs:warnings"])
			}
		})
	}
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, entries, "no activation directory is left behind")

	// Without ffmpeg, such a video is refused and says why.
	bare, err := worker.New(fulltext.FuncWithMedia(text.Options{}, nil), worker.Options{
		Transfer: client, TempDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	res := bare.Process(context.Background(), &api.WorkerRequest{
		Source:     api.Source{URL: filepath.Join(dir, "captions.flv")},
		Renditions: []api.Rendition{{Name: "text.txt", Fmt: "text", Target: api.Target{URL: filepath.Join(dir, "bare.txt")}}},
	})
	require.Len(t, res.Renditions, 1)
	assert.Equal(t, api.ReasonSourceFormatUnsupported, res.Renditions[0].Reason)
	assert.Contains(t, res.Renditions[0].Message, "ffmpeg, which is not installed here")
}

// The text of PostScript, EPS and legacy Illustrator files is read by
// Ghostscript's text device, caged; hostile programs are still refused.
func TestPostScriptText(t *testing.T) {
	testutil.NeedTool(t, "gs")
	testutil.NeedTool(t, "prlimit")
	doc := "%!PS-Adobe-3.0\n%%Pages: 2\n%%EndComments\n" +
		"%%Page: 1 1\n/Helvetica findfont 20 scalefont setfont 72 700 moveto (Zebra marmalade quantum) show showpage\n" +
		"%%Page: 2 2\n/Helvetica findfont 20 scalefont setfont 72 700 moveto (Walrus ukulele) show showpage\n%%EOF\n"
	eps := "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 200 100\n%%EndComments\n" +
		"/Helvetica findfont 12 scalefont setfont 10 50 moveto (Okapi lantern) show showpage\n"
	legacyAI := "%!PS-Adobe-3.0\n%%Creator: Adobe Illustrator(R) 8.0\n%%BoundingBox: 10 10 210 110\n%%EndComments\n" +
		"/Helvetica findfont 10 scalefont setfont 20 50 moveto (Axolotl kettle) show showpage\n"
	hostile := "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 100 100\n%%EndComments\n(/etc/passwd) run showpage\n"
	client, err := transfer.New(transfer.Options{AllowLocal: true, Attempts: 1})
	require.NoError(t, err)
	w, err := worker.New(fulltext.Func(text.Options{}), worker.Options{
		Transfer: client, TempDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	srcDir, outDir := t.TempDir(), t.TempDir()
	for _, c := range []struct {
		name, data, text string
		pages            int
		reason           api.Reason
	}{
		{name: "doc.ps", data: doc, text: "Zebra marmalade quantum\nWalrus ukulele\n", pages: 2},
		{name: "label.eps", data: eps, text: "Okapi lantern\n", pages: 1},
		{name: "logo.ai", data: legacyAI, text: "Axolotl kettle\n", pages: 1},
		{name: "pdf.ai", data: string(pdf("BT /F1 12 Tf 20 100 Td (Hello sea) Tj ET", "")), text: "Hello sea\n", pages: 1},
		{name: "hostile.eps", data: hostile, reason: api.ReasonSourceUnsupported},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := filepath.Join(srcDir, c.name)
			require.NoError(t, os.WriteFile(src, []byte(c.data), 0o600))
			target := filepath.Join(outDir, c.name+".txt")
			res := w.Process(context.Background(), &api.WorkerRequest{
				Source:     api.Source{URL: src},
				Renditions: []api.Rendition{{Name: "text.txt", Fmt: "text", Target: api.Target{URL: target}}},
			})
			require.Len(t, res.Renditions, 1)
			got := res.Renditions[0]
			if c.reason != "" {
				require.Equal(t, api.StatusFailed, got.Status)
				assert.Equal(t, c.reason, got.Reason, got.Message)
				assert.NoFileExists(t, target)
				return
			}
			require.Equal(t, api.StatusCreated, got.Status, got.Message)
			stored, err := os.ReadFile(target)
			require.NoError(t, err)
			assert.Equal(t, c.text, string(stored))
			assert.Equal(t, len([]rune(c.text)), got.Metadata["acs:characters"])
			assert.Equal(t, c.pages, got.Metadata["xmpTPg:NPages"])
		})
	}
}
