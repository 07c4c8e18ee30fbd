package cage

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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

// connectScript makes bash open a TCP connection to 127.0.0.1:port and
// say "connected" when it could.
func connectScript(port int) []string {
	return []string{"-c", "exec 3<>/dev/tcp/127.0.0.1/" + strconv.Itoa(port) + " && echo connected"}
}

// accepted reports whether the listener has a connection waiting, without
// waiting for one: a non-blocking accept(2) on a copy of its socket.
func accepted(t *testing.T, ln *net.TCPListener) bool {
	t.Helper()
	f, err := ln.File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.Fd())
	if err := syscall.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	nfd, _, err := syscall.Accept(fd)
	if err != nil {
		if err != syscall.EAGAIN {
			t.Fatalf("accept: %v", err)
		}
		return false
	}
	syscall.Close(nfd)
	return true
}

func TestNoNetworkRefusesLoopback(t *testing.T) {
	testutil.NeedTool(t, "bash")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ln := l.(*net.TCPListener)
	port := ln.Addr().(*net.TCPAddr).Port

	// Without the option the same command reaches the listener: the test
	// can tell a connection from none.
	open := newCage(t, Limits{})
	if open.NetworkIsolated() {
		t.Fatal("a cage without NoNetwork says it isolates the network")
	}
	res, err := open.Run(context.Background(), Cmd{Path: "bash", Args: connectScript(port)})
	if err != nil || strings.TrimSpace(string(res.Stdout)) != "connected" {
		t.Fatalf("without NoNetwork: %v, output %q", err, res)
	}
	if !accepted(t, ln) {
		t.Fatal("without NoNetwork the listener saw no connection")
	}

	testutil.NeedTool(t, "prlimit")
	c, err := New(Options{NoNetwork: true, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !c.NetworkIsolated() {
		msg := "the kernel refuses user namespaces here; the network cannot be isolated"
		if os.Getenv(testutil.CIEnv) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// Both ways of making the namespace: util-linux's unshare, exec'd by
	// a vfork child, and a clone into it when unshare is missing.
	mechanisms := []string{"clone"}
	if c.unshare != "" {
		mechanisms = append([]string{"unshare"}, mechanisms...)
	} else if os.Getenv(testutil.CIEnv) != "" {
		t.Fatal("unshare (util-linux) is missing")
	}
	for _, mech := range mechanisms {
		t.Run(mech, func(t *testing.T) {
			if mech == "clone" {
				c.unshare = ""
			}
			isolatedRun(t, c, ln, port)
		})
	}
}

// isolatedRun checks that the NoNetwork cage c keeps a command from the
// listener ln (on port), and that files, limits and the private
// directory work as without the namespace.
func isolatedRun(t *testing.T, c *Cage, ln *net.TCPListener, port int) {
	_, err := c.Run(context.Background(), Cmd{Path: "bash", Args: connectScript(port)})
	var ce *Error
	if !errors.As(err, &ce) || ce.ExitCode == 0 {
		t.Fatalf("the caged command connected: %v", err)
	}
	if !strings.Contains(ce.Stderr, "unreachable") && !strings.Contains(ce.Stderr, "refused") {
		t.Errorf("stderr %q: want the connection refused or the network unreachable", ce.Stderr)
	}
	if accepted(t, ln) {
		t.Fatal("the listener accepted a connection from the caged command")
	}
	// Files, limits and the private directory work as before.
	res, err := c.Run(context.Background(), Cmd{Path: "sh", Args: []string{"-c", "id -u; ulimit -v; pwd"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(res.Stdout))
	if len(lines) != 3 || lines[0] != strconv.Itoa(os.Getuid()) || lines[1] != strconv.FormatUint(DefaultMemoryBytes/1024, 10) || !strings.Contains(lines[2], "cage-") {
		t.Errorf("inside the namespace: uid, address-space limit, directory = %q", lines)
	}
}

func TestOutputsMovedOut(t *testing.T) {
	c := newCage(t, Limits{})
	dst := filepath.Join(t.TempDir(), "out.txt")
	_, err := c.Run(context.Background(), Cmd{Path: "sh", Args: []string{"-c", "echo made > out.txt"}, Outputs: map[string]string{"out.txt": dst}})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(dst); err != nil || string(b) != "made\n" {
		t.Fatalf("output = %q, %v", b, err)
	}
	// A missing output and a symbolic link fail the run.
	for script, want := range map[string]string{"true": "not written", "ln -s /etc/passwd out.txt": "not a regular file"} {
		dst := filepath.Join(t.TempDir(), "out.txt")
		_, err := c.Run(context.Background(), Cmd{Path: "sh", Args: []string{"-c", script}, Outputs: map[string]string{"out.txt": dst}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", script, err, want)
		}
		if _, err := os.Lstat(dst); !os.IsNotExist(err) {
			t.Errorf("%s: something was left at the destination (%v)", script, err)
		}
	}
	_, err = c.Run(context.Background(), Cmd{Path: "true", Outputs: map[string]string{"../x": dst}})
	if err == nil {
		t.Error("an output outside the private directory was accepted")
	}
}
