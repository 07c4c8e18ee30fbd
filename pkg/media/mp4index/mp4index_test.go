package mp4index

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/assetcompute/assetcompute/internal/testutil"
)

// box writes a box of type typ around the payloads.
func box(typ string, payloads ...[]byte) []byte {
	var body []byte
	for _, p := range payloads {
		body = append(body, p...)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	out = append(out, typ...)
	return append(out, body...)
}

// full is the version and flags of a full box, then the fields.
func full(version byte, fields ...uint32) []byte {
	out := []byte{version, 0, 0, 0}
	for _, f := range fields {
		out = binary.BigEndian.AppendUint32(out, f)
	}
	return out
}

// movie builds a small MP4 of one video track with n samples of size
// bytes each, one chunk per sample, every 5th a sync sample, at 25 fps
// (timescale 25, delta 1), the moov first. Parts of its stbl can be
// replaced: stbl[typ] = payload of that box (nil drops it).
func movie(n int, size uint32, stbl map[string][]byte) []byte {
	tables := map[string][]byte{}
	tables["stsd"] = full(0, 1, 16, uint32(binary.BigEndian.Uint32([]byte("avc1"))), 0, 0)
	tables["stts"] = full(0, 1, uint32(n), 1)
	var sync []uint32
	for i := 0; i < n; i += 5 {
		sync = append(sync, uint32(i+1))
	}
	tables["stss"] = full(0, append([]uint32{uint32(len(sync))}, sync...)...)
	tables["stsc"] = full(0, 1, 1, 1, 1)
	tables["stsz"] = full(0, size, uint32(n))
	for k, v := range stbl {
		tables[k] = v
	}
	build := func(mdatAt uint32) []byte {
		if _, ok := stbl["stco"]; !ok {
			offs := []uint32{uint32(n)}
			for i := range n {
				offs = append(offs, mdatAt+8+uint32(i)*size)
			}
			tables["stco"] = full(0, offs...)
		}
		var boxes [][]byte
		for _, k := range []string{"stsd", "stts", "stss", "stsc", "stsz", "stz2", "co64", "stco", "ctts"} {
			if v, ok := tables[k]; ok && v != nil {
				boxes = append(boxes, box(k, v))
			}
		}
		stblBox := box("stbl", boxes...)
		trak := box("trak",
			box("tkhd", full(0, 0, 0, 1, 0, uint32(n))),
			box("mdia",
				box("mdhd", full(0, 0, 0, 25, uint32(n), 0)),
				box("hdlr", full(0, 0, uint32(binary.BigEndian.Uint32([]byte("vide"))), 0, 0, 0)),
				box("minf", stblBox)))
		moov := box("moov", box("mvhd", full(0, 0, 0, 25, uint32(n))), trak)
		ftyp := box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2avc1mp41"))
		head := append(ftyp, moov...)
		mdat := box("mdat", make([]byte, n*int(size)))
		for i := 8; i < len(mdat); i++ {
			mdat[i] = byte(i)
		}
		return append(head, mdat...)
	}
	// The mdat follows the ftyp and moov, whose size does not depend on
	// the offsets written.
	first := build(0)
	return build(uint32(len(first) - (n*int(size) + 8)))
}

func read(b []byte) (*Index, error) {
	return Read(bytes.NewReader(b), int64(len(b)), Limits{})
}

func TestSyntheticMovie(t *testing.T) {
	b := movie(50, 100, nil)
	ix, err := read(b)
	require.NoError(t, err)
	assert.True(t, ix.Faststart)
	assert.Equal(t, 2.0, ix.Duration)
	assert.Equal(t, 0.0, ix.Start())
	v := ix.Video()
	require.NotNil(t, v)
	assert.Equal(t, "avc1", v.Codec)
	assert.Equal(t, 50, v.Samples())
	// Frame 23 (0.92 s): from the keyframe 20 to frame 23, plus 2.
	first, last := v.Span(0.92, 0.92, 2)
	assert.Equal(t, 20, first)
	assert.Equal(t, 25, last)
	rs := v.Ranges(first, last)
	require.Len(t, rs, 1, "contiguous samples make one range")
	assert.Equal(t, int64(600), rs[0].Length)
	assert.Equal(t, b[rs[0].Offset:rs[0].End()], b[v.samples[20].off:v.samples[25].off+100])
	// Before the start and past the end.
	first, last = v.Span(-3, -3, 0)
	assert.Equal(t, [2]int{0, 0}, [2]int{first, last})
	first, last = v.Span(99, 99, 10)
	assert.Equal(t, [2]int{45, 49}, [2]int{first, last})
	// Meta: ftyp and moov whole, the mdat's header.
	meta := ix.Meta()
	require.Len(t, meta, 3)
	assert.Equal(t, int64(8), meta[2].Length)
}

func TestMergeAndMissing(t *testing.T) {
	got := Merge([]Range{{100, 10}, {0, 10}, {105, 20}, {200, 0}, {140, 5}}, 10)
	assert.Equal(t, []Range{{0, 10}, {100, 25}, {140, 5}}, got[:1+0+2][:3])
	assert.Equal(t, int64(40), Total(got))
	got = Merge([]Range{{100, 10}, {0, 10}, {105, 20}, {140, 5}}, 20)
	assert.Equal(t, []Range{{0, 10}, {100, 45}}, got)
}

// TestHostileIndexes: malformed and hostile indexes fail with the right
// error, never a panic or an allocation of their claims.
func TestHostileIndexes(t *testing.T) {
	huge := uint32(math.MaxUint32)
	b := movie(10, 100, nil)
	for _, tc := range []struct {
		name string
		file []byte
		lim  Limits
		want error
	}{
		{"not MP4", []byte("GIF89a and some more bytes to read"), Limits{}, ErrNotMP4},
		{"empty", nil, Limits{}, ErrNoMoov},
		{"truncated moov", b[:100], Limits{}, ErrNoMoov},
		{"moov at the end cut off", append(box("ftyp", []byte("isom")), box("mdat", make([]byte, 100))...)[:12+50], Limits{}, ErrNoMoov},
		{"huge stsz count, fixed size", movie(10, 100, map[string][]byte{"stsz": full(0, 100, huge)}), Limits{}, ErrLimit},
		{"huge stsz count, sizes listed", movie(10, 100, map[string][]byte{"stsz": full(0, 0, 1<<20)}), Limits{}, ErrCorrupt},
		{"stsz beyond the sample budget", movie(10, 100, nil), Limits{MaxSamples: 5}, ErrLimit},
		{"huge stts count", movie(10, 100, map[string][]byte{"stts": full(0, huge, 1, 1)}), Limits{}, ErrCorrupt},
		{"stts short", movie(10, 100, map[string][]byte{"stts": full(0, 1, 3, 1)}), Limits{}, ErrCorrupt},
		{"huge stsc count", movie(10, 100, map[string][]byte{"stsc": full(0, huge, 1, 1, 1)}), Limits{}, ErrCorrupt},
		{"stsc chunk 0", movie(10, 100, map[string][]byte{"stsc": full(0, 1, 0, 1, 1)}), Limits{}, ErrCorrupt},
		{"samples past the end", movie(10, 100, map[string][]byte{"stsz": full(0, 1<<20, 10)}), Limits{}, ErrCorrupt},
		{"stsc huge samples per chunk", movie(10, 100, map[string][]byte{"stsc": full(0, 1, 1, huge, 1), "stco": full(0, 1, 1<<12)}), Limits{}, ErrCorrupt},
		{"chunk beyond the end", movie(10, 100, map[string][]byte{"stco": full(0, 1, 1<<30)}), Limits{}, ErrCorrupt},
		{"co64 beyond the end", movie(10, 100, map[string][]byte{"stco": nil, "co64": full(0, 1, 1<<31, 0)}), Limits{}, ErrCorrupt},
		{"no chunk offsets", movie(10, 100, map[string][]byte{"stco": nil}), Limits{}, ErrCorrupt},
		{"huge ctts count", movie(10, 100, map[string][]byte{"ctts": full(0, huge, 1, 0)}), Limits{}, ErrCorrupt},
		{"huge stss count", movie(10, 100, map[string][]byte{"stss": full(0, huge, 1)}), Limits{}, ErrCorrupt},
		{"stz2 bad field size", movie(10, 100, map[string][]byte{"stsz": nil, "stz2": full(0, 3, 10)}), Limits{}, ErrCorrupt},
		{"stz2 huge count", movie(10, 100, map[string][]byte{"stsz": nil, "stz2": full(0, 16, huge)}), Limits{}, ErrLimit},
		{"moov over the limit", b, Limits{MaxMoovBytes: 64}, ErrLimit},
		{"too many top-level boxes", bytes.Repeat(box("free", nil), 5000), Limits{}, ErrLimit},
		{"fragmented", append(append([]byte{}, b...), box("moof", nil)...), Limits{}, ErrFragmented},
		{"child larger than its parent", append(box("ftyp", []byte("isom")), box("moov", []byte{0, 0, 1, 0, 't', 'r', 'a', 'k'})...), Limits{}, ErrCorrupt},
		{"64-bit size past the end", append(box("ftyp", []byte("isom")), []byte{0, 0, 0, 1, 'm', 'o', 'o', 'v', 0x7f, 0, 0, 0, 0, 0, 0, 0}...), Limits{}, ErrNoMoov},
		{"64-bit size beyond int64", append(box("ftyp", []byte("isom")), []byte{0, 0, 0, 1, 'm', 'o', 'o', 'v', 0xff, 0, 0, 0, 0, 0, 0, 0}...), Limits{}, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(tc.file), int64(len(tc.file)), tc.lim)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.want), "want %v, got %v", tc.want, err)
		})
	}
}

func TestEditLists(t *testing.T) {
	// An elst is placed in the trak by hand: rebuild with edts.
	withEdts := func(elst []byte) []byte {
		b := movie(10, 100, nil)
		i := bytes.Index(b, []byte("mdia")) - 4
		edts := box("edts", box("elst", elst))
		out := append(append(append([]byte{}, b[:i]...), edts...), b[i:]...)
		// Fix the sizes of moov and trak, and the chunk offsets.
		grow := func(name string) {
			j := bytes.Index(out, []byte(name)) - 4
			binary.BigEndian.PutUint32(out[j:], binary.BigEndian.Uint32(out[j:])+uint32(len(edts)))
		}
		grow("moov")
		grow("trak")
		j := bytes.Index(out, []byte("stco")) + 12
		for k := range 10 {
			binary.BigEndian.PutUint32(out[j+4*k:], binary.BigEndian.Uint32(out[j+4*k:])+uint32(len(edts)))
		}
		return out
	}
	// One edit starting at media time 2: frame 2 is shown at 0.
	ix, err := read(withEdts(full(0, 1, 10, 2, 1<<16)))
	require.NoError(t, err)
	assert.InDelta(t, 0.0, ix.Video().pts(2), 1e-9)
	// An empty edit of 1 s (movie timescale 25) then media from 0.
	ix, err = read(withEdts(full(0, 2, 25, math.MaxUint32, 1<<16, 10, 0, 1<<16)))
	require.NoError(t, err)
	assert.InDelta(t, 1.0, ix.Video().pts(0), 1e-9)
	assert.InDelta(t, 1.0, ix.Start(), 1e-9, "the movie starts with its first frame")
	// Two media edits, another rate: not modelled.
	_, err = read(withEdts(full(0, 2, 5, 0, 1<<16, 5, 5, 1<<16)))
	assert.ErrorIs(t, err, ErrUnsupported)
	_, err = read(withEdts(full(0, 1, 10, 0, 2<<16)))
	assert.ErrorIs(t, err, ErrUnsupported)
	// Entries the box cannot hold.
	_, err = read(withEdts(full(0, 1000, 10, 0, 1<<16)))
	assert.ErrorIs(t, err, ErrCorrupt)
}

// TestAgainstFFprobe compares the index of files ffmpeg writes (B-frames,
// an edit list, audio interleaved; faststart or not) with the packets
// ffprobe lists: offsets, sizes, keyframes and presentation times.
func TestAgainstFFprobe(t *testing.T) {
	testutil.NeedTool(t, "ffmpeg")
	testutil.NeedTool(t, "ffprobe")
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		args  []string
		start bool
	}{
		{"faststart.mp4", []string{"-movflags", "+faststart"}, true},
		{"moovlast.mov", nil, false},
		{"tags.mp4", []string{"-movflags", "+faststart+use_metadata_tags", "-metadata", "title=x"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			args := append([]string{"-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=30:duration=4",
				"-f", "lavfi", "-i", "sine=duration=4", "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "20",
				"-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"}, tc.args...)
			out, err := exec.Command("ffmpeg", append(args, path)...).CombinedOutput()
			require.NoError(t, err, "%s", out)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			ix, err := read(b)
			require.NoError(t, err)
			assert.Equal(t, tc.start, ix.Faststart)
			v := ix.Video()
			require.NotNil(t, v)

			probe, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,pos,size,flags", "-of", "csv=p=0", path).Output()
			require.NoError(t, err)
			type pkt struct {
				pts  float64
				pos  int64
				size int64
				key  bool
			}
			var pkts []pkt
			sc := bufio.NewScanner(bytes.NewReader(probe))
			for sc.Scan() {
				f := strings.Split(sc.Text(), ",")
				require.Len(t, f, 4, sc.Text())
				pts, _ := strconv.ParseFloat(f[0], 64)
				size, _ := strconv.ParseInt(f[1], 10, 64)
				pos, _ := strconv.ParseInt(f[2], 10, 64)
				pkts = append(pkts, pkt{pts, pos, size, strings.HasPrefix(f[3], "K")})
			}
			require.Equal(t, len(pkts), v.Samples())
			syncs := 0
			for i, p := range pkts {
				s := v.samples[i]
				assert.Equal(t, p.pos, s.off, "sample %d offset", i)
				assert.Equal(t, p.size, int64(s.size), "sample %d size", i)
				assert.InDelta(t, p.pts, v.pts(i), 0.0005, "sample %d time", i)
				first, _ := v.Span(v.pts(i), v.pts(i), 0)
				if p.key {
					syncs++
					assert.Equal(t, i, v.syncAtOrBefore(i), "sample %d is a keyframe", i)
				} else {
					assert.Less(t, first, i)
				}
			}
			assert.Greater(t, syncs, 2)
		})
	}
}

// FuzzRead: no input panics Read or Span.
func FuzzRead(f *testing.F) {
	f.Add(movie(12, 7, nil))
	f.Add(movie(3, 1, map[string][]byte{"ctts": full(0, 3, 1, 2)}))
	f.Add([]byte("\x00\x00\x00\x08ftyp\x00\x00\x00\x00moov"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ix, err := Read(bytes.NewReader(b), int64(len(b)), Limits{MaxSamples: 1 << 16})
		if err != nil {
			return
		}
		_ = ix.Meta()
		_ = ix.Head(3)
		if v := ix.Video(); v != nil {
			for _, tm := range []float64{-1, 0, 0.5, 1e9} {
				first, last := v.Span(tm, tm+1, 4)
				_ = v.Ranges(first, last)
			}
		}
	})
}
