#!/usr/bin/env bash
# bench-preview.sh - a preview clip (fmt mp4) of a video, as the thumbnail
# action makes it, against a bare ffmpeg doing the same, in the same run.
#
# The clip: 60 s of 1080p H.264 with AAC sound (testsrc2, 30 fps, a
# keyframe every 2 s), made once under BENCH_DIR. Each tool runs
# BENCH_RUNS times, alternating; the figure is the median wall time in ms:
#   bare   ffmpeg -ss T -i clip -t 10 -vf scale=320:180,... -c:v libx264
#          -preset veryfast -crf 23 -c:a aac -b:a 128k -ac 2
#          -movflags +faststart out.mp4 (the encoding settings pkg/media
#          uses, two threads as the engine's default)
#   acs    acs process of a request for {fmt: mp4, width: 320, time: T,
#          maxDuration: 10} on the local file: the whole worker
#          lifecycle (fetch into the activation directory, probe, caged
#          ffmpeg, probe of the output, upload to a local target), in a
#          fresh process each time.
#
#   BENCH_RUNS=5 BENCH_TIME=20 scripts/bench-preview.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
RUNS=${BENCH_RUNS:-5}
T=${BENCH_TIME:-20}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-preview}
mkdir -p "$DIR/out"
CLIP=$DIR/clip-1080p-60s.mp4
if [[ ! -s $CLIP ]]; then
  ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=60 \
    -f lavfi -i sine=duration=60 -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p \
    -c:a aac -shortest "$CLIP"
fi
go build -o bin/acs ./cmd/acs
cat >"$DIR/req.json" <<JSON
{"source": "$CLIP", "renditions": [{"fmt": "mp4", "width": 320, "time": $T, "maxDuration": 10, "target": "$DIR/out/preview.mp4"}]}
JSON

ms() { # prints the wall time of "$@" in ms
  local s e
  s=$(date +%s%N)
  "$@" >/dev/null 2>&1
  e=$(date +%s%N)
  echo $(((e - s) / 1000000))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A times
for ((i = 0; i < RUNS; i++)); do
  times[bare]+="$(ms ffmpeg -v error -nostdin -y -ss "$T" -threads 2 -i "$CLIP" -t 10 \
    -vf scale=320:180:flags=bicubic,setsar=1,format=yuv420p -c:v libx264 -preset veryfast \
    -profile:v high -crf 23 -threads 2 -c:a aac -b:a 128k -ac 2 -movflags +faststart \
    "$DIR/out/bare.mp4") "
  times[acs]+="$(ms bin/acs process -f "$DIR/req.json") "
done
bare=$(tr ' ' '\n' <<<"${times[bare]}" | grep . | median)
printf '%-6s %8s %6s\n' tool "ms" "x bare"
for k in bare acs; do
  m=$(tr ' ' '\n' <<<"${times[$k]}" | grep . | median)
  printf '%-6s %8d %6.2f\n' "$k" "$m" "$(awk -v a="$m" -v b="$bare" 'BEGIN {print a / b}')"
done
ffprobe -v error -show_entries stream=codec_name,width,height:format=duration,size -of compact "$DIR/out/preview.mp4"
