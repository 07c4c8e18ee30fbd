package devserver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// tails drops the timestamps of log lines.
func tails(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		_, out[i], _ = strings.Cut(l, " ")
	}
	return out
}

func TestLogBufferKeepsStreamsApart(t *testing.T) {
	b := newLogBuffer(1 << 20)
	b.write("stdout", []byte("hal"))
	b.write("stderr", []byte("warn\nhalf-"))
	b.write("stdout", []byte("f a line\nnext"))
	assert.Equal(t, []string{"stderr: warn", "stdout: half a line", "stdout: next", "stderr: half-"}, tails(b.lines()),
		"unfinished lines are shown after the finished ones")
	b.flush()
	assert.Equal(t, []string{"stderr: warn", "stdout: half a line", "stdout: next", "stderr: half-"}, tails(b.lines()))
	total := 0
	for _, l := range b.lines() {
		total += len(l)
	}
	assert.Equal(t, total, b.byteSize(), "the size counts the lines kept")
}

func TestLogBufferTruncates(t *testing.T) {
	b := newLogBuffer(100)
	for range 10 {
		b.write("stdout", []byte(strings.Repeat("x", 30)+"\n"))
	}
	lines := tails(b.lines())
	assert.LessOrEqual(t, len(lines), 4)
	assert.Contains(t, lines[len(lines)-1], "Logs were truncated")
}
