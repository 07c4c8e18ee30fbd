// Package cenv keeps changes to the process environment apart from the C
// code that reads it.
//
// In a program linked with cgo, os.Setenv also calls the C library's
// setenv, which may move the environment array; a C library reading the
// environment with getenv at the same moment (glib and libvips do, dozens
// of times, while they start) reads freed memory and the process dies
// with SIGSEGV. The OpenWhisk action loop exports each activation's
// fields (__OW_ACTIVATION_ID, ...) while libvips may still be starting in
// the background, so both sides go through this package: Setenv and
// Unsetenv for changes, Do for C start-up code.
package cenv

import (
	"os"
	"sync"
)

// mu is held by every change of the environment and by every run of C
// code that reads it. It guards the process environment, which is global
// by nature.
var mu sync.Mutex

// Setenv sets the environment variable key to value, as os.Setenv does,
// while no C code run by Do is running.
func Setenv(key, value string) error {
	mu.Lock()
	defer mu.Unlock()
	return os.Setenv(key, value)
}

// Unsetenv removes the environment variable key, as os.Unsetenv does,
// while no C code run by Do is running.
func Unsetenv(key string) error {
	mu.Lock()
	defer mu.Unlock()
	return os.Unsetenv(key)
}

// Do runs f, C code that reads or changes the environment (a library's
// start-up, the loading of its modules), while no Setenv or Unsetenv
// runs. f must not call Setenv, Unsetenv or Do.
func Do(f func()) {
	mu.Lock()
	defer mu.Unlock()
	f()
}
