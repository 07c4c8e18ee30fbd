package media

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// grey is a video whose frame n is a flat grey of luma 10*n+15 (so each
// frame tells its time), 25 frames of 0.4 s each: 10 s.
func grey(t *testing.T) string {
	var parts []string
	for n := 0; n < 25; n++ {
		v := 10*n + 15
		parts = append(parts, fmt.Sprintf("color=c=0x%06x:s=64x48:r=10:d=0.4", v*0x10101))
	}
	var filter strings.Builder
	for i, p := range parts {
		filter.WriteString(p + "[c" + strconv.Itoa(i) + "];")
	}
	for i := range parts {
		filter.WriteString("[c" + strconv.Itoa(i) + "]")
	}
	filter.WriteString("concat=n=" + strconv.Itoa(len(parts)) + ":v=1,format=yuv444p")
	return ffmpeg(t, "-filter_complex", filter.String(), "-c:v", "libx264", "-qp", "0", "-g", "5", "steps.mkv")
}

func TestStoryboard(t *testing.T) {
	e := newEngine(t, Limits{})
	p := grey(t)
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.Storyboard(context.Background(), p, in, 4, 2, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != 4*64 || f.Height != 2*48 || f.Kind != KindStoryboard {
		t.Fatalf("storyboard %+v, want 256x96", f)
	}
	img := decodePNG(t, f.Path)
	// Tile i shows the frame at (i+0.5)*10/8 s, whose step is that / 0.4.
	for i := 0; i < 8; i++ {
		at := (float64(i) + 0.5) * 10 / 8
		// The first frame at or after that time (10 per second).
		want := 10*int(math.Ceil(at*10-1e-9)/4) + 15
		got := lumaAt(img, (i%4)*64+32, (i/4)*48+24)
		if d := got - float64(want); d < -6 || d > 6 {
			t.Errorf("tile %d: luma %.0f, want %d (the frame at or after %.2f s)", i, got, want, at)
		}
	}
	// Rotation is applied to each tile.
	sideways := ffmpeg(t, "-f", "lavfi", "-i", "color=black:s=90x160:d=2,drawbox=x=0:y=0:w=90:h=80:color=white:t=fill",
		"-vf", "transpose=1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "s.mp4")
	rotated := ffmpeg(t, "-i", sideways, "-c", "copy", "-metadata:s:v:0", "rotate=90", "r.mp4")
	in, err = e.Probe(context.Background(), rotated)
	if err != nil {
		t.Fatal(err)
	}
	f, err = e.Storyboard(context.Background(), rotated, in, 3, 1, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if f.Width != 270 || f.Height != 160 {
		t.Fatalf("storyboard of portrait frames %dx%d, want 270x160", f.Width, f.Height)
	}
	img = decodePNG(t, f.Path)
	for i := 0; i < 3; i++ {
		if top, bottom := lumaAt(img, i*90+45, 20), lumaAt(img, i*90+45, 140); top < 200 || bottom > 50 {
			t.Errorf("tile %d not upright: top %.0f, bottom %.0f", i, top, bottom)
		}
	}
	_, err = e.Storyboard(context.Background(), rotated, in, 20, 20, t.TempDir())
	reasonOf(t, err, api.ReasonGeneric)
}

func TestPreview(t *testing.T) {
	e := newEngine(t, Limits{})
	p := grey(t)
	in, err := e.Probe(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.Preview(context.Background(), p, in, PreviewOptions{Frames: 5, FPS: 4}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if f.Kind != KindPreview || f.Width != 64 || f.Height != 48 {
		t.Fatalf("preview %+v", f)
	}
	frames, durations := webpFrames(t, f.Path)
	if frames != 5 {
		t.Errorf("%d frames, want 5", frames)
	}
	for _, d := range durations {
		if d != 250 {
			t.Errorf("frame durations %v ms, want 250 each", durations)
			break
		}
	}

	// Audio only: no preview.
	tone := ffmpeg(t, "-f", "lavfi", "-i", "sine=duration=1", "tone.wav")
	in, err = e.Probe(context.Background(), tone)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Preview(context.Background(), tone, in, PreviewOptions{}, t.TempDir())
	reasonOf(t, err, api.ReasonSourceFormatUnsupported)
}

// webpFrames counts the ANMF chunks of an animated WebP and returns their
// durations in milliseconds.
func webpFrames(t *testing.T, path string) (int, []int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		t.Fatalf("%s is not a WebP file", path)
	}
	var durations []int
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:off+8]))
		data := b[off+8 : min(len(b), off+8+size)]
		if id == "ANMF" && len(data) >= 16 {
			durations = append(durations, int(data[12])|int(data[13])<<8|int(data[14])<<16)
		}
		off += 8 + size + size%2
	}
	return len(durations), durations
}
