#!/usr/bin/env bash
# bench-pyramid.sh - CPU time of requests that image.Pyramid serves with
# one decode of the source (whole pictures, crops, a smart crop, a
# watermark, an analysis), for this build of acs against another build
# (BENCH_BASELINE), in the same run.
#
# Requests (BENCH_WORKLOADS, default "mixed pair"), each for one of
# BENCH_IMAGES photo-like 4000x3000 JPEGs (q90, bench-photos.sh), run
# with `acs process` (one process per request, the thumbnail action in
# process, every rendition in one activation):
#   mixed  2048 and 640 px boxes, JPEG q80; a 400x400 smart crop, JPEG
#          q80; the centre 2000x1500 cut at 800 px wide, JPEG q80 and
#          WebP; a 1280 px box with a logo watermark (scale 0.25), JPEG
#          q80; an analysis (colours, hashes, quality, faces)
#   pair   a 256 px box, JPEG q80, and an analysis
#
# BENCH_BASELINE=REV (a git revision, required) builds acs at REV as
# "base". Each run times every photo's request with both builds, taking
# turns photo by photo, so a change of load hits both alike; a first
# untimed run warms the page cache. It prints, for each build, the median
# over BENCH_RUNS runs (default 5) of the mean CPU time (user + system,
# GNU time) and wall time per request, the largest peak RSS, and the
# ratios base / this build; the load average before and after.
#
# Environment: BENCH_DIR (default $TMPDIR/acs-bench-pyramid; generated
# photos are kept and reused), BENCH_RUNS, BENCH_IMAGES (default 6),
# BENCH_WORKLOADS, GO.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-pyramid}
runs=${BENCH_RUNS:-5}
images=${BENCH_IMAGES:-6}
workloads=${BENCH_WORKLOADS:-mixed pair}
baseline=${BENCH_BASELINE:-}
go=${GO:-go}
if ! command -v "$go" >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	go=/usr/local/go/bin/go
fi
if [ -z "$baseline" ]; then
	echo "bench-pyramid: set BENCH_BASELINE to the git revision to compare with" >&2
	exit 2
fi
for f in /usr/bin/time "$(command -v vips || true)"; do
	if [ ! -x "$f" ]; then
		echo "bench-pyramid: needs GNU time and vips (Debian packages time, libvips-tools)" >&2
		exit 1
	fi
done
mkdir -p "$work"

. "$root/scripts/bench-photos.sh"
bench_photos "$work/src" "$images"
photos=$(ls "$work"/src/photo-*.jpg | head -n "$images")
if [ ! -s "$work/logo.png" ]; then
	vips black "$work/logo.v" 300 150 --bands 4
	vips linear "$work/logo.v" "$work/logo.png" "0 0 255 200" "40 40 40 200" --uchar
	rm -f "$work/logo.v"
fi

echo "building acs" >&2
current=$(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown)
(cd "$root" && "$go" build -o "$work/acs-new" ./cmd/acs)
echo "building acs at $baseline" >&2
rm -rf "$work/base-src"
mkdir -p "$work/base-src"
git -C "$root" archive "$baseline" | tar -x -C "$work/base-src"
(cd "$work/base-src" && "$go" build -o "$work/acs-base" ./cmd/acs)
baseline=$(git -C "$root" rev-parse --short "$baseline")

# request WORKLOAD PHOTO BUILD: the request JSON for PHOTO, targets
# under out/BUILD/WORKLOAD/<photo>/.
request() {
	local w=$1 p=$2 b=$3 o
	o=$work/out/$b/$w/$(basename "$p" .jpg)
	mkdir -p "$o"
	case $w in
	mixed)
		cat <<EOF
{"source": "$p", "renditions": [
 {"name": "2048.jpg", "fmt": "jpg", "width": 2048, "height": 2048, "quality": 80, "target": "$o/2048.jpg"},
 {"name": "640.jpg", "fmt": "jpg", "width": 640, "height": 640, "quality": 80, "target": "$o/640.jpg"},
 {"name": "square.jpg", "fmt": "jpg", "width": 400, "height": 400, "crop": "smart", "quality": 80, "target": "$o/square.jpg"},
 {"name": "crop.jpg", "fmt": "jpg", "width": 800, "crop": {"x": 1000, "y": 750, "w": 2000, "h": 1500}, "quality": 80, "target": "$o/crop.jpg"},
 {"name": "crop.webp", "fmt": "webp", "width": 800, "crop": {"x": 1000, "y": 750, "w": 2000, "h": 1500}, "target": "$o/crop.webp"},
 {"name": "marked.jpg", "fmt": "jpg", "width": 1280, "height": 1280, "watermark": {"image": "$work/logo.png", "scale": 0.25}, "quality": 80, "target": "$o/marked.jpg"},
 {"name": "analysis.json", "fmt": "analysis", "target": "$o/analysis.json"}
]}
EOF
		;;
	pair)
		cat <<EOF
{"source": "$p", "renditions": [
 {"name": "256.jpg", "fmt": "jpg", "width": 256, "height": 256, "quality": 80, "target": "$o/256.jpg"},
 {"name": "analysis.json", "fmt": "analysis", "target": "$o/analysis.json"}
]}
EOF
		;;
	*)
		echo "bench-pyramid: unknown workload $w" >&2
		exit 2
		;;
	esac
}

# once WORKLOAD BUILD PHOTO: runs one request, appends "cpu wall rss" to
# $work/times-BUILD; fails when a rendition was not created.
once() {
	local w=$1 b=$2 p=$3 req
	req=$work/req-$w-$b-$(basename "$p" .jpg).json
	[ -s "$req" ] || request "$w" "$p" "$b" >"$req"
	if ! /usr/bin/time -f "%U %S %e %M" -o "$work/time.tmp" "$work/acs-$b" process -f "$req" >"$work/result.json"; then
		echo "bench-pyramid: acs ($b) did not create every rendition of $p ($w); see $work/result.json" >&2
		exit 1
	fi
	awk '{printf "%.3f %.3f %d\n", $1 + $2, $3, $4}' "$work/time.tmp" >>"$work/times-$b"
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

rm -f "$work"/req-*.json
echo "bench-pyramid: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) before; BENCH_RUNS=$runs"
declare -A cpu wall rss
for w in $workloads; do
	echo "warming up ($w)" >&2
	for p in $photos; do
		once "$w" base "$p"
		once "$w" new "$p"
	done
	rm -f "$work"/times-* "$work"/run-*
	for r in $(seq 1 "$runs"); do
		echo "$w: run $r of $runs" >&2
		for p in $photos; do
			once "$w" base "$p"
			once "$w" new "$p"
		done
		for b in base new; do
			# The run's mean CPU and wall time per request, largest RSS.
			awk -v n="$images" '{c += $1; w += $2; if ($3 > m) m = $3} END {printf "%.3f %.3f %d\n", c / n, w / n, m}' "$work/times-$b" >>"$work/run-$b"
			rm -f "$work/times-$b"
		done
	done
	for b in base new; do
		cpu[$b]=$(cut -d' ' -f1 "$work/run-$b" | median)
		wall[$b]=$(cut -d' ' -f2 "$work/run-$b" | median)
		rss[$b]=$(cut -d' ' -f3 "$work/run-$b" | sort -n | tail -1)
	done
	echo
	echo "== $w: one request per 4000x3000 JPEG, $images photos, median of $runs runs"
	printf '%-28s %12s %12s %14s\n' build "CPU s/req" "wall s/req" "peak RSS MB"
	printf '%-28s %12s %12s %14s\n' "base ($baseline)" "${cpu[base]}" "${wall[base]}" "$((rss[base] / 1024))"
	printf '%-28s %12s %12s %14s\n' "this build ($current)" "${cpu[new]}" "${wall[new]}" "$((rss[new] / 1024))"
	awk -v a="${cpu[base]}" -v b="${cpu[new]}" -v c="${wall[base]}" -v d="${wall[new]}" \
		'BEGIN {printf "CPU time base / this build: %.2fx; wall time: %.2fx\n", a / b, c / d}'
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
