package image

import (
	"bytes"
	"context"
	goimage "image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
)

var (
	benchPhotoOnce sync.Once
	benchPhotoPath string
)

// benchPhoto returns a photo-like 4000x3000 JPEG at quality 90: smooth
// colour fields with fine texture and sensor noise, from a fixed seed. It
// is made once per test binary.
func benchPhoto(b *testing.B) string {
	b.Helper()
	benchPhotoOnce.Do(func() {
		const w, h = 4000, 3000
		rng := rand.New(rand.NewSource(1))
		img := goimage.NewRGBA(goimage.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				fx, fy := float64(x), float64(y)
				r := 128 + 90*math.Sin(fx/700+fy/900) + 20*math.Sin(fx/23)*math.Cos(fy/31)
				g := 128 + 90*math.Sin(fx/500-fy/650+1) + 20*math.Sin(fy/17)
				bl := 128 + 90*math.Cos(fx/800+fy/400) + 20*math.Cos((fx+fy)/29)
				n := rng.NormFloat64() * 4
				img.SetRGBA(x, y, color.RGBA{clamp8(r + n), clamp8(g + n), clamp8(bl + n), 255})
			}
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			panic(err)
		}
		benchPhotoPath = filepath.Join(os.TempDir(), "acs-bench-photo-4000x3000.jpg")
		if err := os.WriteFile(benchPhotoPath, buf.Bytes(), 0o600); err != nil {
			panic(err)
		}
	})
	return benchPhotoPath
}

func clamp8(v float64) uint8 { return uint8(max(0, min(255, math.Round(v)))) }

// BenchmarkRenderThumbnail makes a 256x256 thumbnail of a 4000x3000 photo
// in each common format, one render at a time.
func BenchmarkRenderThumbnail(b *testing.B) {
	e := testEngine(b)
	src := benchPhoto(b)
	for _, f := range []string{"jpg", "webp", "png", "avif"} {
		b.Run(f, func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "thumb."+f)
			r := api.Rendition{Fmt: f, Width: intp(256), Height: intp(256)}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.Render(context.Background(), src, r, out, RenderOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderThumbnailParallel makes jpg thumbnails on every core.
func BenchmarkRenderThumbnailParallel(b *testing.B) {
	e := testEngine(b)
	src := benchPhoto(b)
	dir := b.TempDir()
	var n sync.Mutex
	k := 0
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		n.Lock()
		out := filepath.Join(dir, "thumb"+string(rune('a'+k))+".jpg")
		k++
		n.Unlock()
		r := api.Rendition{Fmt: "jpg", Width: intp(256), Height: intp(256)}
		for pb.Next() {
			if _, err := e.Render(context.Background(), src, r, out, RenderOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
