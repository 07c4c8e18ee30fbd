#!/usr/bin/env bash
# bench-ranged.sh - how much of a large faststart MP4 on an S3-compatible
# server the thumbnail action fetches for a poster frame, and how long it
# takes, against reading the whole file, in the same run.
#
# The file: about BENCH_SIZE_MB (default 500) MB of 1080p H.264 at
# 16 Mbit/s with AAC audio, a keyframe every BENCH_GOP (default 60) frames
# at 30 fps, moov first (+faststart): a 30 s segment encoded once with
# testsrc2 (x264 ultrafast), then copied end to end (-c copy) to the size,
# made once under BENCH_DIR. The server: versitygw (bin/versitygw, built
# from test/e2e/tools as `make e2e` builds it) over a posix directory on
# 127.0.0.1; the file is uploaded to it with curl (SigV4).
#
# Each request runs BENCH_RUNS (default 3) times in a fresh `acs process`
# (the orchestrator, the thumbnail worker, an s3:// source, a local
# target); the figures are the medians:
#   poster-T      {fmt: jpg, width: 319, time: BENCH_TIME} (default "50%")
#   poster-0      the same at time 0
#   representative the same without time (the frames of the first 10 s
#                 are decoded to choose one)
#   storyboard    {fmt: jpg, storyboard: {columns: 4, rows: 3}}
#   clip          {fmt: mp4, time: BENCH_TIME, maxDuration: 10, width: 640}
#   whole-T       poster-T with mediaRangedMinBytes above the file's size:
#                 the file is read whole first, as before ranged reads
#   download      curl GET of the whole object to /dev/null (no frame)
#   image         {fmt: jpg, width: 319} of a 4000x3000 JPEG (testsrc2,
#                 ffmpeg -q:v 2) in the same bucket: an image source is
#                 copied whole, in one request after the first block
#   baseline-T, baseline-image
#                 poster-T and image run by the acs binary
#                 BENCH_BASELINE_ACS, when set (say, one built from an
#                 earlier commit)
# Bytes and requests are those the worker logs at -v ("source read" for
# ranged reads, "source fetched" for a whole download).
# BENCH_CASES (say "image baseline-image") runs only those cases.
#
#   BENCH_SIZE_MB=500 BENCH_RUNS=3 scripts/bench-ranged.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-ranged}
SIZE_MB=${BENCH_SIZE_MB:-500}
GOP=${BENCH_GOP:-60}
RUNS=${BENCH_RUNS:-3}
T=${BENCH_TIME:-50%}
ACCESS=benchaccess
SECRET=benchsecret
REGION=us-east-1
mkdir -p "$DIR/out"

CLIP=$DIR/large-${SIZE_MB}m-g$GOP.mp4
if [[ ! -s $CLIP ]]; then
  SEG=$DIR/segment-g$GOP.mp4
  echo "making the file (once): a 30 s 1080p segment, copied to $SIZE_MB MB" >&2
  ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=30 \
    -f lavfi -i sine=duration=30 -c:v libx264 -preset ultrafast -g "$GOP" \
    -b:v 16M -maxrate 16M -bufsize 32M -pix_fmt yuv420p -c:a aac -shortest "$SEG"
  seg=$(stat -c %s "$SEG")
  n=$(((SIZE_MB * 1048576 + seg - 1) / seg))
  for ((i = 0; i < n; i++)); do echo "file '$SEG'"; done >"$DIR/list.txt"
  ffmpeg -v error -nostdin -y -f concat -safe 0 -i "$DIR/list.txt" -c copy -movflags +faststart "$CLIP.tmp.mp4"
  mv "$CLIP.tmp.mp4" "$CLIP"
fi
SIZE=$(stat -c %s "$CLIP")
IMAGE=$DIR/photo-4000x3000.jpg
if [[ ! -s $IMAGE ]]; then
  ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=4000x3000 -frames:v 1 -q:v 2 "$IMAGE"
fi

go build -o bin/acs ./cmd/acs
if [[ ! -x bin/versitygw ]]; then
  (cd test/e2e/tools && go build -trimpath -ldflags "-s -w" -o ../../../bin/versitygw github.com/versity/versitygw/cmd/versitygw)
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
EP=http://127.0.0.1:$PORT
GW=$(mktemp -d "$DIR/gw.XXXXXX")
bin/versitygw --access "$ACCESS" --secret "$SECRET" --region "$REGION" --port "127.0.0.1:$PORT" --quiet posix "$GW" \
  >"$DIR/versitygw.log" 2>&1 &
GWPID=$!
cleanup() {
  kill "$GWPID" 2>/dev/null || true
  wait "$GWPID" 2>/dev/null || true
  rm -rf "$GW"
}
trap cleanup EXIT
for ((i = 0; i < 100; i++)); do
  curl -s -o /dev/null "$EP" && break
  sleep 0.1
done
s3() { curl -sS -f --aws-sigv4 "aws:amz:$REGION:s3" --user "$ACCESS:$SECRET" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }
s3 -X PUT "$EP/bench" >/dev/null
echo "uploading $SIZE bytes to versitygw" >&2
s3 -T "$CLIP" "$EP/bench/large.mp4" >/dev/null
s3 -T "$IMAGE" "$EP/bench/photo.jpg" >/dev/null

export ACS_S3_ENDPOINT=$EP ACS_S3_PATH_STYLE=true ACS_S3_REGION=$REGION
export AWS_ACCESS_KEY_ID=$ACCESS AWS_SECRET_ACCESS_KEY=$SECRET

request() { # name rendition-json -> request file
  local ext=jpg
  [[ $1 == clip ]] && ext=mp4
  cat >"$DIR/req-$1.json" <<JSON
{"source": "s3://bench/large.mp4", "renditions": [$(printf '%s' "$2" | sed "s#TARGET#$DIR/out/$1.$ext#")]}
JSON
}
if [[ $T == *% ]]; then TJSON="\"$T\""; else TJSON=$T; fi
request poster-T "{\"fmt\": \"jpg\", \"width\": 319, \"time\": $TJSON, \"target\": \"TARGET\"}"
request poster-0 '{"fmt": "jpg", "width": 319, "time": 0, "target": "TARGET"}'
request representative '{"fmt": "jpg", "width": 319, "target": "TARGET"}'
request storyboard '{"fmt": "jpg", "storyboard": {"columns": 4, "rows": 3}, "target": "TARGET"}'
request clip "{\"fmt\": \"mp4\", \"time\": $TJSON, \"maxDuration\": 10, \"width\": 640, \"target\": \"TARGET\"}"
cp "$DIR/req-poster-T.json" "$DIR/req-whole-T.json"
sed 's#s3://bench/large.mp4#s3://bench/photo.jpg#' >"$DIR/req-image.json" <<JSON
{"source": "s3://bench/large.mp4", "renditions": [{"fmt": "jpg", "width": 319, "target": "$DIR/out/image.jpg"}]}
JSON

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s%N; }

printf '%-15s %12s %8s %9s %9s  %s\n' case bytes "% file" requests ms outcome
names=(poster-T poster-0 representative storyboard clip whole-T download)
names+=(image)
[[ -n ${BENCH_BASELINE_ACS:-} ]] && names+=(baseline-T baseline-image)
[[ -n ${BENCH_CASES:-} ]] && read -r -a names <<<"$BENCH_CASES"
for name in "${names[@]}"; do
  ts=() bytes=0 reqs=0 outcome=ok
  for ((i = 0; i < RUNS; i++)); do
    s=$(now)
    case $name in
    download)
      s3 -o /dev/null "$EP/bench/large.mp4"
      bytes=$SIZE reqs=1
      ;;
    *)
      acs=bin/acs req=$name extra=()
      [[ $name == whole-T ]] && extra=(--setting "mediaRangedMinBytes=$((SIZE + 1))")
      [[ $name == baseline-T ]] && acs=$BENCH_BASELINE_ACS req=poster-T
      [[ $name == baseline-image ]] && acs=$BENCH_BASELINE_ACS req=image
      if ! "$acs" process -v "${extra[@]}" -f "$DIR/req-$req.json" >"$DIR/out/$name.json" 2>"$DIR/out/$name.log"; then
        outcome="failed: $(grep -o '"message": "[^"]*' "$DIR/out/$name.json" | head -1 | cut -c13-)"
      fi
      # Ranged reads ("source read") plus whole downloads ("source
      # fetched", one request each; the older worker logs only those).
      read -r bytes reqs < <(awk '/msg="source (read|fetched)"/ {
          for (i = 1; i <= NF; i++) {
            if ($i ~ /^bytes=/) { sub(/^bytes=/, "", $i); b += $i }
            if ($i ~ /^requests=/) { sub(/^requests=/, "", $i); r += $i }
          }
          if ($0 ~ /msg="source fetched"/) r++
        } END { print b + 0, r + 0 }' "$DIR/out/$name.log")
      ;;
    esac
    e=$(now)
    ts+=($(((e - s) / 1000000)))
  done
  ms=$(printf '%s\n' "${ts[@]}" | median)
  total=$SIZE
  [[ $name == *image ]] && total=$(stat -c %s "$IMAGE")
  pct=$(awk -v b="${bytes:-0}" -v s="$total" 'BEGIN {printf "%.2f", 100 * b / s}')
  printf '%-15s %12s %8s %9s %9s  %s\n' "$name" "${bytes:-?}" "$pct" "${reqs:-?}" "$ms" "$outcome"
done
echo "file: $CLIP, $SIZE bytes, keyframe every $GOP frames at 30 fps; $RUNS runs, median wall time" >&2
