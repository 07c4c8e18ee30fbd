package h264

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// spsOf encodes a short clip with ffmpeg's x264 as an Annex B stream and
// returns its sequence parameter set NAL unit.
func spsOf(t *testing.T, args ...string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "v.h264")
	all := append([]string{"-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=100x60:rate=25:duration=0.2"}, args...)
	all = append(all, "-c:v", "libx264", "-preset", "ultrafast", "-f", "h264", out)
	b, err := exec.Command("ffmpeg", all...).CombinedOutput()
	require.NoError(t, err, string(b))
	s, err := os.ReadFile(out)
	require.NoError(t, err)
	i := bytes.Index(s, []byte{0, 0, 1, 0x67})
	require.GreaterOrEqual(t, i, 0, "no SPS in the stream")
	nal := s[i+3:]
	if j := bytes.Index(nal, []byte{0, 0, 1}); j > 0 {
		nal = nal[:j]
	}
	return nal
}

func TestParseSPS(t *testing.T) {
	testutil.NeedTool(t, "ffmpeg")
	t.Run("cropped, square pixels, 25 fps", func(t *testing.T) {
		s, ok := ParseSPS(spsOf(t))
		require.True(t, ok)
		assert.Equal(t, SPS{Width: 100, Height: 60, SARNum: 1, SARDen: 1, FrameRate: 25}, s)
	})
	t.Run("sample aspect ratio", func(t *testing.T) {
		s, ok := ParseSPS(spsOf(t, "-vf", "setsar=4/3"))
		require.True(t, ok)
		assert.Equal(t, [2]int{4, 3}, [2]int{s.SARNum, s.SARDen})
	})
	t.Run("4:4:4", func(t *testing.T) {
		s, ok := ParseSPS(spsOf(t, "-pix_fmt", "yuv444p"))
		require.True(t, ok)
		assert.Equal(t, [2]int{100, 60}, [2]int{s.Width, s.Height})
	})
	t.Run("interlaced", func(t *testing.T) {
		s, ok := ParseSPS(spsOf(t, "-flags", "+ildct", "-x264opts", "interlaced=1"))
		require.True(t, ok)
		assert.True(t, s.Interlaced)
		assert.Equal(t, [2]int{100, 60}, [2]int{s.Width, s.Height})
	})
	t.Run("cut short", func(t *testing.T) {
		nal := spsOf(t)
		for n := range len(nal) {
			s, ok := ParseSPS(nal[:n])
			if ok { // only the VUI may be missing
				assert.Equal(t, [2]int{100, 60}, [2]int{s.Width, s.Height}, n)
				assert.True(t, s.VUICut || s.FrameRate == 25, n)
			}
		}
	})
}

func TestParseSPSRefuses(t *testing.T) {
	for _, b := range [][]byte{nil, {0x67}, {0x68, 1, 2, 3, 4}, bytes.Repeat([]byte{0}, 64), bytes.Repeat([]byte{0xFF}, 64)} {
		_, ok := ParseSPS(append([]byte{}, b...))
		assert.False(t, ok, "%x", b)
	}
}

func TestUnescape(t *testing.T) {
	assert.Equal(t, []byte{0, 0, 1, 0, 0, 0, 0}, Unescape([]byte{0, 0, 3, 1, 0, 0, 3, 0, 0}))
}
