package analysis

import (
	"image"
	"math"
)

// Quality scale constants.
const (
	// SharpnessScale is the variance of the Laplacian (of the 0-255 luma,
	// at the analysis size) that scores 1: sharpness is
	// log10(1+v) / log10(1+SharpnessScale), at most 1; 0 for a flat
	// picture, about 0.25 for v = 10 (a soft picture), 0.5 for v = 100
	// and 0.75 for v = 1000 (fine detail).
	SharpnessScale = 10000
	// ColourfulnessScale is the Hasler-Süsstrunk colourfulness M that
	// scores 1 (colourfulness is M / ColourfulnessScale, at most 1); on
	// their scale 15 is slightly, 33 moderately, 59 quite, 82 highly and
	// 109 extremely colourful.
	ColourfulnessScale = 150
	// A pixel is a clipped highlight when one of its channels is at
	// least clipHigh and its luma at least brightLuma: a bright pixel
	// that lost detail; a clipped shadow when one channel is at most
	// clipLow and its luma at most darkLuma (0-255 values).
	clipHigh   = 250
	clipLow    = 5
	brightLuma = 192
	darkLuma   = 64
	// ClippedWarning is the share of clipped pixels from which an
	// exposure warning is given.
	ClippedWarning = 0.05
)

// Quality holds the quality scores of a picture, each 0-1.
type Quality struct {
	// Sharpness: see SharpnessScale.
	Sharpness float64
	// Brightness is the mean luma.
	Brightness float64
	// ClippedHighlights and ClippedShadows are the shares of the opaque
	// pixels that are clipped highlights (a channel at 250 or more, luma
	// at least 192 of 255) or clipped shadows (a channel at 5 or less,
	// luma at most 64).
	ClippedHighlights, ClippedShadows float64
	// ExposureWarnings holds "highlights" and "shadows" when their share
	// of clipped pixels is at least ClippedWarning.
	ExposureWarnings []string
	// Contrast is the RMS contrast: the standard deviation of the luma
	// over its largest possible value (half the range), at most 1.
	Contrast float64
	// Colourfulness: see ColourfulnessScale.
	Colourfulness float64
	// Noise: see NoiseScale.
	Noise float64
}

// quality scores the opaque pixels of img, whose luma composited over
// white (luma) is y: at an opaque pixel, the one quality reads, that is
// the plain luma. A picture without opaque pixels scores 0 throughout.
func quality(img *image.NRGBA, y []float64) Quality {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	opaque := make([]bool, w*h)
	var n, sumY, sumY2, high, low float64
	var sumRG, sumRG2, sumYB, sumYB2 float64
	for j := 0; j < h; j++ {
		row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+j):]
		for i := 0; i < w; i++ {
			p := row[4*i : 4*i+4]
			if p[3] < 128 {
				continue
			}
			R, G, B := float64(p[0]), float64(p[1]), float64(p[2])
			v := y[j*w+i]
			opaque[j*w+i] = true
			n++
			sumY += v
			sumY2 += v * v
			if max(p[0], p[1], p[2]) >= clipHigh && v >= brightLuma {
				high++
			}
			if min(p[0], p[1], p[2]) <= clipLow && v <= darkLuma {
				low++
			}
			rg, yb := R-G, 0.5*(R+G)-B
			sumRG += rg
			sumRG2 += rg * rg
			sumYB += yb
			sumYB2 += yb * yb
		}
	}
	q := Quality{ExposureWarnings: []string{}}
	if n == 0 {
		return q
	}
	mean := sumY / n
	q.Brightness = round(mean/255, 4)
	q.Contrast = round(math.Min(1, stddev(sumY, sumY2, n)/127.5), 4)
	q.ClippedHighlights = round(high/n, 4)
	q.ClippedShadows = round(low/n, 4)
	if high/n >= ClippedWarning {
		q.ExposureWarnings = append(q.ExposureWarnings, "highlights")
	}
	if low/n >= ClippedWarning {
		q.ExposureWarnings = append(q.ExposureWarnings, "shadows")
	}
	sRG, sYB := stddev(sumRG, sumRG2, n), stddev(sumYB, sumYB2, n)
	mRG, mYB := sumRG/n, sumYB/n
	m := math.Sqrt(sRG*sRG+sYB*sYB) + 0.3*math.Sqrt(mRG*mRG+mYB*mYB)
	q.Colourfulness = round(math.Min(1, m/ColourfulnessScale), 4)

	// Variance of the 4-neighbour Laplacian over the pixels whose
	// neighbours are opaque too.
	var ln, ls, ls2 float64
	for j := 1; j < h-1; j++ {
		for i := 1; i < w-1; i++ {
			k := j*w + i
			if !opaque[k] || !opaque[k-1] || !opaque[k+1] || !opaque[k-w] || !opaque[k+w] {
				continue
			}
			v := y[k-1] + y[k+1] + y[k-w] + y[k+w] - 4*y[k]
			ln++
			ls += v
			ls2 += v * v
		}
	}
	if ln > 0 {
		s := stddev(ls, ls2, ln)
		q.Sharpness = round(math.Min(1, math.Log10(1+s*s)/math.Log10(1+SharpnessScale)), 4)
	}
	q.Noise = noiseScore(y, opaque, w, h)
	return q
}

// stddev is the population standard deviation from the sum, the sum of
// squares and the count.
func stddev(sum, sum2, n float64) float64 {
	m := sum / n
	return math.Sqrt(math.Max(0, sum2/n-m*m))
}

// round rounds v to d decimals, so reports are stable and short.
func round(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}
