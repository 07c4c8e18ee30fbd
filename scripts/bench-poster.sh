#!/usr/bin/env bash
# bench-poster.sh - the poster frame of a video, as the thumbnail action
# makes it, against a bare ffmpeg on the same file, in the same run.
#
# The clip: 60 s of 1080p H.264 (testsrc2, 30 fps, a keyframe every 2 s),
# made once under BENCH_DIR. Each tool runs BENCH_RUNS times, alternating;
# the figure is the median wall time in ms:
#   bare      ffmpeg -ss T -i clip -frames:v 1 -vf scale=319:-1 out.jpg
#   acs       acs process of a request for {fmt: jpg, width: 319, time: T}
#             on the local file: the whole worker lifecycle (fetch into the
#             activation directory, probe, caged ffmpeg frame, libvips
#             resize and encode, upload to a local target), in a fresh
#             process each time.
#   acs-rep   the same without time: the representative frame (six
#             candidate frames decoded and scored).
#
#   BENCH_RUNS=9 BENCH_TIME=30 scripts/bench-poster.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
RUNS=${BENCH_RUNS:-9}
T=${BENCH_TIME:-30}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-poster}
mkdir -p "$DIR/out"
CLIP=$DIR/clip-1080p-60s.mp4
if [[ ! -s $CLIP ]]; then
  ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=60 \
    -f lavfi -i sine=duration=60 -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p \
    -c:a aac -shortest "$CLIP"
fi
go build -o bin/acs ./cmd/acs
cat >"$DIR/req-time.json" <<JSON
{"source": "$CLIP", "renditions": [{"fmt": "jpg", "width": 319, "time": $T, "target": "$DIR/out/poster.jpg"}]}
JSON
cat >"$DIR/req-rep.json" <<JSON
{"source": "$CLIP", "renditions": [{"fmt": "jpg", "width": 319, "target": "$DIR/out/rep.jpg"}]}
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
  times[bare]+="$(ms ffmpeg -v error -nostdin -y -ss "$T" -i "$CLIP" -frames:v 1 -vf scale=319:-1 "$DIR/out/bare.jpg") "
  times[acs]+="$(ms bin/acs process -f "$DIR/req-time.json") "
  times[acs-rep]+="$(ms bin/acs process -f "$DIR/req-rep.json") "
done
bare=$(tr ' ' '\n' <<<"${times[bare]}" | grep . | median)
printf '%-8s %8s %6s\n' tool "ms" "x bare"
for k in bare acs acs-rep; do
  m=$(tr ' ' '\n' <<<"${times[$k]}" | grep . | median)
  printf '%-8s %8d %6.2f\n' "$k" "$m" "$(awk -v a="$m" -v b="$bare" 'BEGIN {print a / b}')"
done
