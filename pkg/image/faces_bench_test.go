package image

import (
	"context"
	goimage "image"
	"path/filepath"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// BenchmarkBlurFaces compares a 1600 px JPEG rendition of a scene with a
// face with and without blurFaces, and a smart crop of it:
//
//	go test -run '^$' -bench BlurFaces -benchtime 10x ./pkg/image/
func BenchmarkBlurFaces(b *testing.B) {
	e := testEngine(b)
	src, _ := faceScene(b, 2400, 1600, goimage.Pt(900, 500), goimage.Pt(100, 100))
	out := filepath.Join(b.TempDir(), "out.jpg")
	for _, bc := range []struct {
		name string
		r    api.Rendition
	}{
		{"plain", api.Rendition{Fmt: "jpg", Width: intp(1600)}},
		{"blurFaces", api.Rendition{Fmt: "jpg", Width: intp(1600), BlurFaces: true}},
		{"smart-crop", api.Rendition{Fmt: "jpg", Width: intp(800), Height: intp(800), Crop: &api.Crop{Smart: true}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.Render(context.Background(), src, bc.r, out, RenderOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
