package owaction

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"
)

// Errors a [Process] reports; callers test them with errors.Is.
var (
	// ErrExited means the action process is no longer running. Errors that
	// wrap it say how it ended ("exit status 3", "signal: killed").
	ErrExited = errors.New("owaction: action process exited")
	// ErrResultTooLarge means a result line exceeded
	// ProcessOptions.MaxResultBytes. The line was read and dropped, so the
	// process can serve the next activation.
	ErrResultTooLarge = errors.New("owaction: action result too large")
	// ErrInvalidActivation means the body given to Run is not valid JSON;
	// it was not sent to the process.
	ErrInvalidActivation = errors.New("owaction: activation body is not valid JSON")
)

// Default limits of a [Process].
const (
	// DefaultAckTimeout is how long StartProcess waits for {"ok":true}.
	DefaultAckTimeout = 10 * time.Second
	// DefaultMaxResultBytes is the largest result line Run accepts, the
	// OpenWhisk default limit for results.
	DefaultMaxResultBytes = 1 << 20
)

// maxAckBytes bounds the acknowledgement line.
const maxAckBytes = 4 << 10

// exitGrace is how long the harness waits for output still in flight after
// the process ended or closed its pipes, and for the process to end after it
// closed its pipes.
const exitGrace = time.Second

// ProcessOptions tunes a [Process]. The zero value uses the defaults; zero or
// negative durations and sizes mean "default".
type ProcessOptions struct {
	// Log receives the action's stdout and stderr, the activation log.
	// Writes are serialised. Default: discarded.
	Log io.Writer
	// Stderr, when set, receives the action's stderr, and Log its stdout
	// only, for hosts that label the two streams as OpenWhisk's activation
	// logs do. Writes to each are serialised.
	Stderr io.Writer
	// AckTimeout bounds the wait for the start acknowledgement.
	// Default: DefaultAckTimeout.
	AckTimeout time.Duration
	// MaxResultBytes is the largest result line accepted, newline excluded.
	// Default: DefaultMaxResultBytes.
	MaxResultBytes int64
}

func (o ProcessOptions) withDefaults() ProcessOptions {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.AckTimeout <= 0 {
		o.AckTimeout = DefaultAckTimeout
	}
	if o.MaxResultBytes <= 0 {
		o.MaxResultBytes = DefaultMaxResultBytes
	}
	return o
}

// Process is one running action executable, started and spoken to the way
// the OpenWhisk Go runtime's proxy does it: activation lines on its stdin,
// result lines on its fd 3, logs on stdout and stderr. It serves one Run at a
// time; Close may be called at any time, from any goroutine.
type Process struct {
	cmd     *exec.Cmd
	opts    ProcessOptions
	stdin   io.WriteCloser
	results *os.File      // read end of the child's fd 3
	reader  *bufio.Reader // over results

	mu sync.Mutex // held by Run

	exited  chan struct{} // closed once the process has been reaped
	waitErr error         // cmd.Wait's error, set before exited is closed

	closeOnce sync.Once
}

// StartProcess starts dir/exec with working directory dir and an environment
// made of env plus __OW_WAIT_FOR_ACK=1 and nothing else (no PATH, no HOME, as
// in OpenWhisk), then waits for the action's {"ok":true} acknowledgement on
// fd 3. An action that does not acknowledge within opts.AckTimeout, exits
// first, acknowledges anything else, or outlives ctx is killed and
// StartProcess returns an error. ctx only bounds the start; the process runs
// until Close.
func StartProcess(ctx context.Context, dir string, env map[string]string, opts ProcessOptions) (*Process, error) {
	opts = opts.withDefaults()
	exe := filepath.Join(dir, "exec")

	p, err := startBusyRetry(ctx, exe, func() (*Process, error) { return startOnce(exe, dir, env, opts) })
	if err != nil {
		return nil, err
	}
	go p.reap()

	if err := p.awaitAck(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("owaction: starting %s: %w", exe, err)
	}
	return p, nil
}

// busyRetries bounds how often a start refused with ETXTBSY is tried again.
// The kernel refuses to run a file that some process holds open for
// writing; a file just written (an unpacked action) is held that way for a
// moment by any child this process forks meanwhile, between its fork and
// its exec (the close-on-exec descriptors are closed only at exec). The
// backoff doubles from busyBackoff: about 2.5 s in all.
const (
	busyRetries = 8
	busyBackoff = 10 * time.Millisecond
)

// startBusyRetry calls start until it succeeds, fails otherwise than with
// ETXTBSY, busyRetries have been made, or ctx ends.
func startBusyRetry(ctx context.Context, exe string, start func() (*Process, error)) (*Process, error) {
	wait := busyBackoff
	for attempt := 0; ; attempt++ {
		p, err := start()
		if err == nil || !errors.Is(err, syscall.ETXTBSY) || attempt == busyRetries {
			return p, err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("owaction: starting %s: %w (%w)", exe, ctx.Err(), err)
		}
		wait *= 2
	}
}

// startOnce starts exe with its pipes; the caller reaps it.
func startOnce(exe, dir string, env map[string]string, opts ProcessOptions) (*Process, error) {
	cmd := exec.Command(exe)
	cmd.Dir = dir
	cmd.Env = environ(env)
	logw := &syncWriter{w: opts.Log}
	cmd.Stdout, cmd.Stderr = logw, logw
	if opts.Stderr != nil {
		cmd.Stderr = &syncWriter{w: opts.Stderr}
	}
	cmd.WaitDelay = exitGrace // do not wait forever for pipes a grandchild holds
	setProcessGroup(cmd)

	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("owaction: creating the stdin pipe of %s: %w", exe, err)
	}
	results, resultsW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("owaction: creating the results pipe of %s: %w", exe, err)
	}
	cmd.ExtraFiles = []*os.File{resultsW} // becomes fd 3
	if err := cmd.Start(); err != nil {
		_ = results.Close()
		_ = resultsW.Close()
		return nil, fmt.Errorf("owaction: starting %s: %w", exe, err)
	}
	// The child has its copy; closing ours lets reads see EOF when it dies.
	_ = resultsW.Close()

	return &Process{
		cmd:     cmd,
		opts:    opts,
		stdin:   stdin,
		results: results,
		reader:  bufio.NewReader(results),
		exited:  make(chan struct{}),
	}, nil
}

// environ turns env into a sorted KEY=VALUE list with __OW_WAIT_FOR_ACK=1.
func environ(env map[string]string) []string {
	list := make([]string, 0, len(env)+1)
	for k, v := range env {
		if k != "__OW_WAIT_FOR_ACK" {
			list = append(list, k+"="+v)
		}
	}
	list = append(list, "__OW_WAIT_FOR_ACK=1")
	sort.Strings(list)
	return list
}

func (p *Process) reap() {
	p.waitErr = p.cmd.Wait()
	close(p.exited)
}

type lineResult struct {
	line []byte
	err  error
}

// awaitAck waits for the acknowledgement line.
func (p *Process) awaitAck(ctx context.Context) error {
	done := make(chan lineResult, 1)
	go func() {
		line, err := readLine(p.reader, maxAckBytes)
		done <- lineResult{line, err}
	}()
	timer := time.NewTimer(p.opts.AckTimeout)
	defer timer.Stop()

	select {
	case r := <-done:
		if r.err != nil {
			p.awaitExit()
			return fmt.Errorf("no start acknowledgement on fd 3: %w", p.endError(r.err))
		}
		var ack struct {
			OK bool `json:"ok"`
		}
		if err := json.Unmarshal(r.line, &ack); err != nil || !ack.OK {
			return fmt.Errorf("the action did not initialize properly: it acknowledged with %.200q", r.line)
		}
		return nil
	case <-timer.C:
		p.Close()
		<-done
		return fmt.Errorf("the action did not acknowledge its start within %s", p.opts.AckTimeout)
	case <-ctx.Done():
		p.Close()
		<-done
		return fmt.Errorf("waiting for the start acknowledgement: %w", ctx.Err())
	}
}

// Run sends one activation to the process and returns its result line.
// body is an activation object ({"value": {...}, "activation_id": ...}); it
// is compacted to one line first. Run honours ctx: when ctx is done before
// the result arrives, the process is killed and the error wraps ctx.Err()
// (context.DeadlineExceeded for a deadline). When the process exits before
// answering, the error wraps [ErrExited] and tells the exit status. A result
// line longer than MaxResultBytes gives an error wrapping
// [ErrResultTooLarge] and leaves the process running.
func (p *Process) Run(ctx context.Context, body []byte) (json.RawMessage, error) {
	var compact bytes.Buffer
	compact.Grow(len(body) + 1)
	if err := json.Compact(&compact, body); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidActivation, err)
	}
	compact.WriteByte('\n')

	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Exited() {
		return nil, p.exitError("before the run")
	}

	done := make(chan lineResult, 1)
	go func() {
		if _, err := p.stdin.Write(compact.Bytes()); err != nil {
			done <- lineResult{err: fmt.Errorf("writing the activation to stdin: %w", err)}
			return
		}
		line, err := readLine(p.reader, p.opts.MaxResultBytes)
		done <- lineResult{line, err}
	}()

	select {
	case r := <-done:
		if r.err == nil {
			return r.line, nil
		}
		if errors.Is(r.err, ErrResultTooLarge) {
			return nil, r.err
		}
		// The pipes broke: the process is ending or has ended.
		p.awaitExit()
		return nil, p.exitError("during the run")
	case <-p.exited:
		// A result written just before exiting may still be in the pipe.
		select {
		case r := <-done:
			if r.err == nil {
				return r.line, nil
			}
		case <-time.After(exitGrace):
			p.Close()
			<-done
		}
		return nil, p.exitError("during the run")
	case <-ctx.Done():
		p.Close()
		<-done
		return nil, fmt.Errorf("owaction: the action did not answer in time and was killed: %w", ctx.Err())
	}
}

// awaitExit waits a moment for the process to end by itself, then kills it.
func (p *Process) awaitExit() {
	select {
	case <-p.exited:
	case <-time.After(exitGrace):
		p.Close()
	}
}

// endError explains a failed read or write: the exit status when the
// process has ended, err otherwise.
func (p *Process) endError(err error) error {
	if p.Exited() {
		return p.exitError("")
	}
	return err
}

// exitError returns an error wrapping ErrExited with the exit status.
// The process must have exited.
func (p *Process) exitError(when string) error {
	status := "unknown status"
	if st := p.cmd.ProcessState; st != nil {
		status = st.String()
	} else if p.waitErr != nil {
		status = p.waitErr.Error()
	}
	if when != "" {
		return fmt.Errorf("%w %s: %s", ErrExited, when, status)
	}
	return fmt.Errorf("%w: %s", ErrExited, status)
}

// Exited reports whether the process has ended and been reaped.
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Pid returns the operating system's id of the process.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Close kills the process and the programs it started, reaps it and closes
// the pipes. It interrupts a Run in progress, which then returns an error.
// Close is idempotent and always returns nil; the error is for io.Closer.
func (p *Process) Close() error {
	p.closeOnce.Do(func() {
		if !p.Exited() {
			killProcessGroup(p.cmd)
		}
		<-p.exited // cmd.WaitDelay bounds this
		_ = p.stdin.Close()
		_ = p.results.Close() // unblocks a reader stuck on a pipe a grandchild holds
	})
	return nil
}

// readLine reads one newline-terminated line from r and returns it without
// the newline. A line longer than max bytes is read to its end and dropped,
// so that the stream stays in step, and the error wraps ErrResultTooLarge.
// A stream that ends before the newline gives io.EOF (nothing read) or
// io.ErrUnexpectedEOF.
func readLine(r *bufio.Reader, max int64) ([]byte, error) {
	var line []byte
	var n int64
	for {
		chunk, err := r.ReadSlice('\n')
		n += int64(len(chunk))
		if n <= max+1 { // the newline does not count
			line = append(line, chunk...)
		} else {
			line = nil
		}
		switch {
		case err == nil:
			if n > max+1 {
				return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrResultTooLarge, n-1, max)
			}
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && n == 0:
			return nil, io.EOF
		case errors.Is(err, io.EOF):
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

// syncWriter serialises writes to w. Handing the same *syncWriter to
// cmd.Stdout and cmd.Stderr also makes os/exec use one copying goroutine.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
