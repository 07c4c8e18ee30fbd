#!/usr/bin/env bash
# bench-poster.sh - the poster frame of a video, as the thumbnail action
# makes it, against a bare ffmpeg on the same file, in the same run.
#
# The clip: 60 s of 1080p H.264 (testsrc2, 30 fps, a keyframe every 2 s),
# made once under BENCH_DIR. Each round runs every tool once, in turn;
# the figure is the median over BENCH_RUNS rounds, in ms per poster:
#   bare       ffmpeg -ss T -i clip -frames:v 1 -vf scale=319:-1 out.jpg
#   cold       acs process of a request for {fmt: jpg, width: 319, time: T}
#              on the local file, in a fresh process: process start,
#              libvips start, the whole worker lifecycle (fetch into the
#              activation directory, probe, caged ffmpeg frame, libvips
#              resize and encode, upload to a local target).
#   warm       the same rendition in a worker that is already running, as
#              an OpenWhisk action container serves its second and later
#              activations: acs batch -j 1 over BENCH_WARM links to the clip
#              (each a new source: fetched, probed, framed, stored) minus
#              acs batch over one, divided by BENCH_WARM - 1.
#   cold-rep   cold without time: the representative frame.
#   warm-rep   warm without time.
#
#   BENCH_RUNS=9 BENCH_WARM=6 BENCH_TIME=30 scripts/bench-poster.sh
#
# BENCH_ACS names an acs binary to measure instead of building bin/acs
# (to compare two builds on the same machine).
#
# The machine should be otherwise idle: ffmpeg's own start (loading its
# shared libraries) is most of the bare figure.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
RUNS=${BENCH_RUNS:-9}
WARM=${BENCH_WARM:-6}
T=${BENCH_TIME:-30}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-poster}
((WARM >= 2)) || { echo "BENCH_WARM must be at least 2" >&2; exit 2; }
mkdir -p "$DIR/out" "$DIR/warm"
CLIP=$DIR/clip-1080p-60s.mp4
if [[ ! -s $CLIP ]]; then
  ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=60 \
    -f lavfi -i sine=duration=60 -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p \
    -c:a aac -shortest "$CLIP"
fi
ACS=${BENCH_ACS:-bin/acs}
[[ -n ${BENCH_ACS:-} ]] || go build -o bin/acs ./cmd/acs
cat >"$DIR/req-time.json" <<JSON
{"source": "$CLIP", "renditions": [{"fmt": "jpg", "width": 319, "time": $T, "target": "$DIR/out/poster.jpg"}]}
JSON
cat >"$DIR/req-rep.json" <<JSON
{"source": "$CLIP", "renditions": [{"fmt": "jpg", "width": 319, "target": "$DIR/out/rep.jpg"}]}
JSON
echo "[{\"name\": \"poster.jpg\", \"fmt\": \"jpg\", \"width\": 319, \"time\": $T}]" >"$DIR/profile-time.json"
echo '[{"name": "rep.jpg", "fmt": "jpg", "width": 319}]' >"$DIR/profile-rep.json"
# Links, not copies: each is a source of its own to the worker.
sources=()
for ((i = 1; i <= WARM; i++)); do
  ln -f "$CLIP" "$DIR/warm/clip-$i.mp4" 2>/dev/null || cp "$CLIP" "$DIR/warm/clip-$i.mp4"
  sources+=("$DIR/warm/clip-$i.mp4")
done

ms() { # prints the wall time of "$@" in ms; fails when "$@" fails
  local s e
  s=$(date +%s%N)
  "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
  e=$(date +%s%N)
  echo $(((e - s) / 1000000))
}
warm() { # prints the ms per poster of a running worker for profile $1
  local one many
  rm -rf "$DIR/wout"
  one=$(ms "$ACS" batch -j 1 --profile "$1" --out "$DIR/wout" "${sources[0]}")
  rm -rf "$DIR/wout"
  many=$(ms "$ACS" batch -j 1 --profile "$1" --out "$DIR/wout" "${sources[@]}")
  echo $(((many - one) / (WARM - 1)))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A times
for ((i = 0; i < RUNS; i++)); do
  times[bare]+="$(ms ffmpeg -v error -nostdin -y -ss "$T" -i "$CLIP" -frames:v 1 -vf scale=319:-1 "$DIR/out/bare.jpg") "
  times[cold]+="$(ms "$ACS" process -f "$DIR/req-time.json") "
  times[warm]+="$(warm "$DIR/profile-time.json") "
  times[cold-rep]+="$(ms "$ACS" process -f "$DIR/req-rep.json") "
  times[warm-rep]+="$(warm "$DIR/profile-rep.json") "
done
bare=$(tr ' ' '\n' <<<"${times[bare]}" | grep . | median)
printf '%-9s %8s %6s\n' tool "ms" "x bare"
for k in bare cold warm cold-rep warm-rep; do
  m=$(tr ' ' '\n' <<<"${times[$k]}" | grep . | median)
  printf '%-9s %8d %6.2f\n' "$k" "$m" "$(awk -v a="$m" -v b="$bare" 'BEGIN {print a / b}')"
done
