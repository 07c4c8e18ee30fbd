package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// repoRoot is the project's root directory (test/e2e/../..).
var repoRoot = func() string {
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return abs
}()

// binDir holds the binaries the test runs: acs, wskdeploy, versitygw
// (E2E_BIN_DIR, default <repo>/bin, where `make e2e` builds them).
func binDir() string {
	if d := os.Getenv("E2E_BIN_DIR"); d != "" {
		return d
	}
	return filepath.Join(repoRoot, "bin")
}

// tool returns the path of a prebuilt tool (wskdeploy, versitygw), or
// skips the test when it is missing: `make e2e` builds each tool first and
// removes it when it cannot be built. With E2E_REQUIRED set (CI), a missing
// tool fails the test instead.
func tool(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(binDir(), name)
	if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		if os.Getenv("E2E_REQUIRED") != "" {
			t.Fatalf("%s is not built (%s missing) and E2E_REQUIRED is set", name, p)
		}
		t.Skipf("%s is not built (%s missing): run `make e2e`, which builds it", name, p)
	}
	return p
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("no free port: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// proc is a child process whose output goes to a log file, stopped when the
// test ends.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
}

// startProc starts bin with args and extra environment; its stdout and
// stderr go to <name>.log in the test's log directory (kept under
// E2E_LOG_DIR when set, for CI artefacts).
func startProc(t testing.TB, name string, env []string, bin string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(logDir(t), name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("--- tail of %s (%s) ---\n%s", name, logPath, tail(logPath, 40))
		}
	})
	return p
}

// stop ends the process group (the process and anything it started)
// with SIGTERM, then SIGKILL after 5 s.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// exited reports whether the process has ended, and how.
func (p *proc) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

var (
	logDirOnce sync.Once
	logDirPath string
)

func logDir(t testing.TB) string {
	logDirOnce.Do(func() {
		if d := os.Getenv("E2E_LOG_DIR"); d != "" {
			_ = os.MkdirAll(d, 0o755)
			logDirPath = d
			return
		}
		d, err := os.MkdirTemp("", "acs-e2e-logs-")
		if err != nil {
			panic(err)
		}
		logDirPath = d
	})
	return logDirPath
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// waitFor polls cond every interval until it returns nil or the deadline
// passes; it returns the last error.
func waitFor(ctx context.Context, timeout, interval time.Duration, cond func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %v: %w", timeout, err)
		case <-time.After(interval):
		}
	}
}

// waitListening waits until addr accepts TCP connections, failing early
// when p has exited.
func waitListening(t testing.TB, p *proc, addr string, timeout time.Duration) {
	t.Helper()
	err := waitFor(context.Background(), timeout, 50*time.Millisecond, func() error {
		if done, err := p.exited(); done {
			return fmt.Errorf("%s exited: %v", p.name, err)
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	})
	if err != nil {
		t.Fatalf("%s is not listening on %s: %v\n%s", p.name, addr, err, tail(p.logPath, 30))
	}
}

// httpGetStatus returns nil when GET url answers with status want.
func httpGetStatus(url string, want int) error {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("GET %s: status %d, want %d", url, resp.StatusCode, want)
	}
	return nil
}
