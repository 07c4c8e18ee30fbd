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
