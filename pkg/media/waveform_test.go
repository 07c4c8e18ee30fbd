package media

import (
	"context"
	"image/color"
	"testing"
)

// The waveform is drawn in the colour asked for, #RRGGBB or #RGB, on a
// transparent background.
func TestWaveformColor(t *testing.T) {
	e := newEngine(t, Limits{})
	p := ffmpeg(t, "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "tone.wav")
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		color string
		want  color.NRGBA
	}{
		{"", color.NRGBA{0x1f, 0x6f, 0xeb, 0xff}},
		{"#22AA44", color.NRGBA{0x22, 0xaa, 0x44, 0xff}},
		{"#f80", color.NRGBA{0xff, 0x88, 0x00, 0xff}},
	} {
		f, err := e.Frame(context.Background(), p, in, FrameOptions{WaveformWidth: 400, WaveformHeight: 100, WaveformColor: c.color}, t.TempDir())
		if err != nil {
			t.Fatalf("%q: %v", c.color, err)
		}
		img := decodePNG(t, f.Path)
		if got := color.NRGBAModel.Convert(img.At(200, 50)).(color.NRGBA); got != c.want {
			t.Errorf("%q: the wave at the middle is %v, want %v", c.color, got, c.want)
		}
		if _, _, _, a := img.At(2, 2).RGBA(); a != 0 {
			t.Errorf("%q: the background at the corner has alpha %d, want transparent", c.color, a)
		}
	}
	if _, err := e.Frame(context.Background(), p, in, FrameOptions{WaveformColor: "#12"}, t.TempDir()); err == nil {
		t.Error("a colour #12 was accepted")
	}
}
