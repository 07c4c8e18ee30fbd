package format_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/assetcompute/assetcompute/internal/testutil"
	"github.com/assetcompute/assetcompute/pkg/format"
)

// TestSniffMediaMadeByFFmpeg makes a short file of every video and audio
// container the service reads with ffmpeg and checks that Sniff tells it
// from its bytes alone (and, for WMA, its name), with the family, the
// media engine and metadata extraction.
func TestSniffMediaMadeByFFmpeg(t *testing.T) {
	testutil.NeedTool(t, "ffmpeg")
	video := []string{"-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25:duration=0.4", "-f", "lavfi", "-i", "sine=duration=0.4"}
	audio := []string{"-f", "lavfi", "-i", "sine=duration=0.4"}
	dir := t.TempDir()
	for _, c := range []struct {
		file   string
		input  []string
		args   []string
		want   string
		family format.Family
		byName bool // told with the file's name, not its bytes alone
	}{
		{"a.mp4", video, nil, "mp4", format.FamilyVideo, false},
		{"a.m4v", video, nil, "mp4", format.FamilyVideo, false},
		{"a.mov", video, nil, "mov", format.FamilyVideo, false},
		{"a.3gp", video, []string{"-c:v", "mpeg4", "-c:a", "aac", "-ar", "8000", "-ac", "1"}, "isobmff", format.FamilyVideo, false},
		{"a.mkv", video, nil, "matroska", format.FamilyVideo, false},
		{"a.webm", video, []string{"-c:v", "libvpx", "-c:a", "libvorbis"}, "matroska", format.FamilyVideo, false},
		{"a.avi", video, nil, "avi", format.FamilyVideo, false},
		{"a.ts", video, nil, "mpegts", format.FamilyVideo, false},
		{"a.m2ts", video, []string{"-mpegts_m2ts_mode", "1"}, "mpegts", format.FamilyVideo, false},
		{"a.mpg", video, []string{"-c:v", "mpeg2video", "-c:a", "mp2"}, "mpegps", format.FamilyVideo, false},
		{"a.wmv", video, []string{"-c:v", "wmv2", "-c:a", "wmav2"}, "asf", format.FamilyVideo, false},
		{"a.flv", video, []string{"-c:v", "flv1", "-c:a", "mp3", "-ar", "44100"}, "flv", format.FamilyVideo, false},
		{"a.mxf", video, []string{"-c:v", "mpeg2video", "-c:a", "pcm_s16le", "-ar", "48000"}, "mxf", format.FamilyVideo, false},
		{"a.dv", []string{"-f", "lavfi", "-i", "testsrc2=size=720x576:rate=25:duration=0.2"}, []string{"-c:v", "dvvideo", "-pix_fmt", "yuv420p"}, "dv", format.FamilyVideo, false},
		{"a.mp3", audio, []string{"-id3v2_version", "0"}, "mp3", format.FamilyAudio, false},
		{"tagged.mp3", audio, nil, "mp3", format.FamilyAudio, false},
		{"a.aac", audio, []string{"-f", "adts"}, "aac", format.FamilyAudio, false},
		{"a.m4a", audio, nil, "m4a", format.FamilyAudio, false},
		{"a.wav", audio, nil, "wav", format.FamilyAudio, false},
		{"a.aiff", audio, nil, "aiff", format.FamilyAudio, false},
		{"a.flac", audio, nil, "flac", format.FamilyAudio, false},
		{"a.ogg", audio, nil, "ogg", format.FamilyAudio, false},
		{"a.opus", audio, nil, "ogg", format.FamilyAudio, false},
		{"a.wma", audio, nil, "wma", format.FamilyAudio, true},
	} {
		t.Run(c.file, func(t *testing.T) {
			p := filepath.Join(dir, c.file)
			args := append(append(append([]string{"-v", "error", "-nostdin", "-y"}, c.input...), c.args...), "-t", "0.4", p)
			if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
				// Debian's ffmpeg writes every one of these; another build
				// may lack a muxer, which is not this package's failure.
				msg := fmt.Sprintf("this ffmpeg cannot write %s: %v\n%s", c.file, err, out)
				if os.Getenv(testutil.CIEnv) != "" {
					t.Fatal(msg)
				}
				t.Skip(msg)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			head := b[:min(len(b), format.SniffLen)]
			name := ""
			if c.byName {
				name = c.file
			}
			f := format.Sniff(head, name)
			if f.Name != c.want || f.Family != c.family || !f.Reads(format.MediaRead) || !f.Reads(format.MetaRead) {
				t.Fatalf("Sniff = %s (family %s, engines %s), want %s of family %s read by the media engine and metadata extraction", f, f.Family, f.Engines, c.want, c.family)
			}
			if g, ok := format.ByFileName(c.file); !ok || g.Family != c.family {
				t.Errorf("ByFileName(%s) = %s (%s)", c.file, g, g.Family)
			}
		})
	}
}
