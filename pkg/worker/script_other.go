//go:build !unix

package worker

import "os/exec"

// killGroupOnCancel keeps exec's default: only the script itself is killed.
func killGroupOnCancel(cmd *exec.Cmd) {}
