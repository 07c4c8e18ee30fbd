//go:build unix

package worker

import (
	"os/exec"
	"syscall"
)

// killGroupOnCancel runs cmd in its own process group and makes the
// context's cancellation kill the whole group, so programs a script started
// do not outlive it.
func killGroupOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
