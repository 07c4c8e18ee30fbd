package devserver

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
)

// logBuffer collects an activation's log lines, OpenWhisk-style:
// "TIMESTAMP stdout: text" or "TIMESTAMP stderr: text". It keeps at most limit bytes and then notes the
// truncation once.
type logBuffer struct {
	mu        sync.Mutex
	ls        []string
	size      int
	limit     int
	truncated bool
	// partial holds each stream's unfinished line.
	partial map[string][]byte
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

// streams are the log streams in the order unfinished lines are shown.
var streams = [...]string{"stdout", "stderr"}

// write splits p, written to stream, into lines; an unfinished line waits
// for its end.
func (b *logBuffer) write(stream string, p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.partial == nil {
		b.partial = map[string][]byte{}
	}
	part := append(b.partial[stream], p...)
	for {
		i := bytes.IndexByte(part, '\n')
		if i < 0 {
			break
		}
		b.addLocked(stream, string(part[:i]))
		part = part[i+1:]
	}
	if len(part) > b.limit { // a runaway line without newline
		b.addLocked(stream, string(part))
		part = nil
	}
	b.partial[stream] = part
}

// flush ends the unfinished lines.
func (b *logBuffer) flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, stream := range streams {
		if part := b.partial[stream]; len(part) > 0 {
			b.addLocked(stream, string(part))
		}
	}
	b.partial = nil
}

// byteSize returns the bytes held so far.
func (b *logBuffer) byteSize() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.size
	for _, part := range b.partial {
		n += len(part)
	}
	return n
}

// lines returns a copy of the lines so far.
func (b *logBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, len(b.ls), len(b.ls)+len(streams))
	copy(out, b.ls)
	for _, stream := range streams {
		if part := b.partial[stream]; len(part) > 0 {
			out = append(out, fmt.Sprintf("%s %s: %s", time.Now().UTC().Format(time.RFC3339Nano), stream, part))
		}
	}
	return out
}

// logSwitch routes a process's stdout and stderr to the buffer of the
// activation the process serves now, or of the last one it served.
type logSwitch struct {
	mu  sync.Mutex
	cur *logBuffer
}

// stream returns the writer for one of the process's streams.
func (s *logSwitch) stream(name string) io.Writer { return streamWriter{s, name} }

// streamWriter is the writer of one stream of a logSwitch.
type streamWriter struct {
	s    *logSwitch
	name string
}

// Write implements io.Writer.
func (w streamWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	cur := w.s.cur
	w.s.mu.Unlock()
	if cur != nil {
		cur.write(w.name, p)
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
