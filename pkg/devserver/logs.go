package devserver

import (
	"bytes"
	"fmt"
	"sync"
	"time"
)

// logBuffer collects an activation's log lines, OpenWhisk-style:
// "TIMESTAMP stdout: text". It keeps at most limit bytes and then notes the
// truncation once.
type logBuffer struct {
	mu        sync.Mutex
	ls        []string
	size      int
	limit     int
	truncated bool
	partial   []byte
}

// newLogBuffer returns a buffer holding at most limit bytes of lines.
func newLogBuffer(limit int) *logBuffer { return &logBuffer{limit: limit} }

// add appends one line.
func (b *logBuffer) add(stream, text string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.addLocked(stream, text)
}

func (b *logBuffer) addLocked(stream, text string) {
	if b.truncated {
		return
	}
	line := fmt.Sprintf("%s %s: %s", time.Now().UTC().Format(time.RFC3339Nano), stream, text)
	if b.size+len(line) > b.limit {
		b.truncated = true
		b.ls = append(b.ls, fmt.Sprintf("%s stderr: Logs were truncated because the total bytes size exceeds the limit of %d bytes.", time.Now().UTC().Format(time.RFC3339Nano), b.limit))
		return
	}
	b.size += len(line)
	b.ls = append(b.ls, line)
}

// write splits p into lines; an unfinished line waits for its end.
func (b *logBuffer) write(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.partial = append(b.partial, p...)
	for {
		i := bytes.IndexByte(b.partial, '\n')
		if i < 0 {
			break
		}
		b.addLocked("stdout", string(b.partial[:i]))
		b.partial = b.partial[i+1:]
	}
	if len(b.partial) > b.limit { // a runaway line without newline
		b.addLocked("stdout", string(b.partial))
		b.partial = nil
	}
}

// flush ends an unfinished line.
func (b *logBuffer) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.partial) > 0 {
		b.addLocked("stdout", string(b.partial))
		b.partial = nil
	}
}

// byteSize returns the bytes held so far.
func (b *logBuffer) byteSize() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.size + len(b.partial)
}

// lines returns a copy of the lines so far.
func (b *logBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, len(b.ls), len(b.ls)+1)
	copy(out, b.ls)
	if len(b.partial) > 0 {
		out = append(out, fmt.Sprintf("%s stdout: %s", time.Now().UTC().Format(time.RFC3339Nano), b.partial))
	}
	return out
}

// logSwitch is the writer a process's stdout and stderr go to; it forwards
// to the buffer of the activation the process serves now, or of the last
// one it served.
type logSwitch struct {
	mu  sync.Mutex
	cur *logBuffer
}

// Write implements io.Writer.
func (s *logSwitch) Write(p []byte) (int, error) {
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	if cur != nil {
		cur.write(p)
	}
	return len(p), nil
}

// set makes b the current buffer, ending the previous one's last line.
func (s *logSwitch) set(b *logBuffer) {
	s.mu.Lock()
	prev := s.cur
	s.cur = b
	s.mu.Unlock()
	if prev != nil && prev != b {
		prev.flush()
	}
}
