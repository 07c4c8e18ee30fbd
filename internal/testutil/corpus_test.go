package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNeedCorpusFailsInCI: a missing corpus file skips a test, and fails
// it when CI is set. The outcome is read from a test run in a child
// process, so that the failure it must produce does not fail this test.
func TestNeedCorpusFailsInCI(t *testing.T) {
	if name := os.Getenv("TESTUTIL_CORPUS_CHILD"); name != "" {
		NeedCorpus(t, "no-such-dir", name)
		t.Log("NeedCorpus returned")
		return
	}
	for _, tc := range []struct {
		ci   string
		want string
	}{{"", "--- SKIP"}, {"true", "--- FAIL"}} {
		out, err := childRun(t, "TestNeedCorpusFailsInCI", "TESTUTIL_CORPUS_CHILD=missing.jpg", CIEnv+"="+tc.ci)
		if !strings.Contains(out, tc.want) || !strings.Contains(out, "missing.jpg not found") || strings.Contains(out, "NeedCorpus returned") {
			t.Errorf("CI=%q: want %s with the missing path, got (%v):\n%s", tc.ci, tc.want, err, out)
		}
		if tc.ci != "" && !strings.Contains(out, "not a skip") {
			t.Errorf("CI=%q: the failure does not say why:\n%s", tc.ci, out)
		}
	}
}

func TestCorpusDirIsBesideTheCheckout(t *testing.T) {
	dir, err := CorpusDir()
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	root := filepath.Dir(filepath.Dir(wd)) // internal/testutil -> the checkout
	if want := filepath.Join(filepath.Dir(root), "shared", "corpus"); dir != want {
		t.Errorf("CorpusDir() = %s, want %s", dir, want)
	}
}

// childRun runs the test named run of this test binary in a child process
// with env added, and returns its verbose output.
func childRun(t *testing.T, run string, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+run+"$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
