//go:build !linux

package owaction

import "os"

// resultsFile returns nil: OpenWhisk actions run on Linux, elsewhere results
// go to stdout.
func resultsFile() *os.File { return nil }
