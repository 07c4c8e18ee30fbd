#!/usr/bin/env bash
# Compare pkg/meta on audio and video files with ffprobe and exiftool, and
# time the three.
#
# Generates a set of clips with ffmpeg (MP4 with the moov box first and
# last, MOV, M4V, 3GP, M4A, MP3 with ID3v2.3/2.4/v1 and without tags, FLAC,
# Ogg Vorbis, Opus, Ogg Theora, WAV, AIFF, Matroska, WebM, AVI, MPEG-TS,
# M2TS/MTS, MPEG-PS, VOB, WMV/ASF, WMA, FLV, MXF, DV, ADTS AAC; H.264, HEVC,
# MPEG-1/2/4, ProRes, MJPEG, VP9, WMV1/2, MS-MPEG4, FLV1, DV, AAC, MP3, MP2,
# AC-3, WMA, Opus, PCM; tags, GPS, make/model and creation dates), or takes
# the files of DIR, then:
#
# - agreement: duration (±0.05 s), width, height, codecs, frame rate
#   (±0.01), sample rate and channels against `ffprobe -show_format
#   -show_streams`; creation date, GPS, make/model, title, artist, album,
#   genre, comment and track against `exiftool -j -n`; per container
#   (by extension) and in total. MPEG-TS/PS have no duration field: it is
#   computed, as ffprobe does, from the PTS of the first and last MiB (the
#   latest stream end, its highest PTS plus one frame, less the earliest
#   PTS);
# - timing, on the same files in one run: one process per file for
#   this project (metatool extract), exiftool and ffprobe; one process for
#   all files (metatool extract DIR, exiftool -j DIR); and the in-process
#   time of meta.Extract over all files (what the warm metadata action
#   pays).
#
#   scripts/compare-media.sh [DIR]        # DIR, or a generated set
#   N=5 scripts/compare-media.sh          # each generated clip 5 times (100 files)
#   VERBOSE=1 scripts/compare-media.sh    # and every mismatch
set -euo pipefail
cd "$(dirname "$0")/.."
for t in ffmpeg ffprobe exiftool; do
	command -v "$t" >/dev/null || { echo "$t not found (apt-get install ffmpeg libimage-exiftool-perl)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/metatool" ./pkg/meta/internal/metatool

gen() {
	local out=$1
	shift
	ffmpeg -v error -y -nostdin "$@" "$out" || { echo "skipped $(basename "$out"): this ffmpeg cannot write it" >&2; rm -f "$out"; }
}

if [ $# -ge 1 ]; then
	dir=$1
else
	dir=$tmp/media
	mkdir -p "$dir"
	v=(-t 2 -f lavfi -i testsrc2=size=320x240:rate=25)
	a=(-t 2 -f lavfi -i sine=frequency=440:sample_rate=44100)
	tags=(-metadata "title=Clip Title" -metadata "artist=The Artist" -metadata "album=The Album"
		-metadata genre=Rock -metadata date=2021 -metadata "comment=A comment" -metadata track=3)
	where=(-metadata creation_time=2021-06-15T10:20:30Z -metadata location=+48.8584+002.2945/)
	x264=(-c:v libx264 -preset ultrafast -pix_fmt yuv420p)
	gen "$dir/h264-aac.mp4" "${v[@]}" "${a[@]}" "${x264[@]}" -c:a aac "${tags[@]}" "${where[@]}"
	gen "$dir/faststart.mp4" "${v[@]}" "${a[@]}" "${x264[@]}" -c:a aac -movflags +faststart "${tags[@]}" "${where[@]}"
	gen "$dir/camera.mov" "${v[@]}" "${a[@]}" "${x264[@]}" -c:a aac "${tags[@]}" "${where[@]}" -metadata make=Canon -metadata "model=EOS R5"
	gen "$dir/hevc.m4v" -t 2 -f lavfi -i testsrc2=size=640x360:rate=30000/1001 "${a[@]}" -c:v libx265 -preset ultrafast -x265-params log-level=error -tag:v hvc1 -c:a aac -ac 2 -f mp4 "${tags[@]}"
	gen "$dir/mpeg4-mp3.mp4" "${v[@]}" "${a[@]}" -c:v mpeg4 -c:a libmp3lame "${tags[@]}"
	gen "$dir/phone.3gp" -t 2 -f lavfi -i testsrc2=size=176x144:rate=15 -t 2 -f lavfi -i sine=sample_rate=16000 -c:v h263 -c:a aac -ar 16000 -ac 1
	gen "$dir/prores.mov" "${v[@]}" "${a[@]}" -c:v prores_ks -profile:v 0 -c:a pcm_s16le "${where[@]}"
	gen "$dir/mjpeg.mov" "${v[@]}" "${a[@]}" -c:v mjpeg -r 10 -c:a pcm_s16le -ac 2
	gen "$dir/vp9-opus.mp4" "${v[@]}" "${a[@]}" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus "${tags[@]}"
	gen "$dir/audio.m4a" "${a[@]}" -c:a aac "${tags[@]}"
	gen "$dir/v24.mp3" "${a[@]}" -c:a libmp3lame -b:a 128k "${tags[@]}"
	gen "$dir/v23-v1-vbr.mp3" "${a[@]}" -c:a libmp3lame -q:a 4 -ac 2 -id3v2_version 3 -write_id3v1 1 "${tags[@]}"
	gen "$dir/bare.mp3" "${a[@]}" -c:a libmp3lame -b:a 96k -id3v2_version 0 -write_xing 0
	gen "$dir/a.flac" "${a[@]}" -c:a flac "${tags[@]}"
	gen "$dir/a.ogg" "${a[@]}" -c:a libvorbis -ac 2 "${tags[@]}"
	gen "$dir/a.opus" "${a[@]}" -c:a libopus "${tags[@]}"
	gen "$dir/theora.ogv" "${v[@]}" "${a[@]}" -c:v libtheora -c:a libvorbis "${tags[@]}"
	gen "$dir/a.wav" "${a[@]}" "${tags[@]}"
	gen "$dir/s24.wav" "${a[@]}" -c:a pcm_s24le -ac 2 "${tags[@]}"
	gen "$dir/a.aiff" "${a[@]}" -write_id3v2 1 "${tags[@]}"
	gen "$dir/h264-aac.mkv" "${v[@]}" "${a[@]}" "${x264[@]}" -c:a aac "${tags[@]}"
	gen "$dir/mpeg4-mp3.avi" "${v[@]}" "${a[@]}" -c:v mpeg4 -c:a libmp3lame "${tags[@]}"
	gen "$dir/vp9-opus.webm" "${v[@]}" "${a[@]}" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -c:a libopus "${tags[@]}"
	# Containers without an index: MPEG-TS/M2TS, MPEG-PS/VOB, ASF (WMV/WMA),
	# FLV, MXF, DV, ADTS AAC.
	pal=(-t 2 -f lavfi -i testsrc2=size=720x576:rate=25)
	a48=(-t 2 -f lavfi -i sine=frequency=440:sample_rate=48000)
	gen "$dir/h264-aac.ts" "${v[@]}" "${a[@]}" "${x264[@]}" -c:a aac
	gen "$dir/mpeg2-mp2.ts" "${v[@]}" "${a[@]}" -c:v mpeg2video -c:a mp2
	gen "$dir/hevc-ac3.ts" -t 2 -f lavfi -i testsrc2=size=640x360:rate=30000/1001 "${a[@]}" -c:v libx265 -preset ultrafast -x265-params log-level=error -c:a ac3
	gen "$dir/audio-aac.ts" "${a[@]}" -c:a aac -b:a 128k -ac 2
	gen "$dir/h264-ac3.m2ts" "${v[@]}" "${a[@]}" "${x264[@]}" -c:a ac3 -mpegts_m2ts_mode 1 -f mpegts
	gen "$dir/h264-aac48.mts" "${v[@]}" "${a48[@]}" "${x264[@]}" -c:a aac -ac 2 -mpegts_m2ts_mode 1 -f mpegts
	gen "$dir/mpeg2-mp2.mpg" "${v[@]}" "${a[@]}" -c:v mpeg2video -c:a mp2 -f mpeg
	gen "$dir/mpeg1-mp2.mpg" "${v[@]}" "${a[@]}" -c:v mpeg1video -c:a mp2 -f mpeg
	gen "$dir/dvd.vob" "${pal[@]}" "${a48[@]}" -c:v mpeg2video -c:a ac3 -ac 2 -f vob
	gen "$dir/wmv2.wmv" "${v[@]}" "${a[@]}" -c:v wmv2 -c:a wmav2 "${tags[@]}"
	gen "$dir/wmv1.asf" "${v[@]}" "${a[@]}" -c:v wmv1 -c:a wmav1
	gen "$dir/msmpeg4-mp3.asf" "${v[@]}" "${a[@]}" -c:v msmpeg4 -c:a libmp3lame
	gen "$dir/a.wma" "${a[@]}" -c:a wmav2 -ac 2 "${tags[@]}"
	gen "$dir/flv1-mp3.flv" "${v[@]}" "${a[@]}" -c:v flv1 -c:a libmp3lame "${tags[@]}"
	gen "$dir/h264-aac.flv" "${v[@]}" "${a[@]}" "${x264[@]}" -c:a aac
	gen "$dir/audio-aac.flv" "${a[@]}" -c:a aac -f flv
	gen "$dir/mpeg2-pcm.mxf" "${v[@]}" "${a48[@]}" -c:v mpeg2video -c:a pcm_s16le -metadata creation_time=2021-06-15T10:20:30Z
	gen "$dir/h264-pcm24.mxf" "${v[@]}" "${a48[@]}" "${x264[@]}" -c:a pcm_s24le
	gen "$dir/dv.mxf" "${pal[@]}" "${a48[@]}" -c:v dvvideo -pix_fmt yuv420p -c:a pcm_s16le
	gen "$dir/pal.dv" "${pal[@]}" "${a48[@]}" -c:v dvvideo -pix_fmt yuv420p -ac 2 -metadata creation_time=2021-06-15T10:20:30Z -f dv
	gen "$dir/dv50.dv" "${pal[@]}" "${a48[@]}" -c:v dvvideo -pix_fmt yuv422p -ac 2 -t 1 -f dv
	gen "$dir/ntsc.dv" -t 2 -f lavfi -i testsrc2=size=720x480:rate=30000/1001 "${a48[@]}" -c:v dvvideo -pix_fmt yuv411p -ac 2 -f dv
	gen "$dir/mono.aac" "${a[@]}" -c:a aac -f adts
	gen "$dir/stereo48.aac" "${a48[@]}" -c:a aac -ac 2 -b:a 192k -f adts
	gen "$dir/id3.aac" "${a[@]}" -c:a aac -f adts -write_id3v2 1 "${tags[@]}"
	n=${N:-1}
	if [ "$n" -gt 1 ]; then
		for f in "$dir"/*; do
			for i in $(seq 2 "$n"); do cp "$f" "$dir/$i-$(basename "$f")"; done
		done
	fi
fi
mapfile -t list < <(find "$dir" -type f | sort)
echo "== ${#list[@]} files"

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }

mkdir -p "$tmp/ref"
t0=$(now)
for f in "${list[@]}"; do ffprobe -v error -show_format -show_streams -of json "$f" >"$tmp/ref/$(basename "$f").ffprobe.json" || true; done
t1=$(now)
for f in "${list[@]}"; do exiftool -j -n "$f" >"$tmp/ref/$(basename "$f").exiftool.json" 2>/dev/null || true; done
t2=$(now)
for f in "${list[@]}"; do "$tmp/metatool" extract "$f" >/dev/null || true; done
t3=$(now)
exiftool -j -n -q -q "$dir" >/dev/null 2>&1 || true
t4=$(now)
"$tmp/metatool" extract "$dir" >/dev/null || true
t5=$(now)
inproc=$("$tmp/metatool" time "$dir")

echo
"$tmp/metatool" mediacompare "$dir" "$tmp/ref"
echo
ours=$(ms "$t2" "$t3")
printf '%-34s %8s %8s\n' "timing (${#list[@]} files)" "ms" "ratio"
printf '%-34s %8d %8s\n' "pkg/meta, one process per file" "$ours" "1.0"
awk -v a="$(ms "$t1" "$t2")" -v b="$ours" 'BEGIN { printf "%-34s %8d %7.1fx\n", "exiftool, one process per file", a, a / (b ? b : 1) }'
awk -v a="$(ms "$t0" "$t1")" -v b="$ours" 'BEGIN { printf "%-34s %8d %7.1fx\n", "ffprobe, one process per file", a, a / (b ? b : 1) }'
one=$(ms "$t4" "$t5")
printf '%-34s %8d %8s\n' "pkg/meta, one process for all" "$one" "1.0"
awk -v a="$(ms "$t3" "$t4")" -v b="$one" 'BEGIN { printf "%-34s %8d %7.1fx\n", "exiftool, one process for all", a, a / (b ? b : 1) }'
awk -v u="$inproc" 'BEGIN { printf "%-34s %8.1f\n", "pkg/meta in process (Extract)", u / 1000 }'
