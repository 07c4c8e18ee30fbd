package builtin

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/assetcompute/assetcompute/pkg/api"
	"github.com/assetcompute/assetcompute/pkg/image"
	"github.com/assetcompute/assetcompute/pkg/transfer"
	"github.com/assetcompute/assetcompute/pkg/worker"
)

// BenchmarkAnalysisOf12MPJPEG compares the analysis of a 12-megapixel
// JPEG (every feature) with one 256 px thumbnail of it, both through the
// thumbnail action's handler:
//
//	go test -run '^$' -bench AnalysisOf12MP -benchtime 20x ./pkg/builtin/
func BenchmarkAnalysisOf12MPJPEG(b *testing.B) {
	dir := b.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tc, err := transfer.New(transfer.Options{AllowLocal: true, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	handlers, err := Handlers(worker.Options{Transfer: tc, Logger: logger, TempDir: dir}, image.Options{})
	if err != nil {
		b.Fatal(err)
	}
	t := &testing.T{}
	src := writeImage(t, dir, "12mp.jpg", waves(4000, 3000, 1), 90)
	for _, bc := range []struct {
		name      string
		rendition map[string]any
	}{
		{"thumbnail-256", map[string]any{"fmt": "png", "width": 256, "height": 256}},
		{"analysis", map[string]any{"fmt": "analysis"}},
		{"analysis-without-faces", map[string]any{"fmt": "analysis", "features": []string{"colours", "hashes", "quality"}}},
		{"analysis-faces-only", map[string]any{"fmt": "analysis", "features": []string{"faces"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := bc.rendition
			r["target"] = filepath.Join(dir, "out-"+bc.name)
			raw, err := json.Marshal(map[string]any{"requestId": "r", "source": src, "renditions": []any{r}})
			if err != nil {
				b.Fatal(err)
			}
			cpu0 := cpuTime(b)
			for b.Loop() {
				res, err := handlers[ThumbnailAction](context.Background(), raw)
				if err != nil {
					b.Fatal(err)
				}
				if rr := res.(*api.WorkerResult).Renditions[0]; rr.Status != api.StatusCreated {
					b.Fatal(rr.Message)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time (user and system) the process has used so far,
// in every thread, libvips' included: on a loaded machine it moves less
// than the wall time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
