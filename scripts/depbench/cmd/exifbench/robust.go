package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// hangAfter is how long one call may run before it is counted as a hang
// (it is then abandoned, still running, and the next variant is tried).
const hangAfter = 10 * time.Second

// variant is one damaged copy of a source file.
type variant struct {
	name string
	data []byte
}

// variants makes the damaged copies of one file: truncations (16 cuts
// spread over the first 64 KiB after the start of the EXIF block, where
// the metadata is, and 8 spread over the whole file) and 32 copies with 1
// to 16 random bits flipped in the 64 KiB from the start of the EXIF
// block. The random source is seeded, so a run is repeatable.
func variants(name string, data []byte, seed uint64) []variant {
	if len(data) < 2 {
		return nil
	}
	var out []variant
	start := exifStart(data)
	region := min(len(data)-start, 64<<10)
	if region <= 0 {
		start, region = 0, min(len(data), 64<<10)
	}
	for i := 1; i <= 16; i++ {
		cut := start + region*i/17
		out = append(out, variant{fmt.Sprintf("%s cut at %d", name, cut), data[:cut:cut]})
	}
	for i := 1; i <= 8; i++ {
		cut := len(data) * i / 9
		out = append(out, variant{fmt.Sprintf("%s cut at %d", name, cut), data[:cut:cut]})
	}
	rng := rand.New(rand.NewPCG(seed, uint64(len(data))))
	for i := range 32 {
		c := bytes.Clone(data)
		flips := 1 + i%16
		var at []string
		for range flips {
			off := start + rng.IntN(region)
			c[off] ^= 1 << rng.IntN(8)
			at = append(at, fmt.Sprint(off))
		}
		out = append(out, variant{fmt.Sprintf("%s bits flipped at %s", name, strings.Join(at, ",")), c})
	}
	return out
}

// exifStart is the offset of the EXIF block: its "Exif\0\0" header, else
// the first TIFF byte-order mark, else 0.
func exifStart(data []byte) int {
	if i := bytes.Index(data, []byte("Exif\x00\x00")); i >= 0 {
		return i
	}
	for _, sig := range [][]byte{[]byte("II*\x00"), []byte("MM\x00*")} {
		if i := bytes.Index(data, sig); i >= 0 {
			return i
		}
	}
	return 0
}

// outcome is what one call on one variant did.
type outcome int

const (
	outValues outcome = iota // returned at least one core tag
	outEmpty                 // returned no error and no core tag (or found no EXIF)
	outError
	outPanic
	outHang
)

// bigAlloc is the allocation above which a call is counted as a memory
// hazard: a worker that reads metadata next to other work has a few
// hundred MB.
const bigAlloc = 64 << 20

// robust runs both readers over the damaged copies of every file and
// counts, per reader, the calls that returned core tags, returned nothing
// (no error, no tag), returned an error, panicked (a panic that escaped the
// library, caught here) or did not return within hangAfter; and the calls
// that allocated more than bigAlloc bytes, the most bytes one call
// allocated, and the distinct panic messages.
func robust(args []string) error {
	fs := flag.NewFlagSet("robust", flag.ExitOnError)
	seed := fs.Uint64("seed", 1, "seed of the bit flips")
	keep := fs.String("keep", "", "write each copy that made a reader panic, hang or allocate more than 64 MB to this directory")
	_ = fs.Parse(args)
	files := fs.Args()
	if len(files) == 0 {
		usage()
	}
	type tally struct {
		n        [5]int
		big      []string
		maxAlloc uint64
		maxWhat  string
		panics   map[string]string
		hangs    []string
	}
	t := map[string]*tally{}
	for _, r := range readers {
		t[r.name] = &tally{panics: map[string]string{}}
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for i, v := range variants(filepath.Base(f), data, *seed) {
			total++
			bad := false
			for _, r := range readers {
				tl := t[r.name]
				if len(tl.hangs) >= 3 {
					tl.n[outHang]++ // stop calling a reader that hangs: its goroutines still run
					continue
				}
				o, msg, alloc := runOne(r, v.data)
				tl.n[o]++
				bad = bad || o == outPanic || o == outHang || alloc > bigAlloc
				if alloc > bigAlloc {
					tl.big = append(tl.big, fmt.Sprintf("%.0f MB on %s", float64(alloc)/(1<<20), v.name))
				}
				if alloc > tl.maxAlloc {
					tl.maxAlloc, tl.maxWhat = alloc, v.name
				}
				switch o {
				case outPanic:
					if _, seen := tl.panics[msg]; !seen {
						tl.panics[msg] = v.name
					}
				case outHang:
					tl.hangs = append(tl.hangs, v.name)
				}
			}
			if bad && *keep != "" {
				name := filepath.Join(*keep, fmt.Sprintf("%s.%02d%s", strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)), i, filepath.Ext(f)))
				if err := os.WriteFile(name, v.data, 0o644); err != nil {
					return err
				}
			}
		}
	}
	fmt.Printf("%d damaged copies of %d files (seed %d): outcome per call\n\n", total, len(files), *seed)
	fmt.Printf("%-10s %8s %8s %8s %8s %8s %12s %16s\n", "reader", "values", "nothing", "error", "panic", "hang", ">64MB alloc", "max alloc/call")
	for _, r := range readers {
		tl := t[r.name]
		fmt.Printf("%-10s %8d %8d %8d %8d %8d %12d %16s\n", r.name, tl.n[outValues], tl.n[outEmpty], tl.n[outError], tl.n[outPanic], tl.n[outHang], len(tl.big), bytesText(tl.maxAlloc))
	}
	fmt.Println("(values: some core tag read; nothing: no error and no core tag, or no EXIF block found)")
	for _, r := range readers {
		tl := t[r.name]
		fmt.Printf("\n%s: largest allocation on %s\n", r.name, tl.maxWhat)
		for _, b := range tl.big {
			fmt.Printf("  allocated %s\n", b)
		}
		var msgs []string
		for m := range tl.panics {
			msgs = append(msgs, m)
		}
		sort.Strings(msgs)
		for _, m := range msgs {
			fmt.Printf("  panic: %s\n    first on %s\n", m, tl.panics[m])
		}
		for _, h := range tl.hangs {
			fmt.Printf("  hang: %s\n", h)
		}
	}
	return nil
}

// runOne calls one reader on one variant, with a recover and a deadline,
// and returns the outcome, the panic message and the bytes allocated
// (while the call ran; other goroutines' allocations count too, but no
// other goroutine works unless an earlier call hung).
func runOne(r reader, data []byte) (outcome, string, uint64) {
	type result struct {
		err   error
		empty bool
		panic string
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	done := make(chan result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- result{panic: oneLine(fmt.Sprint(v))}
			}
		}()
		c, err := r.bytes(data)
		done <- result{err: err, empty: len(c) == 0}
	}()
	timer := time.NewTimer(hangAfter)
	defer timer.Stop()
	select {
	case res := <-done:
		runtime.ReadMemStats(&m1)
		alloc := m1.TotalAlloc - m0.TotalAlloc
		switch {
		case res.panic != "":
			return outPanic, res.panic, alloc
		case errors.Is(res.err, errNoExif):
			return outEmpty, "", alloc
		case res.err != nil:
			return outError, "", alloc
		case res.empty:
			return outEmpty, "", alloc
		}
		return outValues, "", alloc
	case <-timer.C:
		return outHang, "", 0
	}
}

// bytesText writes a byte count in KB or MB.
func bytesText(n uint64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
