package workertest

import (
	"bytes"
	"sync"
)

// crashTailBytes is how much of a process's latest output crashLog keeps.
const crashTailBytes = 16 << 10

// crashReportBytes caps the crash report added to an error message.
const crashReportBytes = 1500

// crashLog keeps the latest output of one action process, so that when
// the process dies the Go runtime's report (a panic or fatal error and
// the first lines of its trace) can be named in the error instead of a
// bare exit status. It is safe for concurrent use.
type crashLog struct {
	mu  sync.Mutex
	buf []byte
}

// Write keeps the last crashTailBytes of what the process wrote.
func (c *crashLog) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf, p...)
	if over := len(c.buf) - crashTailBytes; over > 0 {
		c.buf = append(c.buf[:0], c.buf[over:]...)
	}
	return len(p), nil
}

// report returns the runtime's crash report in the kept output: from the
// last line starting "panic:", "fatal error:" or "SIG" on, at most
// crashReportBytes; "" when there is none (the process was killed, or
// exited on its own).
func (c *crashLog) report() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := -1
	for _, marker := range []string{"\npanic: ", "\nfatal error: ", "\nSIG"} {
		if i := bytes.LastIndex(append([]byte{'\n'}, c.buf...), []byte(marker)); i > start {
			start = i
		}
	}
	if start < 0 {
		return ""
	}
	r := c.buf[start:]
	if len(r) > crashReportBytes {
		r = r[:crashReportBytes]
	}
	return string(bytes.TrimSpace(r))
}
