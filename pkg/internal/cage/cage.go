// Package cage runs an external engine (ffmpeg, ffprobe, ...) as a caged
// child process:
//
//   - in a process group of its own, killed as a whole (SIGKILL to the
//     group) when the context ends, when its output exceeds its cap, and
//     on every return, so that no grandchild outlives Run;
//   - with a private temporary directory, removed on return, as its
//     working directory and TMPDIR;
//   - with a minimal environment (PATH, LC_ALL=C, TMPDIR, HOME set to the
//     private directory, and the variables the caller adds), never the
//     service's own (which may hold credentials);
//   - under resource limits: RLIMIT_AS (address space) and RLIMIT_CPU (CPU
//     seconds), plus RLIMIT_CORE 0 and RLIMIT_FSIZE (largest file written);
//   - with its standard output kept up to a cap (more fails the run) and
//     the last lines of its standard error kept for the error message.
//
// Go cannot set the resource limits of a child between fork and exec, so
// the cage runs the command through prlimit(1) from util-linux: prlimit
// sets the limits on itself and execs the command in place, so the
// limited process is the group leader the cage kills. prlimit is part of
// util-linux, present in every Debian image; New fails when it is missing.
// (Re-executing the service's own binary to set the limits would work
// too, but it needs a hook in every main and a larger process; prlimit is
// a 30 kB exec.)
//
// With Options.NoNetwork the command also runs in a network namespace of
// its own, which holds only a loopback interface that is down: it cannot
// open a connection to any address, the host's loopback included. The
// namespace is made with a user namespace (CLONE_NEWUSER|CLONE_NEWNET,
// the service's user and group mapped to themselves, setgroups denied),
// so no privilege is needed, and the command keeps no capability once it
// execs. util-linux's unshare makes the namespaces when it is installed
// (a child started with vfork, as for any command, execs unshare, which
// execs prlimit); without it the child is cloned into them, which os/exec
// does with a full fork of the service's process. When the kernel forbids unprivileged user namespaces (the
// sysctl kernel.unprivileged_userns_clone=0, user.max_user_namespaces=0,
// or a seccomp profile such as Docker's default one that refuses
// unshare), the first run logs a warning and the cage runs commands without the
// namespace; NetworkIsolated reports which. Engines keep their own
// network switches off as well (Ghostscript's -dSAFER, ffmpeg's
// -protocol_whitelist file,pipe), and all network I/O of the service
// stays in package transfer.
//
// A command's output files are written in its private directory and
// moved out by Cmd.Outputs before the directory is removed: an engine is
// never pointed at a directory outside its cage.
package cage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Limits bounds one run. A zero field takes the default below.
type Limits struct {
	// MemoryBytes is the address-space limit (RLIMIT_AS) of the process
	// and each of its children. Default 2 GiB.
	MemoryBytes uint64
	// CPUSeconds is the CPU-time limit (RLIMIT_CPU) of the process and
	// each of its children; the kernel kills a process that exceeds it.
	// Default 120.
	CPUSeconds uint64
	// FileBytes is the largest file the process may write (RLIMIT_FSIZE).
	// Default 1 GiB.
	FileBytes uint64
	// MaxStdout is the most standard output kept; more fails the run with
	// ErrOutputTooLarge. Default 16 MiB.
	MaxStdout int
	// StderrTail is how many bytes of the end of standard error are kept
	// for the error. Default 4 KiB.
	StderrTail int
}

// Default limits.
const (
	DefaultMemoryBytes = 2 << 30
	DefaultCPUSeconds  = 120
	DefaultFileBytes   = 1 << 30
	DefaultMaxStdout   = 16 << 20
	DefaultStderrTail  = 4 << 10
)

func (l Limits) withDefaults() Limits {
	if l.MemoryBytes == 0 {
		l.MemoryBytes = DefaultMemoryBytes
	}
	if l.CPUSeconds == 0 {
		l.CPUSeconds = DefaultCPUSeconds
	}
	if l.FileBytes == 0 {
		l.FileBytes = DefaultFileBytes
	}
	if l.MaxStdout == 0 {
		l.MaxStdout = DefaultMaxStdout
	}
	if l.StderrTail == 0 {
		l.StderrTail = DefaultStderrTail
	}
	return l
}

// Cage runs commands under fixed limits. It holds no state beyond its
// configuration and may be used concurrently.
type Cage struct {
	prlimit string
	// unshare is util-linux's unshare, which makes the namespaces of a
	// NoNetwork run when present (see nsCommand); empty otherwise.
	unshare string
	limits  Limits
	tempDir string
	// netns reports whether commands run in a network namespace of their
	// own; nil without Options.NoNetwork. It probes the kernel once, at the
	// first run, so a cage costs nothing until it is used.
	netns func() bool
}

// Options configure a Cage.
type Options struct {
	// Limits are the default limits of every run.
	Limits Limits
	// TempDir is where private directories are made; default os.TempDir().
	TempDir string
	// NoNetwork runs every command in a network namespace of its own,
	// without any usable interface (see the package documentation). When
	// the kernel forbids it, the first run logs a warning to Logger and commands run
	// without it.
	NoNetwork bool
	// Logger receives the warning of a NoNetwork cage that cannot isolate
	// the network; default slog.Default().
	Logger *slog.Logger
}

// New returns a cage, or an error when prlimit cannot be found.
func New(opts Options) (*Cage, error) {
	p, err := LookPath("prlimit")
	if err != nil {
		return nil, fmt.Errorf("cage: prlimit (util-linux) is needed to limit engines: %w", err)
	}
	c := &Cage{prlimit: p, limits: opts.Limits.withDefaults(), tempDir: opts.TempDir}
	if opts.NoNetwork {
		c.unshare, _ = LookPath("unshare")
		logger := opts.Logger
		c.netns = sync.OnceValue(func() bool {
			if err := c.probeNetns(); err != nil {
				l := logger
				if l == nil {
					l = slog.Default()
				}
				l.Warn("cage: the kernel refuses a user and network namespace; engines run with the host's network",
					"error", err.Error(),
					"fix", "in a container, run it with the seccomp profile docker/seccomp-userns.json (docs/deploy.md, \"Engines without network\")")
				return false
			}
			return true
		})
	}
	return c, nil
}

// NetworkIsolated reports whether the cage runs commands in a network
// namespace of their own.
func (c *Cage) NetworkIsolated() bool { return c.netns != nil && c.netns() }

// netnsAttr returns the process attributes that put a child in a new
// user and network namespace, its user and group mapped to themselves.
func netnsAttr() *syscall.SysProcAttr {
	uid, gid := os.Getuid(), os.Getgid()
	return &syscall.SysProcAttr{
		Setpgid:     true,
		Pdeathsig:   syscall.SIGKILL,
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}},
	}
}

// unshareArgs are the arguments of util-linux's unshare that make the
// namespaces netnsAttr describes (the user and group mapped to
// themselves, setgroups denied) and exec the rest of the command line in
// them, in the same process.
var unshareArgs = []string{"--user", "--net", "--map-current-user", "--"}

// nsCommand returns the command that runs prog with args in the cage's
// user and network namespace, and the process attributes to start it
// with. With util-linux's unshare, the child execs unshare, which makes
// the namespaces and execs prog: os/exec starts the child with vfork, as
// for any command. Without it, the child is cloned into the namespaces
// (netnsAttr), which os/exec does with a full fork: copying the page
// tables of a process that maps libvips and its libraries costs more
// than the exec of unshare (scripts/bench-eps.sh).
func (c *Cage) nsCommand(prog string, args []string) (string, []string, *syscall.SysProcAttr) {
	if c.unshare != "" {
		return c.unshare, append(append(append([]string(nil), unshareArgs...), prog), args...),
			&syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	}
	return prog, args, netnsAttr()
}

// probeNetns runs prlimit (which prints the limits and exits) in a new
// user and network namespace, made as Run makes it, to learn whether the
// kernel allows one.
func (c *Cage) probeNetns() error {
	prog, args, attr := c.nsCommand(c.prlimit, nil)
	x := exec.Command(prog, args...)
	x.SysProcAttr = attr
	x.Stdout, x.Stderr = io.Discard, io.Discard
	x.Env = []string{"LC_ALL=C"}
	return x.Run()
}

// systemDirs are where LookPath looks for a program that PATH lacks: an
// OpenWhisk action runs without PATH.
var systemDirs = []string{"/usr/bin", "/bin", "/usr/local/bin"}

// LookPath finds a program in PATH, or in the system's program
// directories when PATH lacks it.
func LookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil || strings.Contains(name, "/") {
		return p, err
	}
	for _, d := range systemDirs {
		if q, e := exec.LookPath(filepath.Join(d, name)); e == nil {
			return q, nil
		}
	}
	return "", err
}

// Limits returns the cage's default limits.
func (c *Cage) Limits() Limits { return c.limits }

// Cmd is one command to run.
type Cmd struct {
	// Path is the program: an absolute path or a name looked up in PATH.
	Path string
	// Args are its arguments, without the program name.
	Args []string
	// Env holds extra environment variables, "KEY=value".
	Env []string
	// Stdin, when set, is the command's standard input; otherwise it reads
	// /dev/null.
	Stdin []byte
	// Limits override the cage's for this run where set (non-zero).
	Limits Limits
	// Outputs maps the names of files the command writes in its private
	// directory (its working directory; a relative name there) to paths
	// outside, where Run moves them after the command exits 0. A missing
	// output, or one that is not a regular file (a symbolic link), fails
	// the run.
	Outputs map[string]string
}

// Result is the outcome of a successful run.
type Result struct {
	// Stdout is the command's standard output.
	Stdout []byte
	// Stderr is the tail of its standard error.
	Stderr string
}

// Errors a run may match with errors.Is.
var (
	// ErrOutputTooLarge: the command wrote more than MaxStdout.
	ErrOutputTooLarge = errors.New("engine output exceeds its limit")
	// ErrCPULimit: the kernel stopped the command at its CPU-time limit.
	ErrCPULimit = errors.New("engine exceeded its CPU-time limit")
	// ErrMemoryLimit: the command failed for lack of memory under its
	// address-space limit (told from its exit signal or its last words).
	ErrMemoryLimit = errors.New("engine exceeded its memory limit")
)

// Error is a failed run: the command, how it ended and the last lines of
// its standard error. Unwrap yields the context's error when the context
// ended the run, or one of the Err values above.
type Error struct {
	// Program is the base name of the command.
	Program string
	// ExitCode is the exit status, -1 when a signal ended the command.
	ExitCode int
	// Signal is the signal that ended the command, or 0.
	Signal syscall.Signal
	// Stderr is the tail of its standard error.
	Stderr string
	// Err is the cause: the context's error, an Err value of this
	// package, or an error starting the command.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Program)
	switch {
	case e.Err != nil:
		fmt.Fprintf(&b, ": %v", e.Err)
	case e.Signal != 0:
		fmt.Fprintf(&b, ": killed by %v", e.Signal)
	default:
		fmt.Fprintf(&b, ": exit status %d", e.ExitCode)
	}
	if last := LastLines(e.Stderr, 3); last != "" {
		fmt.Fprintf(&b, ": %s", last)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// LastLines returns the last n non-empty lines of s joined by " | ".
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			out = append(out, l)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return strings.Join(out, " | ")
}

// Run runs cmd in the cage and waits for it. It returns the output of a
// command that exits 0, and an *Error otherwise. When Run returns, no
// process of the command's process group is left running.
func (c *Cage) Run(ctx context.Context, cmd Cmd) (*Result, error) {
	l := c.limits
	if o := cmd.Limits; o != (Limits{}) {
		if o.MemoryBytes != 0 {
			l.MemoryBytes = o.MemoryBytes
		}
		if o.CPUSeconds != 0 {
			l.CPUSeconds = o.CPUSeconds
		}
		if o.FileBytes != 0 {
			l.FileBytes = o.FileBytes
		}
		if o.MaxStdout != 0 {
			l.MaxStdout = o.MaxStdout
		}
		if o.StderrTail != 0 {
			l.StderrTail = o.StderrTail
		}
	}
	prog := filepath.Base(cmd.Path)
	fail := func(err error) (*Result, error) { return nil, &Error{Program: prog, ExitCode: -1, Err: err} }
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	path := cmd.Path
	if !filepath.IsAbs(path) {
		p, err := LookPath(path)
		if err != nil {
			return fail(err)
		}
		path = p
	}
	dir, err := os.MkdirTemp(c.tempDir, "cage-")
	if err != nil {
		return fail(fmt.Errorf("private directory: %w", err))
	}
	defer os.RemoveAll(dir)

	args := []string{
		"--as=" + strconv.FormatUint(l.MemoryBytes, 10),
		// SIGXCPU at the limit, SIGKILL a second later for a command
		// that ignores it.
		"--cpu=" + strconv.FormatUint(l.CPUSeconds, 10) + ":" + strconv.FormatUint(l.CPUSeconds+1, 10),
		"--fsize=" + strconv.FormatUint(l.FileBytes, 10),
		"--core=0",
		"--", path,
	}
	prog, all := c.prlimit, append(args, cmd.Args...)
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if c.NetworkIsolated() {
		prog, all, attr = c.nsCommand(prog, all)
	}
	x := exec.Command(prog, all...)
	x.SysProcAttr = attr
	x.Dir = dir
	x.Env = append([]string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LC_ALL=C",
		"TMPDIR=" + dir,
		"HOME=" + dir,
	}, cmd.Env...)
	if cmd.Stdin != nil {
		x.Stdin = bytes.NewReader(cmd.Stdin)
	}
	stdout := &capWriter{max: l.MaxStdout}
	stderr := &tailWriter{max: l.StderrTail}
	x.Stdout, x.Stderr = stdout, stderr
	// A grandchild may hold the output pipes after the command exits:
	// stop waiting for them soon; the group is killed on return anyway.
	x.WaitDelay = 200 * time.Millisecond
	if err := x.Start(); err != nil {
		return fail(err)
	}
	pgid := x.Process.Pid
	// On every return the whole group goes, and Run waits until it has.
	defer killGroup(pgid)
	stdout.pgid.Store(int64(pgid))

	done := make(chan error, 1)
	go func() { done <- x.Wait() }()
	var ctxErr error
	select {
	case err = <-done:
	case <-ctx.Done():
		ctxErr = ctx.Err()
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		err = <-done
	}
	res := &Result{Stdout: stdout.buf.Bytes(), Stderr: stderr.String()}
	e := &Error{Program: prog, Stderr: res.Stderr}
	if ps := x.ProcessState; ps != nil {
		e.ExitCode = ps.ExitCode()
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			e.Signal = ws.Signal()
		}
	}
	switch {
	case ctxErr != nil:
		e.Err = ctxErr
	case stdout.over:
		e.Err = ErrOutputTooLarge
	case err == nil:
		if err := moveOutputs(dir, cmd.Outputs); err != nil {
			e.Err = err
			return nil, e
		}
		return res, nil
	case e.Signal == syscall.SIGXCPU || (e.Signal == syscall.SIGKILL && cpuExhausted(x.ProcessState, l.CPUSeconds)):
		e.Err = ErrCPULimit
	case outOfMemory(res.Stderr):
		e.Err = ErrMemoryLimit
	}
	return nil, e
}

// moveOutputs moves each named regular file of dir to its destination,
// renaming it, or copying it when the destination is on another file
// system.
func moveOutputs(dir string, outputs map[string]string) error {
	for name, dst := range outputs {
		if name == "" || filepath.IsAbs(name) || !filepath.IsLocal(name) {
			return fmt.Errorf("output %q is not a name inside the private directory", name)
		}
		src := filepath.Join(dir, name)
		st, err := os.Lstat(src)
		switch {
		case err != nil:
			return fmt.Errorf("output %s was not written: %w", name, err)
		case !st.Mode().IsRegular():
			return fmt.Errorf("output %s is not a regular file (%v)", name, st.Mode().Type())
		}
		if os.Rename(src, dst) == nil {
			continue
		}
		if err := copyFile(src, dst); err != nil {
			return fmt.Errorf("output %s: %w", name, err)
		}
	}
	return nil
}

// copyFile copies the regular file src to dst.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	return out.Close()
}

// cpuExhausted reports whether the process used its CPU limit (the kernel
// sends SIGKILL at the hard limit).
func cpuExhausted(ps *os.ProcessState, limit uint64) bool {
	if ps == nil {
		return false
	}
	return ps.UserTime()+ps.SystemTime() >= time.Duration(limit)*time.Second
}

// outOfMemory reports whether an engine's last words say it ran out of
// memory.
func outOfMemory(stderr string) bool {
	s := strings.ToLower(stderr)
	for _, m := range []string{"cannot allocate memory", "out of memory", "memory exhausted", "failed to allocate", "error while allocating"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// killGroup kills every process of the group pgid and waits until none is
// left running (a killed process may take a moment to exit; zombies,
// awaiting their parent's wait, are dead). The wait is bounded.
func killGroup(pgid int) {
	for i := 0; i < 200; i++ {
		if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil {
			return // ESRCH: the group is empty
		}
		if len(GroupMembers(pgid)) == 0 {
			return
		}
		time.Sleep(time.Millisecond << min(i, 5))
	}
}

// GroupMembers returns the pids of the live (not zombie) processes of
// process group pgid, read from /proc.
func GroupMembers(pgid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, pg, ok := procStat(pid)
		if ok && pg == pgid && state != 'Z' && state != 'X' {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procStat reads the state and process group of pid from /proc/pid/stat.
func procStat(pid int) (state byte, pgrp int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parens.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 || len(f[0]) != 1 {
		return 0, 0, false
	}
	pg, err := strconv.Atoi(f[2])
	if err != nil {
		return 0, 0, false
	}
	return f[0][0], pg, true
}

// capWriter keeps up to max bytes and reports an overflow once.
type capWriter struct {
	buf  bytes.Buffer
	max  int
	over bool
	pgid atomic.Int64 // the group to kill on overflow, once started
}

func (w *capWriter) Write(p []byte) (int, error) {
	if w.over {
		return 0, ErrOutputTooLarge
	}
	if w.buf.Len()+len(p) > w.max {
		w.over = true
		if pg := w.pgid.Load(); pg > 0 {
			_ = syscall.Kill(-int(pg), syscall.SIGKILL)
		}
		return 0, ErrOutputTooLarge
	}
	return w.buf.Write(p)
}

// tailWriter keeps the last max bytes written.
type tailWriter struct {
	buf []byte
	max int
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if len(w.buf) > 2*w.max {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-w.max:]...)
	}
	return len(p), nil
}

func (w *tailWriter) String() string {
	b := w.buf
	if len(b) > w.max {
		b = b[len(b)-w.max:]
	}
	return string(b)
}
