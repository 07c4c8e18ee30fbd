// Command benchfaces measures the face detector of pkg/analysis/faces on a
// labelled set: every image of the label file is decoded as the analysis
// rendition decodes it (image.Engine.SourcePixels at analysis.MaxSide
// pixels), the faces are detected and scaled to source pixels, and each
// detection is matched to a labelled face (intersection over union at
// least -iou, each label matched once). It prints, per image, the labels,
// the detections, the matches and the time of the decode and of the
// detection (median of -runs runs), then the precision and recall over the
// set. scripts/bench-faces.sh finds the images and runs it.
//
//	benchfaces -labels FILE -dir NAME=DIR [-dir NAME=DIR ...] [-runs 5] [-iou 0.3] [-show]
//	           [-side 384 -minsize F -shift F -scale F -cluster-iou F -minscore F]
//
// The last flags override faces.DefaultParams and faces.DetectSide, to
// tune them.
//
// A line of the label file is "NAME/PATH x,y,w,h x,y,w,h ..." (no box: an
// image without faces); NAME is one of the -dir names; # starts a comment.
// A line whose directory was not given, or whose file is missing, is
// skipped and counted.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/assetcompute/assetcompute/pkg/analysis"
	"github.com/assetcompute/assetcompute/pkg/analysis/faces"
	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
)

type dirs map[string]string

func (d dirs) String() string { return fmt.Sprint(map[string]string(d)) }
func (d dirs) Set(v string) error {
	name, dir, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want NAME=DIR, got %q", v)
	}
	d[name] = dir
	return nil
}

type box struct{ X, Y, W, H int }

type entry struct {
	name  string
	path  string
	boxes []box
}

func main() {
	d := dirs{}
	labels := flag.String("labels", "", "label file")
	flag.Var(d, "dir", "NAME=DIR, where the images of set NAME are (repeatable)")
	runs := flag.Int("runs", 5, "timed runs per image")
	iou := flag.Float64("iou", 0.3, "least intersection over union of a match")
	show := flag.Bool("show", false, "print the boxes of every detection")
	p := faces.DefaultParams()
	side := flag.Int("side", faces.DetectSide, "long side of the detection picture")
	flag.Float64Var(&p.MinSize, "minsize", p.MinSize, "smallest face, share of the long side")
	flag.Float64Var(&p.Shift, "shift", p.Shift, "window step, share of its size")
	flag.Float64Var(&p.Scale, "scale", p.Scale, "factor between window sizes")
	flag.Float64Var(&p.IoU, "cluster-iou", p.IoU, "overlap above which detections merge")
	flag.Float64Var(&p.MinScore, "minscore", p.MinScore, "least cluster score")
	flag.Parse()
	if err := run(*labels, d, *runs, *iou, *show, p, *side); err != nil {
		fmt.Fprintln(os.Stderr, "benchfaces:", err)
		os.Exit(1)
	}
}

func readLabels(path string, d dirs) (list []entry, skipped int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		set, rel, ok := strings.Cut(fields[0], "/")
		if !ok {
			return nil, 0, fmt.Errorf("%s:%d: %q is not NAME/PATH", path, n, fields[0])
		}
		e := entry{name: fields[0]}
		for _, b := range fields[1:] {
			var v [4]int
			parts := strings.Split(b, ",")
			if len(parts) != 4 {
				return nil, 0, fmt.Errorf("%s:%d: %q is not x,y,w,h", path, n, b)
			}
			for i, p := range parts {
				if v[i], err = strconv.Atoi(p); err != nil {
					return nil, 0, fmt.Errorf("%s:%d: %q is not x,y,w,h", path, n, b)
				}
			}
			e.boxes = append(e.boxes, box{v[0], v[1], v[2], v[3]})
		}
		dir, ok := d[set]
		if !ok {
			skipped++
			continue
		}
		e.path = filepath.Join(dir, rel)
		if _, err := os.Stat(e.path); err != nil {
			skipped++
			continue
		}
		list = append(list, e)
	}
	return list, skipped, sc.Err()
}

func iouOf(a, b box) float64 {
	w := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	h := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	in := float64(w * h)
	return in / (float64(a.W*a.H+b.W*b.H) - in)
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func run(labelPath string, d dirs, runs int, minIoU float64, show bool, p faces.Params, side int) error {
	list, skipped, err := readLabels(labelPath, d)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return fmt.Errorf("no labelled image found (%d skipped)", skipped)
	}
	engine, err := image.New(image.Options{})
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "benchfaces")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ctx := context.Background()
	var tp, fp, fn, labelled int
	var decodeAll, detectAll []time.Duration
	fmt.Printf("%-54s %6s %6s %4s %4s %4s %10s %10s\n", "image", "labels", "found", "tp", "fp", "fn", "decode", "detect")
	for _, e := range list {
		var dec, det []time.Duration
		var found []faces.Face
		for i := 0; i < max(1, runs); i++ {
			t0 := time.Now()
			px, src, err := engine.SourcePixels(ctx, e.path, api.Rendition{}, analysis.MaxSide, tmp)
			if err != nil {
				return fmt.Errorf("%s: %w", e.name, err)
			}
			t1 := time.Now()
			l := faces.LumaOf(px, side)
			fs, err := faces.DetectLuma(l, p)
			if err != nil {
				return err
			}
			t2 := time.Now()
			dec, det = append(dec, t1.Sub(t0)), append(det, t2.Sub(t1))
			found = faces.Scale(fs, l.W, l.H, src.X, src.Y)
		}
		used := make([]bool, len(e.boxes))
		var t, f int
		for _, g := range found {
			b := box{g.X, g.Y, g.W, g.H}
			best, bi := 0.0, -1
			for i, l := range e.boxes {
				if v := iouOf(b, l); !used[i] && v > best {
					best, bi = v, i
				}
			}
			if bi >= 0 && best >= minIoU {
				used[bi] = true
				t++
			} else {
				f++
			}
			if show {
				fmt.Printf("    found %d,%d,%d,%d score %.1f confidence %.2f best IoU %.2f\n", g.X, g.Y, g.W, g.H, g.Score, g.Confidence, best)
			}
		}
		miss := len(e.boxes) - t
		tp, fp, fn, labelled = tp+t, fp+f, fn+miss, labelled+len(e.boxes)
		md, mt := median(dec), median(det)
		decodeAll, detectAll = append(decodeAll, md), append(detectAll, mt)
		fmt.Printf("%-54s %6d %6d %4d %4d %4d %10s %10s\n", e.name, len(e.boxes), len(found), t, f, miss,
			md.Round(10*time.Microsecond), mt.Round(10*time.Microsecond))
	}
	precision, recall := 1.0, 1.0
	if tp+fp > 0 {
		precision = float64(tp) / float64(tp+fp)
	}
	if labelled > 0 {
		recall = float64(tp) / float64(labelled)
	}
	fmt.Printf("\nimages %d (skipped %d), labelled faces %d, detections %d\n", len(list), skipped, labelled, tp+fp)
	fmt.Printf("precision %.3f (%d/%d)  recall %.3f (%d/%d)  at IoU >= %.2f\n", precision, tp, tp+fp, recall, tp, labelled, minIoU)
	fmt.Printf("median per image: decode %s, detect %s\n", median(decodeAll).Round(10*time.Microsecond), median(detectAll).Round(10*time.Microsecond))
	return nil
}
