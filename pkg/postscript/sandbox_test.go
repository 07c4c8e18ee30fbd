package postscript

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/api"
)

// tree lists the files under dir with their contents, to show that a run
// changed nothing there.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		m[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestHostileProgramsRefused runs PostScript programs that reach outside
// their file: each fails with its reason, and nothing outside the
// engine's private directory changes, the files beside the source
// included.
func TestHostileProgramsRefused(t *testing.T) {
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim.txt")
	if err := os.WriteFile(victim, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	srcDir := t.TempDir()
	neighbour := write(t, srcDir, "neighbour.txt", []byte("secret beside the source"))
	q := func(p string) string { return "(" + p + ")" }
	for _, c := range []struct {
		name, body string
		want       api.Reason
		message    string
	}{
		{"read /etc/passwd", "(/etc/passwd) (r) file 100 string readstring pop pop", api.ReasonSourceUnsupported, "invalidfileaccess"},
		{"read a file beside the source", q(neighbour) + " (r) file 100 string readstring pop pop", api.ReasonSourceUnsupported, "invalidfileaccess"},
		{"run a file", "(/etc/passwd) run", api.ReasonSourceUnsupported, "invalidfileaccess"},
		{"pipe a command", "(%pipe%id > " + filepath.Join(outside, "piped") + ") (r) file", api.ReasonSourceUnsupported, "invalidfileaccess"},
		{"write a file", q(filepath.Join(outside, "written")) + " (w) file dup (x) writestring closefile", api.ReasonSourceUnsupported, "invalidfileaccess"},
		{"delete a file", q(victim) + " deletefile", api.ReasonSourceUnsupported, "deletefile"},
		{"rename a file", q(victim) + " " + q(filepath.Join(outside, "renamed")) + " renamefile", api.ReasonSourceUnsupported, "renamefile"},
		{"a PostScript error", "1 0 div", api.ReasonSourceCorrupt, "undefinedresult"},
		{"a syntax error", "{ { }", api.ReasonSourceCorrupt, "syntaxerror"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEngine(t, Limits{})
			before := tree(t, outside)
			src := write(t, srcDir, "hostile.eps", []byte(hostile(c.body)))
			out := t.TempDir()
			_, _, err := e.Image(context.Background(), src, api.Rendition{Width: intp(50)}, out)
			if api.ReasonOf(err) != c.want || !strings.Contains(api.MessageOf(err), c.message) {
				t.Errorf("err = %v (%s), want %s mentioning %q", err, api.ReasonOf(err), c.want, c.message)
			}
			if after := tree(t, outside); len(after) != len(before) || after[victim] != "keep me" {
				t.Errorf("the directory outside changed: %v", after)
			}
			if b, err := os.ReadFile(neighbour); err != nil || string(b) != "secret beside the source" {
				t.Errorf("the file beside the source changed: %q, %v", b, err)
			}
			if ents, _ := os.ReadDir(out); len(ents) != 0 {
				t.Errorf("a failed run left %d files in its directory", len(ents))
			}
		})
	}
}

// TestCaughtRefusalStillDraws: a program that catches the refusal of a
// file access goes on, and its page is drawn.
func TestCaughtRefusalStillDraws(t *testing.T) {
	e := newEngine(t, Limits{})
	src := write(t, t.TempDir(), "polite.eps", []byte(hostile("{ (/etc/passwd) (r) file } stopped pop 1 0 0 setrgbcolor 0 0 100 100 rectfill")))
	im, _, err := e.Image(context.Background(), src, api.Rendition{Width: intp(20)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c := rgb(readPNG(t, im.Path).At(10, 10)); c != [3]uint8{255, 0, 0} {
		t.Errorf("colour %v, want the red page", c)
	}
}

// marker makes a source path that only this test's Ghostscript has in
// its command line.
func marker(t *testing.T, name string) string {
	return "psmark" + strconv.Itoa(os.Getpid()) + name
}

func TestEndlessLoopStoppedByTheCPULimit(t *testing.T) {
	e := newEngine(t, Limits{CPUSeconds: 1})
	m := marker(t, "loop")
	src := write(t, t.TempDir(), m+".eps", []byte(hostile("{} loop")))
	_, _, err := e.Image(context.Background(), src, api.Rendition{Width: intp(50)}, t.TempDir())
	if api.ReasonOf(err) != api.ReasonSourceTooLarge || !strings.Contains(api.MessageOf(err), "CPU-time limit") {
		t.Errorf("err = %v, want SourceTooLarge for the CPU-time limit", err)
	}
	if left := testutil.Processes(t, m); len(left) != 0 {
		t.Errorf("Ghostscript processes left: %v", left)
	}
}

func TestEndlessLoopStoppedByTheDeadline(t *testing.T) {
	e := newEngine(t, Limits{})
	m := marker(t, "deadline")
	src := write(t, t.TempDir(), m+".eps", []byte(hostile("{} loop")))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := e.Image(ctx, src, api.Rendition{Width: intp(50)}, t.TempDir())
		errc <- err
	}()
	testutil.WaitForProcesses(t, m, 1, errc)
	cancel()
	err := <-errc
	if api.ReasonOf(err) != api.ReasonTimeout || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want Timeout", err)
	}
	if left := testutil.Processes(t, m); len(left) != 0 {
		t.Errorf("Ghostscript processes left: %v", left)
	}
}

func TestUnboundedAllocationStoppedByTheMemoryLimit(t *testing.T) {
	e := newEngine(t, Limits{MemoryBytes: 400 << 20})
	m := marker(t, "alloc")
	for name, body := range map[string]string{
		"strings": "/l [] def { /l [ l 60000 string ] def } loop",
		"arrays":  "/l [] def { /l [ l 30000 array ] def } loop",
		"one":     "2000000000 string",
	} {
		src := write(t, t.TempDir(), m+name+".eps", []byte(hostile(body)))
		_, _, err := e.Image(context.Background(), src, api.Rendition{Width: intp(50)}, t.TempDir())
		if api.ReasonOf(err) != api.ReasonSourceTooLarge || !strings.Contains(api.MessageOf(err), "memory limit") {
			t.Errorf("%s: err = %v, want SourceTooLarge for the memory limit", name, err)
		}
	}
	if left := testutil.Processes(t, m); len(left) != 0 {
		t.Errorf("Ghostscript processes left: %v", left)
	}
}

func TestGhostscriptHasNoNetwork(t *testing.T) {
	e := newEngine(t, Limits{})
	if !e.NetworkIsolated() {
		msg := "the kernel refuses user namespaces here; Ghostscript runs with the host's network"
		if os.Getenv(testutil.CIEnv) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// TestHugePageStopped: a program that asks for an enormous page with
// setpagedevice is stopped when the page's file grows past the size of
// the largest page allowed.
func TestHugePageStopped(t *testing.T) {
	e := newEngine(t, Limits{MaxRenderPixels: 1_000_000})
	src := write(t, t.TempDir(), "huge.ps", []byte("%!PS\n<< /PageSize [200000 200000] >> setpagedevice 0 0 moveto 100 100 lineto stroke showpage\n"))
	_, _, err := e.Image(context.Background(), src, api.Rendition{Width: intp(100)}, t.TempDir())
	if api.ReasonOf(err) != api.ReasonSourceTooLarge || !strings.Contains(api.MessageOf(err), "larger than the limit") {
		t.Errorf("err = %v, want SourceTooLarge for the page size", err)
	}
}
