package analysis

import (
	"math"
	"slices"
)

// NoiseScale is the noise standard deviation, in 0-255 luma at the
// analysis size (MaxSide), that scores 1: noise is sigma / NoiseScale, at
// most 1. 0 is a clean picture (a render, a screenshot, a clean photo
// shrunk to the analysis size), about 0.1 visible grain (sigma 2), 0.25
// a noisy picture (sigma 5: high ISO, a poor scan), 0.5 and more heavy
// noise. The noise is that of the analysed picture: a large photo's fine
// grain is mostly averaged away by the shrink to MaxSide, as it is on a
// screen.
const NoiseScale = 20

// noiseSigma estimates the standard deviation of the noise of the luma y
// (w x h, opaque marking the pixels that count), robustly: the median
// absolute response of Immerkær's 3x3 kernel (1 -2 1 / -2 4 -2 / 1 -2 1,
// which cancels linear and quadratic shading, so smooth areas answer
// only with their noise), divided by the response's standard deviation
// for unit Gaussian noise (6, the kernel's norm) and by 0.6745 (the
// median of |x| for a unit Gaussian). The median ignores edges and
// texture, which answer strongly but on a minority of pixels; a picture
// made mostly of fine texture scores some noise. It is 0 for a picture
// smaller than 3x3 or without three opaque rows and columns.
func noiseSigma(y []float64, opaque []bool, w, h int) float64 {
	resp := make([]float64, 0, max(0, (w-2)*(h-2)))
	// Most pictures are opaque throughout: then no pixel needs its
	// neighbours checked.
	all := !slices.Contains(opaque, false)
	for j := 1; j < h-1; j++ {
		for i := 1; i < w-1; i++ {
			k := j*w + i
			if !all {
				ok := true
				for _, d := range [...]int{-w - 1, -w, -w + 1, -1, 0, 1, w - 1, w, w + 1} {
					ok = ok && opaque[k+d]
				}
				if !ok {
					continue
				}
			}
			v := y[k-w-1] - 2*y[k-w] + y[k-w+1] -
				2*y[k-1] + 4*y[k] - 2*y[k+1] +
				y[k+w-1] - 2*y[k+w] + y[k+w+1]
			resp = append(resp, math.Abs(v))
		}
	}
	if len(resp) == 0 {
		return 0
	}
	return median(resp) / (6 * 0.6745)
}

// median returns the median of v (the mean of the two middle values when
// len(v) is even), reordering v; v must not be empty and its values must
// not be negative. It selects rather than sorts: linear time, the same
// value as sorting. A count of the values in bins of a quarter (bin order
// is value order) tells the bins the middle ranks fall in; only the
// values of those bins are then selected among.
func median(v []float64) float64 {
	n := len(v)
	hi, lo := n/2, n/2
	if n%2 == 0 {
		lo = hi - 1
	}
	var counts [medianBins]int32
	for _, x := range v {
		counts[medianBin(x)]++
	}
	bLo, bHi, before, cum := -1, -1, 0, 0
	for b, c := range counts {
		if bLo < 0 && cum+int(c) > lo {
			bLo, before = b, cum
		}
		if cum+int(c) > hi {
			bHi = b
			break
		}
		cum += int(c)
	}
	// Move the values of bins bLo to bHi, of ranks before onwards, to
	// the front.
	m := 0
	for i, x := range v {
		if b := medianBin(x); b >= bLo && b <= bHi {
			v[m], v[i] = v[i], v[m]
			m++
		}
	}
	w := v[:m]
	k := hi - before
	selectKth(w, k)
	med := w[k]
	if lo != hi {
		// w[:k] holds the k smallest values: the largest of them is
		// the other middle one.
		l := w[0]
		for _, x := range w[1:k] {
			l = max(l, x)
		}
		med = (l + med) / 2
	}
	return med
}

// medianBins is the number of bins of median's count: quarters up to
// 16 * 255 (the largest response of the noise kernel); a larger value
// counts in the last bin.
const medianBins = 16*255*4 + 1

// medianBin is the bin of x (0 or more); bins are in value order.
func medianBin(x float64) int { return min(medianBins-1, int(x*4)) }

// selectKth reorders v so that v[k] is the value a sort would put there,
// with no larger value before it and no smaller one after it (Hoare's
// quickselect with a median-of-three pivot).
func selectKth(v []float64, k int) {
	lo, hi := 0, len(v)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		// v[lo..j] <= pivot <= v[i..hi], and v[j+1..i-1] == pivot.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}

// noiseScore is the noise score of the luma: see NoiseScale.
func noiseScore(y []float64, opaque []bool, w, h int) float64 {
	return round(math.Min(1, noiseSigma(y, opaque, w, h)/NoiseScale), 4)
}
