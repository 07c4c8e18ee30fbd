package image

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/assetcompute/assetcompute/pkg/api"
)

func TestFitInside(t *testing.T) {
	landscape := size{2725, 2225}
	tests := []struct {
		name string
		src  size
		r    api.Rendition
		want size
	}{
		{"no instructions: source size", landscape, api.Rendition{}, landscape},
		{"box: width binds", landscape, api.Rendition{Width: intp(319), Height: intp(319)}, size{319, 260}},
		{"box: height binds", size{1000, 2000}, api.Rendition{Width: intp(319), Height: intp(319)}, size{160, 319}},
		{"width only", landscape, api.Rendition{Width: intp(100)}, size{100, 82}},
		{"height only", landscape, api.Rendition{Height: intp(100)}, size{122, 100}},
		{"no upscale", size{10, 20}, api.Rendition{Width: intp(100)}, size{10, 20}},
		{"upscale", size{10, 20}, api.Rendition{Width: intp(100), Upscale: true}, size{100, 200}},
		{"upscale inside the box", size{10, 20}, api.Rendition{Width: intp(100), Height: intp(100), Upscale: true}, size{50, 100}},
		{"upscale with nothing to scale to", size{10, 20}, api.Rendition{Upscale: true}, size{10, 20}},
		{"maxWidth caps the source", landscape, api.Rendition{MaxWidth: intp(1000)}, size{1000, 817}},
		{"maxHeight caps the box", landscape, api.Rendition{Width: intp(2000), MaxHeight: intp(500)}, size{612, 500}},
		{"max larger than source does nothing", landscape, api.Rendition{MaxWidth: intp(9000), MaxHeight: intp(9000)}, landscape},
		{"max caps an upscale", size{10, 20}, api.Rendition{Width: intp(100), Upscale: true, MaxHeight: intp(50)}, size{25, 50}},
		{"extreme aspect keeps one pixel", size{10000, 1}, api.Rendition{Width: intp(100)}, size{100, 1}},
		{"exact binding side", size{3, 7}, api.Rendition{Height: intp(5)}, size{2, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, fitInside(tc.src, tc.r))
		})
	}
}

func TestUpright(t *testing.T) {
	for o, want := range map[int]size{0: {4, 3}, 1: {4, 3}, 2: {4, 3}, 3: {4, 3}, 4: {4, 3}, 5: {3, 4}, 6: {3, 4}, 7: {3, 4}, 8: {3, 4}} {
		assert.Equal(t, want, upright(size{4, 3}, o), "orientation %d", o)
	}
}

func TestParseColour(t *testing.T) {
	tests := []struct {
		in   string
		want [3]float64
		err  bool
	}{
		{"", [3]float64{255, 255, 255}, false},
		{"#000", [3]float64{0, 0, 0}, false},
		{"#f80", [3]float64{255, 136, 0}, false},
		{"#12ab9F", [3]float64{0x12, 0xab, 0x9f}, false},
		{"#12345", [3]float64{}, true},
		{"red", [3]float64{}, true},
	}
	for _, tc := range tests {
		got, err := parseColour(tc.in)
		if tc.err {
			assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err), tc.in)
			continue
		}
		assert.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestPlanLayout(t *testing.T) {
	src := size{400, 300}
	dpi72 := [2]float64{72, 72}
	rect := func(x, y, w, h int) *rect { return &rect{x, y, w, h} }
	tests := []struct {
		name   string
		src    size
		dpi    [2]float64
		vector bool
		r      api.Rendition
		want   layout
	}{
		{"whole source", src, dpi72, false, api.Rendition{Width: intp(200)}, layout{out: size{200, 150}, load: size{200, 150}}},
		{"crop at source scale", src, dpi72, false, api.Rendition{Crop: &api.Crop{X: 100, Y: 50, W: 200, H: 100}},
			layout{out: size{200, 100}, load: src, cut: rect(100, 50, 200, 100)}},
		{"crop scaled: the whole source is shrunk, then cut", src, dpi72, false, api.Rendition{Width: intp(100), Crop: &api.Crop{X: 100, Y: 50, W: 200, H: 100}},
			layout{out: size{100, 50}, load: size{200, 150}, cut: rect(50, 25, 100, 50)}},
		{"crop enlarged past the intermediate limit is cut first", src, dpi72, false, api.Rendition{Width: intp(10000), Upscale: true, Crop: &api.Crop{X: 0, Y: 0, W: 10, H: 10}},
			layout{out: size{10000, 10000}, load: src, cut: rect(0, 0, 10, 10), cropFirst: true}},
		{"smart: the box", src, dpi72, false, api.Rendition{Width: intp(100), Height: intp(100), Crop: &api.Crop{Smart: true}},
			layout{out: size{100, 100}, load: size{100, 100}, smart: true}},
		{"smart: the box shrinks to fit the source", src, dpi72, false, api.Rendition{Width: intp(600), Height: intp(600), Crop: &api.Crop{Smart: true}},
			layout{out: size{300, 300}, load: size{300, 300}, smart: true}},
		{"smart: capped", src, dpi72, false, api.Rendition{Width: intp(200), Height: intp(100), MaxWidth: intp(50), Crop: &api.Crop{Smart: true}},
			layout{out: size{50, 25}, load: size{50, 25}, smart: true}},
		{"convertToDpi from 72", src, dpi72, false, api.Rendition{ConvertToDPI: &api.DPI{X: 144, Y: 36}}, layout{out: size{800, 150}, load: size{800, 150}}},
		{"convertToDpi from the recorded 300", src, [2]float64{300, 300}, false, api.Rendition{ConvertToDPI: &api.DPI{X: 150, Y: 150}}, layout{out: size{200, 150}, load: size{200, 150}}},
		{"a drawing is enlarged without upscale", size{8, 8}, dpi72, true, api.Rendition{Width: intp(100)}, layout{out: size{100, 100}, load: size{100, 100}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := planLayout(tc.src, tc.dpi, tc.vector, tc.r)
			assert.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for _, c := range []api.Crop{{X: 1, Y: 0, W: 400, H: 1}, {X: 0, Y: 299, W: 1, H: 2}, {X: 400, Y: 0, W: 1, H: 1}} {
		_, err := planLayout(src, dpi72, false, api.Rendition{Crop: &c})
		assert.Equal(t, api.ReasonGeneric, api.ReasonOf(err))
		assert.Contains(t, api.MessageOf(err), "crop: the rectangle")
	}
}

func TestJPEGShrink(t *testing.T) {
	h := header{Width: 4000, Height: 3000, Orientation: 1}
	for _, tc := range []struct {
		w, h, want int
	}{{256, 192, 8}, {500, 375, 8}, {501, 376, 4}, {1000, 750, 4}, {2000, 1500, 2}, {2001, 1501, 1}, {4000, 3000, 1}} {
		assert.Equal(t, tc.want, jpegShrink(h, thumbnailOptions{Width: tc.w, Height: tc.h}), "%dx%d", tc.w, tc.h)
	}
	rotated := header{Width: 4000, Height: 3000, Orientation: 6}
	assert.Equal(t, 8, jpegShrink(rotated, thumbnailOptions{Width: 375, Height: 500}), "upright sizes")
}
