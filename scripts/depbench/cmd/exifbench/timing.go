package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// timing prints, per file and reader, the time of one call (reading the
// file included; see measure), the heap allocations and the bytes allocated per
// call, and the geometric means over the files.
func timing(args []string) error {
	fs := flag.NewFlagSet("time", flag.ExitOnError)
	minDur := fs.Duration("min", 300*time.Millisecond, "time each reader on each file for at least this long")
	_ = fs.Parse(args)
	files := fs.Args()
	if len(files) == 0 {
		usage()
	}
	logSum := map[string]*stat{}
	for _, r := range readers {
		logSum[r.name] = &stat{}
	}
	n := 0
	fmt.Printf("%-34s %9s | %12s %9s %10s | %12s %9s %10s | %8s\n", "file", "KB",
		readers[0].name+" µs", "allocs", "alloc KB", readers[1].name+" µs", "allocs", "alloc KB", "time x")
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return err
		}
		var res []stat
		skip := false
		for _, r := range readers {
			// One call first: a reader that fails or panics on this file
			// is not timed on it (agree reports it).
			if _, err := safeRead(func() (Core, error) { return r.file(f) }); err != nil && !errors.Is(err, errNoExif) {
				skip = true
				break
			}
			res = append(res, measure(func() { _, _ = r.file(f) }, *minDur))
		}
		if skip {
			fmt.Printf("%-34s %9d | (a reader fails on this file: not timed)\n", filepath.Base(f), st.Size()/1024)
			continue
		}
		n++
		for i, r := range readers {
			s := logSum[r.name]
			s.ns += math.Log(res[i].ns)
			s.allocs += math.Log(math.Max(res[i].allocs, 1))
			s.bytes += math.Log(math.Max(res[i].bytes, 1))
		}
		fmt.Printf("%-34s %9d | %12.1f %9.0f %10.1f | %12.1f %9.0f %10.1f | %7.1fx\n", filepath.Base(f), st.Size()/1024,
			res[0].ns/1e3, res[0].allocs, res[0].bytes/1024, res[1].ns/1e3, res[1].allocs, res[1].bytes/1024, res[0].ns/res[1].ns)
	}
	if n == 0 {
		return nil
	}
	g := func(name string) stat {
		s := logSum[name]
		return stat{math.Exp(s.ns / float64(n)), math.Exp(s.allocs / float64(n)), math.Exp(s.bytes / float64(n))}
	}
	a, b := g(readers[0].name), g(readers[1].name)
	fmt.Printf("%-34s %9s | %12.1f %9.0f %10.1f | %12.1f %9.0f %10.1f | %7.1fx\n", fmt.Sprintf("geometric mean (%d files)", n), "",
		a.ns/1e3, a.allocs, a.bytes/1024, b.ns/1e3, b.allocs, b.bytes/1024, a.ns/b.ns)
	fmt.Printf("(time x: %s time / %s time)\n", readers[0].name, readers[1].name)
	return nil
}

// stat is the cost of one call: nanoseconds, heap allocations, bytes
// allocated.
type stat struct{ ns, allocs, bytes float64 }

// measure calls fn in 5 batches, each of at least d/5 (and at least 5
// calls), and returns the mean nanoseconds per call of the fastest batch
// (the one least disturbed by other work on the machine) and the mean heap
// allocations and bytes allocated per call over all batches.
func measure(fn func(), d time.Duration) (s stat) {
	fn()
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	total := 0
	s.ns = math.Inf(1)
	for range 5 {
		t0 := time.Now()
		calls := 0
		for calls < 5 || time.Since(t0) < d/5 {
			fn()
			calls++
		}
		s.ns = math.Min(s.ns, float64(time.Since(t0).Nanoseconds())/float64(calls))
		total += calls
	}
	runtime.ReadMemStats(&m1)
	s.allocs = float64(m1.Mallocs-m0.Mallocs) / float64(total)
	s.bytes = float64(m1.TotalAlloc-m0.TotalAlloc) / float64(total)
	return s
}
