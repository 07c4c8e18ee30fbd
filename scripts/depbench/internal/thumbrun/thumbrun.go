// Package thumbrun is the loop shared by the two thumbnail benchmark
// programs (cmd/thumb-engine and cmd/thumb-bimg): each links only its own
// libvips binding, so that neither library's process-wide libvips
// settings (cache, threads) affect the other, and each runs the same
// files through the same loop.
package thumbrun

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Box is the thumbnail box, in pixels, and Quality the JPEG quality that
// both programs are asked for.
const (
	Box     = 256
	Quality = 80
)

// ThumbFunc makes a Box x Box JPEG thumbnail of the file src at out, in
// the named mode, and returns its size.
type ThumbFunc func(mode, src, out string) (width, height int, err error)

// FileResult is one file's outcome in the first pass.
type FileResult struct {
	File   string `json:"file"`
	Out    string `json:"out,omitempty"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
	Error  string `json:"error,omitempty"`
	Panic  string `json:"panic,omitempty"`
}

// Report is what a run prints, as one JSON object on stdout.
type Report struct {
	Tool   string       `json:"tool"`
	Mode   string       `json:"mode"`
	Files  []FileResult `json:"files"`
	Passes int          `json:"passes"`
	// Images is the number of thumbnails made in the timed passes, and
	// Seconds their wall time; CPUSeconds is the user+system CPU time of
	// the process over the same passes.
	Images     int     `json:"images"`
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpuSeconds"`
	// Failures lists the calls of the timed passes that failed on a file
	// that succeeded in the first pass (they are not counted in Images).
	Failures []string `json:"failures,omitempty"`
}

// Main parses the command line, runs fn over the files and prints the
// report:
//
//	PROG -mode M -out DIR [-passes N] FILE...
//
// The first pass writes DIR/<name>.jpg and records each file's result; it
// is the warm-up. Then -passes more passes over the files that succeeded
// are timed (wall and CPU time), writing to the same paths; a call that
// fails there is listed in Failures and the run goes on.
func Main(tool string, modes []string, fn ThumbFunc) {
	mode := flag.String("mode", modes[0], "mode: "+strings.Join(modes, ", "))
	outDir := flag.String("out", "", "directory for the thumbnails")
	passes := flag.Int("passes", 3, "timed passes after the first")
	flag.Parse()
	if *outDir == "" || flag.NArg() == 0 {
		fmt.Fprintf(os.Stderr, "usage: %s -mode M -out DIR [-passes N] FILE...\n", tool)
		os.Exit(2)
	}
	known := false
	for _, m := range modes {
		known = known || m == *mode
	}
	if !known {
		fmt.Fprintf(os.Stderr, "%s: unknown mode %q (%s)\n", tool, *mode, strings.Join(modes, ", "))
		os.Exit(2)
	}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rep := Report{Tool: tool, Mode: *mode, Passes: *passes}
	var ok []string
	outOf := func(src string) string {
		base := strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
		return filepath.Join(*outDir, base+".jpg")
	}
	for _, src := range flag.Args() {
		r := FileResult{File: filepath.Base(src), Out: outOf(src)}
		w, h, p, err := call(fn, *mode, src, r.Out)
		switch {
		case p != "":
			r.Panic = p
		case err != nil:
			r.Error = err.Error()
		default:
			r.Width, r.Height = w, h
			if st, err := os.Stat(r.Out); err == nil {
				r.Bytes = st.Size()
			}
			ok = append(ok, src)
		}
		rep.Files = append(rep.Files, r)
	}
	cpu0, t0 := cpuSeconds(), time.Now()
	for range *passes {
		for _, src := range ok {
			_, _, p, err := call(fn, *mode, src, outOf(src))
			switch {
			case p != "":
				rep.Failures = append(rep.Failures, fmt.Sprintf("%s: panic: %s", filepath.Base(src), p))
			case err != nil:
				rep.Failures = append(rep.Failures, fmt.Sprintf("%s: %v", filepath.Base(src), err))
			default:
				rep.Images++
			}
		}
	}
	rep.Seconds = time.Since(t0).Seconds()
	rep.CPUSeconds = cpuSeconds() - cpu0
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// call runs fn and turns a panic into a message.
func call(fn ThumbFunc, mode, src, out string) (w, h int, panicked string, err error) {
	defer func() {
		if v := recover(); v != nil {
			panicked = fmt.Sprint(v)
		}
	}()
	w, h, err = fn(mode, src, out)
	return w, h, "", err
}

// cpuSeconds is the user+system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
