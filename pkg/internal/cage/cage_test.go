package cage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

func newCage(t *testing.T, l Limits) *Cage {
	t.Helper()
	testutil.NeedTool(t, "prlimit")
	c, err := New(Options{Limits: l, TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("cage: %v", err)
	}
	return c
}

func TestRunOutputEnvAndDir(t *testing.T) {
	c := newCage(t, Limits{})
	t.Setenv("CAGE_TEST_SECRET", "s3cr3t")
	res, err := c.Run(context.Background(), Cmd{Path: "sh", Args: []string{"-c", `echo "$TMPDIR|$(pwd)|$CAGE_TEST_SECRET|$EXTRA"; ulimit -v; ulimit -t`}, Env: []string{"EXTRA=x"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(res.Stdout)), "\n")
	if len(lines) != 3 {
		t.Fatalf("output %q", res.Stdout)
	}
	parts := strings.Split(lines[0], "|")
	if parts[0] == "" || parts[0] != parts[1] || !strings.Contains(parts[0], "cage-") {
		t.Errorf("TMPDIR and cwd = %q, %q; want the same private directory", parts[0], parts[1])
	}
	if parts[2] != "" {
		t.Errorf("the service's environment leaked into the engine: %q", parts[2])
	}
	if parts[3] != "x" {
		t.Errorf("extra env = %q", parts[3])
	}
	if lines[1] != strconv.FormatUint(DefaultMemoryBytes/1024, 10) || lines[2] != strconv.Itoa(DefaultCPUSeconds) {
		t.Errorf("limits seen by the engine: as %s KiB, cpu %s s", lines[1], lines[2])
	}
	if _, err := os.Stat(parts[0]); !os.IsNotExist(err) {
		t.Errorf("private directory %s left behind (%v)", parts[0], err)
	}
}

func TestCancelKillsGrandchildren(t *testing.T) {
	c := newCage(t, Limits{})
	marker := "98765" + strconv.Itoa(os.Getpid()%1000)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		// The child forks a grandchild that sleeps, says it started, and
		// sleeps itself.
		_, err := c.Run(ctx, Cmd{Path: "sh", Args: []string{"-c", "sleep " + marker + " & echo started >&2; sleep " + marker}})
		errc <- err
	}()
	// Wait until both sleepers run (an event, not a time).
	testutil.WaitForProcesses(t, "sleep\x00"+marker, 2, errc)
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if left := testutil.Processes(t, "sleep\x00"+marker); len(left) != 0 {
		t.Fatalf("processes left after cancel: %v", left)
	}
}

func TestReturnKillsBackgroundGrandchild(t *testing.T) {
	c := newCage(t, Limits{})
	marker := "87654" + strconv.Itoa(os.Getpid()%1000)
	// The child exits at once, leaving a grandchild behind.
	_, err := c.Run(context.Background(), Cmd{Path: "sh", Args: []string{"-c", "sleep " + marker + " >/dev/null 2>&1 & exit 0"}})
	if err != nil {
		t.Fatal(err)
	}
	if left := testutil.Processes(t, "sleep\x00"+marker); len(left) != 0 {
		t.Fatalf("processes left after return: %v", left)
	}
}

func TestMemoryHogStopped(t *testing.T) {
	c := newCage(t, Limits{MemoryBytes: 200 << 20})
	// Doubles a string until memory runs out: unbounded without the limit.
	_, err := c.Run(context.Background(), Cmd{Path: "awk", Args: []string{`BEGIN { s = "x"; while (1) s = s s }`}})
	var ce *Error
	if !errors.As(err, &ce) || !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("err = %v, want ErrMemoryLimit", err)
	}
	if !strings.Contains(err.Error(), "out of memory") {
		t.Errorf("error %q lacks the engine's last words", err)
	}
}

func TestCPUSpinnerStopped(t *testing.T) {
	c := newCage(t, Limits{CPUSeconds: 1})
	// A safety net only: the CPU limit, not this deadline, ends the run.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, err := c.Run(ctx, Cmd{Path: "sh", Args: []string{"-c", "while :; do :; done"}})
	if !errors.Is(err, ErrCPULimit) {
		t.Fatalf("err = %v, want ErrCPULimit", err)
	}
}

func TestOutputCap(t *testing.T) {
	c := newCage(t, Limits{MaxStdout: 1000})
	_, err := c.Run(context.Background(), Cmd{Path: "sh", Args: []string{"-c", "while :; do echo xxxxxxxxxxxxxxxxxxxx; done"}})
	if !errors.Is(err, ErrOutputTooLarge) {
		t.Fatalf("err = %v, want ErrOutputTooLarge", err)
	}
}

func TestStderrTailInError(t *testing.T) {
	c := newCage(t, Limits{StderrTail: 64})
	_, err := c.Run(context.Background(), Cmd{Path: "sh", Args: []string{"-c", "i=0; while [ $i -lt 100 ]; do echo noise $i >&2; i=$((i+1)); done; echo 'Invalid data found' >&2; exit 3"}})
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	if ce.ExitCode != 3 || len(ce.Stderr) > 64 || !strings.HasSuffix(err.Error(), "Invalid data found") {
		t.Fatalf("exit %d, stderr %d bytes, message %q", ce.ExitCode, len(ce.Stderr), err)
	}
}

func TestStdin(t *testing.T) {
	c := newCage(t, Limits{})
	res, err := c.Run(context.Background(), Cmd{Path: "cat", Stdin: []byte("hello")})
	if err != nil || string(res.Stdout) != "hello" {
		t.Fatalf("cat = %q, %v", res.Stdout, err)
	}
}

func TestLookPathWithoutPATH(t *testing.T) {
	t.Setenv("PATH", "")
	p, err := LookPath("sh")
	if err != nil || !filepath.IsAbs(p) {
		t.Fatalf("LookPath(sh) without PATH = %q, %v", p, err)
	}
	if _, err := New(Options{}); err != nil {
		t.Fatalf("New without PATH: %v", err)
	}
	if _, err := LookPath("no-such-program-here"); err == nil {
		t.Fatal("found a missing program")
	}
}
