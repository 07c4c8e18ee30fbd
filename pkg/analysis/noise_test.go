package analysis

import (
	"image"
	"image/color"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// noisy adds Gaussian noise of standard deviation sigma to each channel
// of img (the same seed, the same noise).
func noisy(img *image.NRGBA, sigma float64, seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 11))
	out := image.NewNRGBA(img.Bounds())
	copy(out.Pix, img.Pix)
	for i := range out.Pix {
		if i%4 == 3 {
			continue
		}
		v := float64(out.Pix[i]) + rng.NormFloat64()*sigma
		out.Pix[i] = uint8(min(255, max(0, v+0.5)))
	}
	return out
}

// A noisy copy scores worse (higher) than the clean picture, more noise
// higher still, and the estimate is near the noise added.
func TestNoiseOrdersKnownImages(t *testing.T) {
	orig := scene(3, 384, 288)
	clean := analyze(t, orig, FeatureQuality).Quality.Noise
	grain := analyze(t, noisy(orig, 3, 1), FeatureQuality).Quality.Noise
	heavy := analyze(t, noisy(orig, 12, 2), FeatureQuality).Quality.Noise
	t.Logf("noise: clean %v, sigma 3 %v, sigma 12 %v", clean, grain, heavy)
	assert.Less(t, clean, 0.05, "a smooth synthetic picture is clean")
	assert.Greater(t, grain, clean)
	assert.Greater(t, heavy, grain)
	// The luma of independent channel noise of sigma s has sigma
	// s*sqrt(0.299²+0.587²+0.114²) = 0.67 s.
	assert.InDelta(t, 0.67*12/NoiseScale, heavy, 0.1, "sigma 12 read back")
	assert.InDelta(t, 0.67*3/NoiseScale, grain, 0.05, "sigma 3 read back")

	// A blurred copy does not score noisier; a recompressed one stays
	// clean.
	assert.LessOrEqual(t, analyze(t, blurred(orig, 1), FeatureQuality).Quality.Noise, clean+0.01)
	assert.Less(t, analyze(t, recompressed(t, orig, 90), FeatureQuality).Quality.Noise, 0.05)

	// Noise in the transparent part does not count.
	half := noisy(orig, 12, 3)
	for y := 0; y < 288; y++ {
		for x := 0; x < 384; x++ {
			if x < 192 {
				half.SetNRGBA(x, y, orig.NRGBAAt(x, y))
			} else {
				half.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 0})
			}
		}
	}
	assert.Less(t, analyze(t, half, FeatureQuality).Quality.Noise, 0.05)
}

// A flat picture, and one too small for the kernel, have no noise.
func TestNoiseOfTinyAndFlatPictures(t *testing.T) {
	flat := image.NewNRGBA(image.Rect(0, 0, 50, 50))
	fill(flat, flat.Bounds(), color.NRGBA{90, 90, 200, 255})
	assert.Equal(t, 0.0, analyze(t, flat, FeatureQuality).Quality.Noise)
	tiny := noisy(flat, 30, 4).SubImage(image.Rect(0, 0, 2, 2)).(*image.NRGBA)
	assert.Equal(t, 0.0, analyze(t, tiny, FeatureQuality).Quality.Noise)
	m := analyze(t, noisy(flat, 30, 5), FeatureQuality).Map()
	assert.Greater(t, m["acs-ai:noise"], 0.5)
}

// The median by counting and selection is the median of the sorted
// values, for odd and even counts, ties, values in any order, values
// sharing a bin and values past the last bin.
func TestMedianMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for n := 1; n <= 300; n++ {
		for _, levels := range []int{2, 5, 7, 1000, 100000} {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(rng.IntN(levels)) * 0.37
				if levels == 5 {
					v[i] *= 3000 // values past the last bin, in one bin
				}
			}
			want := slices.Clone(v)
			slices.Sort(want)
			exp := want[n/2]
			if n%2 == 0 {
				exp = (want[n/2-1] + want[n/2]) / 2
			}
			assert.Equal(t, exp, median(v), "n %d, %d levels", n, levels)
		}
	}
	sorted := []float64{1, 2, 3, 4, 5, 6}
	assert.Equal(t, 3.5, median(sorted))
	assert.Equal(t, 3.5, median([]float64{6, 5, 4, 3, 2, 1}))
}
