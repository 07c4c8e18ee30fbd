package text

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// hostileSamples returns one valid document of every format this package
// reads, by file name.
func hostileSamples(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{
		"page.html": []byte(`<!DOCTYPE html><html><head><title>T</title></head><body><p>Para one</p><table><tr><td>a</td><td>b</td></tr></table></body></html>`),
		"msg.eml":   []byte(sampleEML),
		"draw.svg":  []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><title>T</title><text x="1" y="2">Label <tspan>two</tspan></text></svg>`),
		"card.vcf":  []byte(crlf("BEGIN:VCARD", "VERSION:2.1", "N;ENCODING=QUOTED-PRINTABLE:K=C3=A9;A;;;", "NOTE;QUOTED-PRINTABLE:a=", "b", "END:VCARD")),
		"cal.ics":   []byte(crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "SUMMARY:Tide", "DESCRIPTION:long", " er text", "END:VEVENT", "END:VCALENDAR")),
		"data.xml":  []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><r><a>caf` + "\xe9" + `</a><b/></r>`),
		"notes.txt": []byte("line one\nline two\n"),
		"doc.rtf":   []byte(`{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 Hello {\b world}\par{\field{\*\fldinst HYPERLINK "x"}{\fldrslt link}}}`),
	}
	for _, name := range []string{"sample.pdf", "sample.docx", "sample.xlsx", "sample.pptx", "sample.odt", "sample.ods", "sample.odp", "sample.epub", "sample.rtf"} {
		data, err := os.ReadFile(testdata(name))
		require.NoError(t, err)
		out[name] = data
	}
	return out
}

// Truncated and garbage files of every format end in text or in a reason
// that says what is wrong with the source: never a generic error, a panic
// or a hang.
func TestTruncatedAndGarbageSources(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	// A flipped size field may declare a part past the expansion limit:
	// SourceTooLarge says so before anything is expanded.
	allowed := []api.Reason{api.ReasonSourceCorrupt, api.ReasonSourceFormatUnsupported, api.ReasonSourceTooLarge}
	dir := t.TempDir()
	samples := hostileSamples(t)
	// In a fixed order, so that each run draws the same random bytes.
	for _, name := range slices.Sorted(maps.Keys(samples)) {
		data := samples[name]
		variants := map[string][]byte{}
		for _, frac := range []float64{0.01, 0.1, 0.5, 0.9, 0.99} {
			if n := int(float64(len(data)) * frac); n > 0 && n < len(data) {
				variants[fmt.Sprintf("cut at %d of %d bytes", n, len(data))] = data[:n]
			}
		}
		garbage := make([]byte, 4096)
		rng.Read(garbage)
		variants["random bytes"] = garbage
		flipped := append([]byte(nil), data...)
		for i := 0; i < len(flipped)/50+1; i++ {
			flipped[rng.Intn(len(flipped))] ^= byte(1 + rng.Intn(255))
		}
		variants["flipped bytes"] = flipped
		variants["head with random tail"] = append(append([]byte(nil), data[:min(len(data), 64)]...), garbage...)
		for _, vname := range slices.Sorted(maps.Keys(variants)) {
			v := variants[vname]
			t.Run(name+"/"+vname, func(t *testing.T) {
				path := filepath.Join(dir, fmt.Sprintf("%d-%s", rng.Int63(), name))
				require.NoError(t, os.WriteFile(path, v, 0o600))
				// A safety net against a hang, far above any real run: a
				// hang would surface as a Timeout, which is not allowed.
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				var buf bytes.Buffer
				res, err := Extract(ctx, path, name, &buf, Options{})
				if err != nil {
					require.Contains(t, allowed, api.ReasonOf(err), "%s: %v", vname, err)
					return
				}
				requireClean(t, buf.String(), !res.Truncated)
			})
		}
	}
}

// countdownContext is a context whose deadline passes once its Err method
// has been called a given number of times: a clock that advances with each
// check, so that a test sees whether a reader checks its context without
// depending on the speed of the machine.
type countdownContext struct {
	context.Context
	left atomic.Int64
	done chan struct{}
	once sync.Once
}

func newCountdownContext(checks int64) *countdownContext {
	c := &countdownContext{Context: context.Background(), done: make(chan struct{})}
	c.left.Store(checks)
	return c
}

func (c *countdownContext) Done() <-chan struct{} { return c.done }

func (c *countdownContext) Err() error {
	if c.left.Add(-1) < 0 {
		c.once.Do(func() { close(c.done) })
		return context.DeadlineExceeded
	}
	return nil
}

// Sources of markup without text stop at the deadline too: every reader
// checks the context as it reads, not only as it writes text.
func TestDeadlineWithoutText(t *testing.T) {
	const n = 300_000
	cases := map[string]string{
		"shapes.svg":  `<svg xmlns="http://www.w3.org/2000/svg">` + strings.Repeat(`<rect/>`, n) + `</svg>`,
		"markup.xml":  `<r>` + strings.Repeat(`<a/>`, n) + `</r>`,
		"picture.rtf": `{\rtf1{\pict\pngblip ` + strings.Repeat("89504e47", n) + `}}`,
		"photo.vcf":   "BEGIN:VCARD\r\nPHOTO;ENCODING=b:" + strings.Repeat("QUJD", n) + "\r\nEND:VCARD\r\n",
		"attachment.eml": "From: a@example.org\r\nSubject: photo\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
			"Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename=a.jpg\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			strings.Repeat("QUJDRA==\r\n", n) + "--b--\r\n",
	}
	dir := t.TempDir()
	for name, data := range cases {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(data), 0o600))
		// Whichever check the deadline passes at, early or deep in the
		// reading, the outcome is a Timeout.
		for _, checks := range []int64{3, 5, 8} {
			t.Run(fmt.Sprintf("%s/deadline at check %d", name, checks), func(t *testing.T) {
				_, err := Extract(newCountdownContext(checks), path, name, io.Discard, Options{})
				requireReason(t, err, api.ReasonTimeout)
			})
		}
	}
}
