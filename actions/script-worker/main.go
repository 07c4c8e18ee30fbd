// Command script-worker is a generic custom worker that runs a shell
// script per rendition (see worker.Script): copy this folder, replace
// zip/worker.sh with your script, and deploy it like any worker. The
// script gets the source path, the rendition path and the instructions
// file as arguments and ACS_* variables, and reports a failure by writing
// a reason file.
//
// The script is found, in order, at $ACS_SCRIPT, ./worker.sh (the action's
// folder, where the zip is extracted) and worker.sh next to the
// executable. scripts/build-actions.sh puts the files of zip/ into the
// action zip next to exec.
//
// The example zip/worker.sh writes a checksum of the source: the rendition
// instruction algorithm chooses sha256 (default) or md5.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	path, err := scriptPath()
	if err != nil {
		fmt.Fprintln(os.Stderr, "script-worker:", err)
		os.Exit(1)
	}
	worker.Main(worker.Script(path, worker.ScriptOptions{}))
}

// scriptPath finds the script to run.
func scriptPath() (string, error) {
	if p := os.Getenv("ACS_SCRIPT"); p != "" {
		return p, nil
	}
	candidates := []string{"worker.sh"}
	if exe, err := os.Executable(); err == nil {
		candidates = append(candidates, filepath.Join(filepath.Dir(exe), "worker.sh"))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return filepath.Abs(c)
		}
	}
	return "", fmt.Errorf("no script: set ACS_SCRIPT or put worker.sh next to the executable")
}
