// Command rawthumb runs the thumbnail action's rendition function
// (package builtin) once on a local file read in place, as the thumbnail
// worker does for a source opened for ranged reads: no copy of the source
// into an activation directory, no checksum, no upload. scripts/bench-raw.sh
// times it beside `acs process`, which runs the whole worker lifecycle.
//
//	go run ./scripts/rawthumb -width 319 -o thumb.jpg photo.nef
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	width := flag.Int("width", 319, "width and height of the box")
	rawMode := flag.String("raw", "", `the raw instruction ("", "preview", "develop")`)
	out := flag.String("o", "thumb.jpg", "output file (its extension is the fmt)")
	n := flag.Int("n", 1, "renditions to make in this process; with more than 1, the mean wall and CPU ms of those after the first (a warm action) are printed")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: rawthumb [-width N] [-raw MODE] [-o OUT] FILE")
		os.Exit(2)
	}
	engine, err := image.New(image.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "rawthumb:", err)
		os.Exit(1)
	}
	var wall, cpu time.Duration
	for i := 0; i < *n; i++ {
		start, startCPU := time.Now(), cpuTime()
		if err := run(engine, flag.Arg(0), *out, *width, *rawMode, i == 0); err != nil {
			fmt.Fprintln(os.Stderr, "rawthumb:", err)
			os.Exit(1)
		}
		if i > 0 {
			wall += time.Since(start)
			cpu += cpuTime() - startCPU
		}
	}
	if *n > 1 {
		fmt.Printf("warm: %d %d\n", wall.Milliseconds()/int64(*n-1), cpu.Milliseconds()/int64(*n-1))
	}
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(engine *image.Engine, path, out string, width int, rawMode string, verbose bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	fn := builtin.Thumbnail(engine, nil)
	src := &worker.Source{Reader: f, Size: st.Size(), Name: filepath.Base(path), Path: path}
	r := &worker.Rendition{Path: out, Metadata: map[string]any{}}
	r.Fmt = api.CanonicalFormat(filepath.Ext(out)[1:])
	r.Width, r.Height, r.Raw = &width, &width, rawMode
	if err := fn(context.Background(), src, r); err != nil {
		return err
	}
	if verbose {
		fmt.Println(r.Metadata)
	}
	return nil
}
