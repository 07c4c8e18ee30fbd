//go:build !linux

package e2e

import "syscall"

// childProcAttr puts a started server in a process group of its own, so
// cleanup can signal everything it starts.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
