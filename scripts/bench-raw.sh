#!/usr/bin/env bash
# bench-raw.sh - a 319-pixel JPEG thumbnail of a camera raw file with a
# full-size embedded JPEG, as the thumbnail action makes it, against
# LibRaw's half-size decode and against exiftool + vipsthumbnail, on the
# same file, in the same run.
#
# The file: a DNG written by scripts/rawsample (BENCH_SIZE, default
# 6000x4000: 24 megapixels of real 16-bit CFA data, 48 MB, and a
# full-size JPEG preview in a SubIFD), made once under BENCH_DIR; with
# BENCH_LOSSLESS=1 the CFA data is a lossless JPEG (Compression 7), as
# most DNG writers store it. Each tool
# runs BENCH_RUNS times, alternating; the figure is the median wall time
# in ms:
#   acs          acs process of a request for {fmt: jpg, width: 319}: the
#                whole worker lifecycle (the source fetched into the
#                activation directory, the preview found by package raw,
#                libvips shrink-on-load and encode, the upload to a local
#                target), in a fresh process each time.
#   acs-develop  the same with raw: develop (LibRaw's dcraw_emu, half size,
#                in the cage).
#   dcraw_emu-h  dcraw_emu -h -w -o 1 -T -Z - (LibRaw half-size decode to
#                a TIFF on stdout, to /dev/null).
#   dcraw_half   LibRaw's dcraw_half sample (half-size decode, PPM file);
#                simple_dcraw has no half-size switch in LibRaw 0.20.
#   exif+vips    exiftool -b -PreviewImage FILE | vipsthumbnail stdin
#                --size 319 (the preview extracted, then shrunk).
#   acs-inplace  scripts/rawthumb: the thumbnail action's rendition function
#                on the file read in place, as the thumbnail worker reads a
#                source opened for ranged reads (no copy into an activation
#                directory, no checksum, no upload), in a fresh process.
#
#   acs-warm     the same function in a warm process (the deployed action
#                serves many activations): the mean of BENCH_WARM renditions
#                after a first one, as rawthumb -n measures it.
#
# Besides the wall time, the CPU time (user + system, children included,
# to the millisecond) is printed: on a machine shared with other work the
# wall time includes waiting for a CPU, the CPU time does not.
#
#   BENCH_RUNS=7 BENCH_SIZE=6000x4000 scripts/bench-raw.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
RUNS=${BENCH_RUNS:-7}
SIZE=${BENCH_SIZE:-6000x4000}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-raw}
mkdir -p "$DIR/out"
RAW=$DIR/full-preview-$SIZE${BENCH_LOSSLESS:+-lossless}.dng
if [[ ! -s $RAW ]]; then
  go run ./scripts/rawsample -kind dng -size "$SIZE" -preview "$SIZE" ${BENCH_LOSSLESS:+-lossless} -o "$RAW"
fi
go build -o bin/acs ./cmd/acs
cat >"$DIR/req.json" <<JSON
{"source": "$RAW", "renditions": [{"fmt": "jpg", "width": 319, "height": 319, "target": "$DIR/out/acs.jpg"}]}
JSON
cat >"$DIR/req-develop.json" <<JSON
{"source": "$RAW", "renditions": [{"fmt": "jpg", "width": 319, "height": 319, "raw": "develop", "target": "$DIR/out/develop.jpg"}]}
JSON

ms() { # prints "wall,cpu": the wall time and the CPU time (user + system, children included) of "$@" in ms
  # bash's time keyword, to the millisecond (/usr/bin/time rounds to 10 ms,
  # a sixth of the acs figure).
  local TIMEFORMAT='%3R %3U %3S'
  { time "$@" >/dev/null 2>&1; } 2>"$DIR/time.txt"
  awk '{printf "%d,%d\n", $1 * 1000, ($2 + $3) * 1000}' "$DIR/time.txt"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The shell pipelines run under bash -c, so that one command is timed.
exifvips="exiftool -b -PreviewImage '$RAW' | vipsthumbnail stdin --size 319 -o '$DIR/out/exifvips.jpg'"
dcrawhalf="cp '$RAW' '$DIR/out/half.dng' && dcraw_half '$DIR/out/half.dng'"
go build -o bin/rawthumb ./scripts/rawthumb

declare -A times
tools=(acs acs-inplace acs-develop dcraw_emu-h dcraw_half exif+vips)
for ((i = 0; i < RUNS; i++)); do
  times[acs]+="$(ms bin/acs process -f "$DIR/req.json") "
  times[acs-inplace]+="$(ms bin/rawthumb -width 319 -o "$DIR/out/inplace.jpg" "$RAW") "
  times[acs-develop]+="$(ms bin/acs process -f "$DIR/req-develop.json") "
  times[dcraw_emu-h]+="$(ms dcraw_emu -h -w -o 1 -T -Z - "$RAW") "
  times[dcraw_half]+="$(ms bash -c "$dcrawhalf") "
  times[exif+vips]+="$(ms bash -c "$exifvips") "
done
# dcraw_half's figure includes copying the file (it writes next to its
# input); the copy alone:
# A warm action: the mean per rendition, measured inside the process.
for ((i = 0; i < RUNS; i++)); do
  times[acs-warm]+="$(bin/rawthumb -n "${BENCH_WARM:-10}" -width 319 -o "$DIR/out/warm.jpg" "$RAW" | awk '/^warm:/ {print $2 "," $3}') "
done
tools+=(acs-warm)
copy=$(for ((i = 0; i < RUNS; i++)); do ms cp "$RAW" "$DIR/out/copy.dng"; done | cut -d, -f1 | median)
for f in acs.jpg inplace.jpg develop.jpg exifvips.jpg; do
  [[ -s $DIR/out/$f ]] || { echo "bench-raw: $f was not made" >&2; exit 1; }
  echo "$f: $(vipsheader "$DIR/out/$f")"
done
col() { tr ' ' '\n' <<<"${times[$1]}" | grep . | cut -d, -f"$2" | median; }
echo "file: $RAW ($(stat -c %s "$RAW") bytes); runs: $RUNS; copy of the file alone: $copy ms"
printf '%-12s %8s %8s %8s %8s %8s %8s\n' tool "wall ms" "cpu ms" "wall/acs" "cpu/acs" "wall/inp" "cpu/inp"
for k in "${tools[@]}"; do
  w=$(col "$k" 1) c=$(col "$k" 2)
  printf '%-12s %8d %8d %8.2f %8.2f %8.2f %8.2f\n' "$k" "$w" "$c" \
    "$(awk -v a="$w" -v b="$(col acs 1)" 'BEGIN {print a / b}')" "$(awk -v a="$c" -v b="$(col acs 2)" 'BEGIN {print a / b}')" \
    "$(awk -v a="$w" -v b="$(col acs-inplace 1)" 'BEGIN {print a / b}')" "$(awk -v a="$c" -v b="$(col acs-inplace 2)" 'BEGIN {print a / b}')"
done
