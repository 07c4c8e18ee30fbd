package testutil

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Processes returns the pids of the live processes (not zombies) whose
// command line holds marker, read from /proc; the test process itself is
// left out.
func Processes(t testing.TB, marker string) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(b), marker) {
			continue
		}
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The state follows the command name in parentheses.
		if i := strings.LastIndexByte(string(st), ')'); i > 0 && i+2 < len(st) && (st[i+2] == 'Z' || st[i+2] == 'X') {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// WaitForProcesses waits until at least n live processes hold marker in
// their command line: an event, polled, with no time budget of its own
// (the test's deadline bounds it). It fails the test when done delivers
// first, that is when the work that should start them has ended.
func WaitForProcesses(t testing.TB, marker string, n int, done <-chan error) {
	t.Helper()
	for len(Processes(t, marker)) < n {
		select {
		case err := <-done:
			t.Fatalf("ended before %d processes holding %q ran: %v", n, marker, err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
