#!/usr/bin/env bash
# bench-compose.sh - a composed request against the same renditions
# requested independently from the source, in one process and one run.
#
# The request (scripts/bench-compose/main.go): a smart square crop at 2048,
# then 1024, 512 and 256 squares from that crop, then a watermark on the
# 1024 one; independently, each of the five is a smart crop of the source
# at its size (the watermark too). The orchestrator and the built-in
# workers run in process, as in `acs process`; the composed request passes
# its intermediate outputs through a private scratch directory.
#
# Sources, made once in BENCH_DIR: a 12 MP JPEG (4000x3000, q90) from the
# sample corpus photo 2569067123_aca715a2ee_o.jpg (a seeded noise picture
# when the corpus is absent), and the same picture as a 12 MP LZW TIFF, a
# typical master file, which libvips cannot shrink while decoding as it
# does a JPEG.
#
# For each source it prints the median wall time and the median CPU time
# (user + system of the benchmark process) of one request of each form
# over BENCH_RUNS runs (alternated, after a warm-up of each), the median
# wall time per request when BENCH_CONCURRENT requests of a form run at
# once (a busy service), and the ratios independent / composed. CPU time
# is the figure that holds on a loaded machine (and is what bounds a
# worker fleet's throughput); wall time on a busy machine is noisy. The
# load average is printed with the figures.
#
#   scripts/bench-compose.sh
#   BENCH_RUNS=15 scripts/bench-compose.sh
#
# Environment: BENCH_DIR (default $TMPDIR/acs-bench-compose), BENCH_RUNS
# (default 9), BENCH_CONCURRENT (default 4), GO (default go).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-compose}
runs=${BENCH_RUNS:-9}
concurrent=${BENCH_CONCURRENT:-4}
go=${GO:-go}
photo=$root/../shared/corpus/images/2569067123_aca715a2ee_o.jpg

command -v vips >/dev/null || { echo "bench-compose: vips is not installed (Debian package libvips-tools)" >&2; exit 1; }
mkdir -p "$work"
echo "bench-compose: building scripts/bench-compose" >&2
(cd "$root" && "$go" build -o "$work/bench" ./scripts/bench-compose)

if [ ! -s "$work/photo.jpg" ]; then
	if [ -f "$photo" ]; then
		# 2725x2225 -> cover 4000x3000, centre crop.
		vips thumbnail "$photo" "$work/photo.jpg[Q=90]" 4000 --height 3000 --crop centre --size both
	else
		echo "bench-compose: $photo is missing; using a seeded noise picture" >&2
		vips perlin "$work/p.v" 4000 3000 --cell-size 256 --seed 7
		vips linear "$work/p.v" "$work/q.v" 96 128
		vips bandjoin "$work/q.v $work/q.v $work/q.v" "$work/photo.jpg[Q=90]"
		rm -f "$work/p.v" "$work/q.v"
	fi
fi
[ -s "$work/photo.tif" ] || vips copy "$work/photo.jpg" "$work/photo.tif[compression=lzw]"
if [ ! -s "$work/watermark.png" ]; then
	vips text "$work/t.v" "ACS" --dpi 600
	vips bandjoin "$work/t.v $work/t.v" "$work/watermark.png"
	rm -f "$work/t.v"
fi

echo "bench-compose: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $runs runs, $concurrent requests at once for the throughput figure"
for src in photo.jpg photo.tif; do
	echo
	echo "source $src ($(vipsheader -f width "$work/$src")x$(vipsheader -f height "$work/$src"), $(stat -c %s "$work/$src") bytes)"
	"$work/bench" -source "$work/$src" -watermark "$work/watermark.png" -runs "$runs" -concurrent "$concurrent"
done
echo
echo "bench-compose: load average after the run $(cut -d' ' -f1-3 /proc/loadavg)"
