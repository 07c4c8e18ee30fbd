// Command bench-compose times a composed request against the same
// renditions requested independently from the source, in one process and
// one run (see scripts/bench-compose.sh). The orchestrator and the
// built-in workers run in process, as in `acs process`: the composed
// request passes its intermediate outputs through a private scratch
// directory (process.DirScratch).
//
// The renditions, of a photo of about 12 MP:
//
//	square-2048.jpg          crop "smart" at 2048x2048
//	square-1024.jpg          1024x1024  \
//	square-512.jpg           512x512     } composed: from square-2048.jpg
//	square-256.png           256x256    /
//	square-1024-wm.jpg       square-1024 with a watermark (composed: from
//	                         square-1024.jpg)
//
// Independently, each of them is a smart crop of the source at its size.
// It prints, per request form, the median wall time and the median CPU
// time (user + system, of this process) of one request at a time over
// the runs, the median wall time per request when -concurrent requests
// of the form run at once (a busy service), and the ratios.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/assetcompute/assetcompute/pkg/builtin"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/invoke"
	"github.com/assetcompute/assetcompute/pkg/process"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

func main() {
	source := flag.String("source", "", "source image (required)")
	watermark := flag.String("watermark", "", "watermark image (required)")
	runs := flag.Int("runs", 9, "timed runs of each form, alternated, after one warm-up each")
	concurrent := flag.Int("concurrent", 4, "requests of one form run at once in the throughput measure (0: none)")
	out := flag.String("out", "", "output folder (default: a temporary one)")
	flag.Parse()
	if *source == "" || *watermark == "" || *runs < 1 || *concurrent < 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*source, *watermark, *runs, *concurrent, *out); err != nil {
		fmt.Fprintln(os.Stderr, "bench-compose:", err)
		os.Exit(1)
	}
}

func run(source, watermark string, runs, concurrent int, out string) error {
	if out == "" {
		dir, err := os.MkdirTemp("", "acs-bench-compose-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		out = dir
	}
	scratch, err := os.MkdirTemp("", "acs-bench-scratch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	client, err := transfer.New(transfer.Options{AllowLocal: true, Logger: quiet})
	if err != nil {
		return err
	}
	handlers, err := builtin.Handlers(worker.Options{Transfer: client, Logger: quiet}, image.Options{})
	if err != nil {
		return err
	}
	p, err := process.New(process.Options{Invoker: invoke.NewInProcess(handlers), Logger: quiet, Scratch: process.DirScratch{Dir: scratch}})
	if err != nil {
		return err
	}
	forms := []struct {
		name string
		req  []byte
	}{
		{"composed", request(source, watermark, filepath.Join(out, "composed"), true)},
		{"independent", request(source, watermark, filepath.Join(out, "independent"), false)},
	}
	wall := map[string][]time.Duration{}
	cpu := map[string][]time.Duration{}
	for i := -1; i < runs; i++ { // run -1 is the warm-up
		for _, f := range forms {
			c0, t0 := cpuTime(), time.Now()
			res := p.Process(context.Background(), f.req)
			w, c := time.Since(t0), cpuTime()-c0
			if !res.AllCreated() {
				b, _ := json.Marshal(res.Renditions)
				return fmt.Errorf("%s request: not every rendition was created: %s", f.name, b)
			}
			if i >= 0 {
				wall[f.name] = append(wall[f.name], w)
				cpu[f.name] = append(cpu[f.name], c)
			}
		}
	}
	// Throughput: rounds of `concurrent` requests of one form at once
	// (each with its own outputs), as a busy worker fleet runs them; the
	// figure is the wall time of a round divided by its requests.
	per := map[string][]time.Duration{}
	if concurrent > 0 {
		for i := 0; i < max(3, runs/3); i++ {
			for k, f := range forms {
				reqs := make([][]byte, concurrent)
				for j := range reqs {
					reqs[j] = request(source, watermark, filepath.Join(out, fmt.Sprintf("%s-%d", f.name, j)), k == 0)
				}
				t0 := time.Now()
				errs := make(chan error, concurrent)
				for _, req := range reqs {
					go func() {
						res := p.Process(context.Background(), req)
						if !res.AllCreated() {
							errs <- fmt.Errorf("%s request: not every rendition was created", f.name)
							return
						}
						errs <- nil
					}()
				}
				for range reqs {
					if err := <-errs; err != nil {
						return err
					}
				}
				per[f.name] = append(per[f.name], time.Since(t0)/time.Duration(concurrent))
			}
		}
	}
	if entries, _ := os.ReadDir(scratch); len(entries) > 0 {
		return fmt.Errorf("%d intermediate outputs were left in the scratch directory", len(entries))
	}
	head := fmt.Sprintf("%-12s %12s %12s", "request", "wall ms", "CPU ms")
	if concurrent > 0 {
		head += fmt.Sprintf(" %22s", fmt.Sprintf("ms/request, %d at once", concurrent))
	}
	fmt.Println(head)
	for _, f := range forms {
		line := fmt.Sprintf("%-12s %12.1f %12.1f", f.name, ms(median(wall[f.name])), ms(median(cpu[f.name])))
		if concurrent > 0 {
			line += fmt.Sprintf(" %22.1f", ms(median(per[f.name])))
		}
		fmt.Println(line)
	}
	line := fmt.Sprintf("%-12s %11.2fx %11.2fx", "ratio",
		ms(median(wall["independent"]))/ms(median(wall["composed"])), ms(median(cpu["independent"]))/ms(median(cpu["composed"])))
	if concurrent > 0 {
		line += fmt.Sprintf(" %21.2fx", ms(median(per["independent"]))/ms(median(per["composed"])))
	}
	fmt.Println(line + "   (independent / composed; target >= 1.5x)")
	return nil
}

// request returns the request of the five renditions, composed or each
// from the source.
func request(source, watermark, out string, composed bool) []byte {
	type r = map[string]any
	from := func(name string) r {
		if composed {
			return r{"rendition": name}
		}
		return nil
	}
	sq := func(name, fmtName string, size int, src string) r {
		m := r{"name": name, "fmt": fmtName, "width": size, "height": size, "target": filepath.Join(out, name)}
		if s := from(src); s != nil && src != "" {
			m["source"] = s
		} else {
			m["crop"] = "smart"
		}
		return m
	}
	wm := sq("square-1024-wm.jpg", "jpg", 1024, "square-1024.jpg")
	wm["watermark"] = r{"image": watermark, "scale": 0.3}
	if composed {
		delete(wm, "width")
		delete(wm, "height")
	}
	rs := []r{
		sq("square-2048.jpg", "jpg", 2048, ""),
		sq("square-1024.jpg", "jpg", 1024, "square-2048.jpg"),
		sq("square-512.jpg", "jpg", 512, "square-2048.jpg"),
		sq("square-256.png", "png", 256, "square-2048.jpg"),
		wm,
	}
	b, _ := json.Marshal(r{"source": source, "renditions": rs})
	return b
}

// cpuTime returns the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
