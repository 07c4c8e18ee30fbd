#!/usr/bin/env bash
# bench-thumbnail.sh - thumbnail throughput and memory of this project's image
# engine against its peers, on the same files in one run.
#
# It generates (deterministically, with libvips' seeded noise generators) 20
# photo-like 4000x3000 JPEGs at quality 90, then times, on those files:
#
#   acs batch -j 1 / -j 2   this project: the thumbnail worker in process,
#                           a 256x256 jpg rendition of each file
#   vipsthumbnail -s 256    libvips' own command (Debian libvips-tools)
#   convert                 ImageMagick, /usr/bin/convert -define
#                           jpeg:size=512x512 -thumbnail 256x256 (Debian
#                           imagemagick), one process per file, with its
#                           default threads (OpenMP: every core)
#   convert-1t              the same with -limit thread 1 (one core)
#   djpeg -scale 1/8        the JPEG decode floor (Debian
#                           libjpeg-turbo-progs), one process per file
#
# and prints images per second, the peak resident set size of the largest
# process (GNU time's %M; acs -j 2 is one process holding both workers) and
# the ratios of acs to each peer. Timing uses hyperfine when it is installed
# (mean of BENCH_RUNS runs after a warm-up), else the median of BENCH_RUNS
# runs.
#
# Environment: BENCH_DIR (work directory, default $TMPDIR/acs-bench-thumbnail;
# the generated files are kept there and reused), BENCH_IMAGES (default 20),
# BENCH_RUNS (default 5), GO (default go).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-thumbnail}
images=${BENCH_IMAGES:-20}
runs=${BENCH_RUNS:-5}
go=${GO:-go}
convert=/usr/bin/convert

need() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "bench-thumbnail: $1 is not installed (Debian package $2)" >&2
		exit 1
	fi
}
need vips libvips-tools
need vipsthumbnail libvips-tools
need djpeg libjpeg-turbo-progs
need "$go" golang
if [ ! -x "$convert" ]; then
	echo "bench-thumbnail: $convert is not installed (Debian package imagemagick)" >&2
	exit 1
fi
if [ ! -x /usr/bin/time ]; then
	echo "bench-thumbnail: /usr/bin/time is not installed (Debian package time)" >&2
	exit 1
fi

# The photo-like corpus (bench-photos.sh): 4000x3000 JPEGs at quality 90.
. "$root/scripts/bench-photos.sh"
bench_photos "$work/src" "$images"
files=$(ls "$work"/src/photo-*.jpg | head -n "$images")

echo "building acs" >&2
(cd "$root" && "$go" build -o "$work/acs" ./cmd/acs)
cat >"$work/profile.json" <<'EOF'
[{"name": "thumb.jpg", "fmt": "jpg", "width": 256, "height": 256}]
EOF

rm -rf "$work/out"
mkdir -p "$work/out/vips" "$work/out/im"
declare -A cmd
cmd[acs-j1]="$work/acs batch --profile $work/profile.json --out $work/out/acs1 -j 1 $(echo $files)"
cmd[acs-j2]="$work/acs batch --profile $work/profile.json --out $work/out/acs2 -j 2 $(echo $files)"
cmd[vipsthumbnail]="vipsthumbnail -s 256 -o $work/out/vips/%s.jpg $(echo $files)"
cmd[convert]="for f in $(echo $files); do $convert -define jpeg:size=512x512 \$f -thumbnail 256x256 $work/out/im/\$(basename \$f); done"
cmd[convert-1t]="for f in $(echo $files); do $convert -limit thread 1 -define jpeg:size=512x512 \$f -thumbnail 256x256 $work/out/im/\$(basename \$f); done"
cmd[djpeg]="for f in $(echo $files); do djpeg -scale 1/8 \$f >/dev/null; done"
order="acs-j1 acs-j2 vipsthumbnail convert convert-1t djpeg"

# seconds NAME: the wall time of one run of the command, in seconds.
seconds() {
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine --style none --warmup 1 --runs "$runs" --export-json "$work/$1.json" "${cmd[$1]}" >/dev/null 2>&1
		sed -n 's/.*"mean": *\([0-9.e+-]*\).*/\1/p' "$work/$1.json" | head -n 1
	else
		for _ in $(seq 1 "$runs"); do
			local start end
			start=$(date +%s.%N)
			sh -c "${cmd[$1]}" >/dev/null 2>&1
			end=$(date +%s.%N)
			awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
		done | sort -n | sed -n "$(((runs + 1) / 2))p"
	fi
}

# rss NAME: the peak resident set size of the largest process, in MB.
rss() {
	/usr/bin/time -f '%M' -o "$work/$1.rss" sh -c "${cmd[$1]}" >/dev/null 2>&1
	awk '{printf "%.1f", $1 / 1024}' "$work/$1.rss"
}

declare -A ips mb
for name in $order; do
	echo "timing $name" >&2
	s=$(seconds "$name")
	ips[$name]=$(awk -v n="$images" -v s="$s" 'BEGIN { printf "%.1f", n / s }')
	mb[$name]=$(rss "$name")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

echo
echo "$images photo-like 4000x3000 JPEGs (q90) -> 256x256 JPEG thumbnails, $(nproc) CPUs, libvips $(vips --version | sed 's/vips-//')"
echo
printf '%-16s %10s %14s %16s %16s\n' tool 'images/s' 'peak RSS (MB)' 'acs -j1 vs tool' 'acs -j2 vs tool'
for name in $order; do
	printf '%-16s %10s %14s %16s %16s\n' "$name" "${ips[$name]}" "${mb[$name]}" \
		"$(ratio "${ips[acs-j1]}" "${ips[$name]}")" "$(ratio "${ips[acs-j2]}" "${ips[$name]}")"
done
echo
echo "throughput vs vipsthumbnail:  -j1 $(ratio "${ips[acs-j1]}" "${ips[vipsthumbnail]}") (target >= 1.0x), -j2 $(ratio "${ips[acs-j2]}" "${ips[vipsthumbnail]}") (target >= 1.8x)"
echo "throughput vs ImageMagick (target >= 4x):"
echo "  two workers (acs -j2 vs convert):                  $(ratio "${ips[acs-j2]}" "${ips[convert]}")"
echo "  one worker  (acs -j1 vs convert):                  $(ratio "${ips[acs-j1]}" "${ips[convert]}")"
echo "  one worker  (acs -j1 vs convert -limit thread 1):  $(ratio "${ips[acs-j1]}" "${ips[convert-1t]}")"
echo "  (4x convert with one worker would be $(awk -v c="${ips[convert]}" 'BEGIN { printf "%.1f", 4 * c }') images/s; decoding alone, djpeg -scale 1/8, is ${ips[djpeg]} images/s)"
per_worker=$(awk -v m="${mb[acs-j2]}" 'BEGIN { printf "%.1f", m / 2 }')
echo "peak RSS per worker vs vipsthumbnail: -j1 $(ratio "${mb[acs-j1]}" "${mb[vipsthumbnail]}"), -j2 ${per_worker} MB = $(ratio "$per_worker" "${mb[vipsthumbnail]}") (target <= 1.5x)"
