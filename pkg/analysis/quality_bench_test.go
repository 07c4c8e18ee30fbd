package analysis

import "testing"

// BenchmarkQuality scores a noisy 384x288 scene, the analysis size.
func BenchmarkQuality(b *testing.B) {
	img := noisy(scene(3, 384, 288), 3, 1)
	y, _, _ := luma(img)
	for b.Loop() {
		quality(img, y)
	}
}
