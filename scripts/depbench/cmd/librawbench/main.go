// Command librawbench compares the two ways of developing camera raw data
// with LibRaw 0.20 (Debian libraw-dev): in process through cgo
// (libraw_open_file, unpack, dcraw_process, dcraw_make_mem_image), and
// package raw's way, dcraw_emu in a caged child process writing a TIFF on
// its standard output. Both develop at half size with camera white balance
// to sRGB, N times each, alternating; it prints the median wall and CPU
// milliseconds of each and their ratio. docs/dependencies.md records the
// figures.
//
//	go run ./cmd/librawbench -n 7 FILE.dng
package main

/*
#cgo pkg-config: libraw_r
#include <stdlib.h>
#include <libraw/libraw.h>

// develop runs LibRaw on path at half size; it returns 0 and the picture's
// size, or a LibRaw error code.
static int develop(const char *path, int *w, int *h) {
	libraw_data_t *lr = libraw_init(0);
	if (!lr) return -1;
	lr->params.half_size = 1;
	lr->params.use_camera_wb = 1;
	lr->params.output_color = 1;
	int rc = libraw_open_file(lr, path);
	if (rc == 0) rc = libraw_unpack(lr);
	if (rc == 0) rc = libraw_dcraw_process(lr);
	if (rc == 0) {
		libraw_processed_image_t *img = libraw_dcraw_make_mem_image(lr, &rc);
		if (img) {
			*w = img->width; *h = img->height;
			libraw_dcraw_clear_mem(img);
		}
	}
	libraw_close(lr);
	return rc;
}
*/
import "C"

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"syscall"
	"time"
	"unsafe"

	"github.com/assetcompute/assetcompute/pkg/raw"
)

func main() {
	n := flag.Int("n", 7, "runs of each")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: librawbench [-n N] FILE")
		os.Exit(2)
	}
	path := flag.Arg(0)
	eng, err := raw.New(raw.Options{})
	if err != nil || !eng.CanDevelop() {
		fmt.Fprintln(os.Stderr, "librawbench: dcraw_emu and prlimit are needed", err)
		os.Exit(1)
	}
	st, err := os.Stat(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "librawbench:", err)
		os.Exit(1)
	}
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "librawbench:", err)
		os.Exit(1)
	}
	defer f.Close()
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var cgoWall, cgoCPU, cageWall, cageCPU []float64
	var size string
	for i := 0; i < *n; i++ {
		w0, c0 := time.Now(), cpu(syscall.RUSAGE_SELF)
		var w, h C.int
		if rc := C.develop(cpath, &w, &h); rc != 0 {
			fmt.Fprintln(os.Stderr, "librawbench: LibRaw error", rc)
			os.Exit(1)
		}
		cgoWall = append(cgoWall, ms(time.Since(w0)))
		cgoCPU = append(cgoCPU, ms(cpu(syscall.RUSAGE_SELF)-c0))
		size = fmt.Sprintf("%dx%d", w, h)

		dir, err := os.MkdirTemp("", "librawbench-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "librawbench:", err)
			os.Exit(1)
		}
		w0, c0 = time.Now(), cpu(syscall.RUSAGE_SELF)+cpu(syscall.RUSAGE_CHILDREN)
		// 319 px asks for half size, as the C side does.
		_, err = eng.Picture(context.Background(), raw.Source{Reader: f, Size: st.Size(), Path: path},
			raw.Request{Width: 319, Height: 319, Mode: raw.ModeDevelop}, dir)
		cageWall = append(cageWall, ms(time.Since(w0)))
		cageCPU = append(cageCPU, ms(cpu(syscall.RUSAGE_SELF)+cpu(syscall.RUSAGE_CHILDREN)-c0))
		os.RemoveAll(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "librawbench:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("file %s (%d bytes), half size %s, %d runs each, medians:\n", path, st.Size(), size, *n)
	fmt.Printf("%-22s %8s %8s\n", "", "wall ms", "cpu ms")
	fmt.Printf("%-22s %8.0f %8.0f\n", "cgo (in process)", median(cgoWall), median(cgoCPU))
	fmt.Printf("%-22s %8.0f %8.0f\n", "dcraw_emu in the cage", median(cageWall), median(cageCPU))
	fmt.Printf("%-22s %8.2f %8.2f\n", "cage / cgo", median(cageWall)/median(cgoWall), median(cageCPU)/median(cgoCPU))
}

func cpu(who int) time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(who, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
