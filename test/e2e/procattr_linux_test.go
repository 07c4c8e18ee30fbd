package e2e

import "syscall"

// childProcAttr puts a started server in a process group of its own, so
// cleanup can signal everything it starts, and has the kernel send it
// SIGTERM when the test process dies without cleaning up (killed, or its
// output pipe closed), so no server outlives the test.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
