#!/usr/bin/env bash
# bench-peers.sh - JPEG thumbnail throughput and memory of acs against the
# tools people pick for the job (sharp first), on the same files, in one run.
#
# Workloads (BENCH_WORKLOADS, default "single web png pdf"):
#   single  20 photo-like 4000x3000 JPEGs (q90, bench-photos.sh) -> one
#           JPEG q80 inside a 256x256 box each
#   web     the same 20 JPEGs -> the 5-size web profile, 2048, 1280, 640,
#           319 and 48 px boxes, JPEG q80 each
#   png     4 photo-like 6000x4000 (24 MP) PNGs -> one 256 px JPEG q80 each
#   pdf     4 copies of a 50-page PDF (text and a vector chart per page,
#           made with Ghostscript) -> its first page, 256 px JPEG q80
#
# Tools:
#   acs-j1, acs-j2       acs batch -j 1 / -j 2 --threads 1: the thumbnail
#                        worker in process, one libvips thread per image
#                        (-j 1 alone would give libvips every core)
#   sharp-1, sharp-2     sharp 0.34.5 (npm, its own libvips 8.17), one
#                        pipeline per size from the source,
#                        sharp.concurrency(1), UV_THREADPOOL_SIZE=1 / 2
#                        files in flight (scripts/bench-peers.js)
#   cascade-1, cascade-2 (web only) sharp, the best cascade a sharp user
#                        would write: the largest size from the source, each
#                        smaller one resized from the previous size's raw
#                        pixels, one decode per file
#   vipsthumbnail        Debian libvips-tools, one process, one thread
#                        (VIPS_CONCURRENCY=1), one call per size
#   convert, convert-1t  ImageMagick 6 /usr/bin/convert, one process per
#                        file (-define jpeg:size=2Wx2H -thumbnail; for web
#                        one process writing the five sizes in cascade),
#                        default threads (OpenMP, every core) and -limit
#                        thread 1 (for web only -limit thread 1, timed
#                        in one run: it takes minutes); its policy
#                        refuses PDF
#   pdftoppm             (pdf only) poppler-utils, -scale-to 256
#   djpeg                (single, web) the JPEG decode floor, Debian
#                        libjpeg-turbo-progs: -scale 1/8 for 256 px; for web
#                        a full-size decode, since 2048 px of a 4000 px
#                        image cannot use DCT scaling
#
# For each tool it prints source images per second (the median of
# BENCH_RUNS runs, default 5; the tools take turns in every run, so a change
# of load hits all of them alike; a first untimed run warms the page cache
# and measures the peak RSS), the peak resident set size of the largest
# process (GNU time's maximum resident set size: acs -j 2 and sharp-2 are
# one process doing two files at once), the mean output bytes per source,
# and the ratios of acs -j1 and -j2 to each tool. The load average is
# printed before and after.
#
# sharp is installed with npm ci from scripts/package.json and
# package-lock.json into BENCH_DIR/node (a benchmark dependency only; no
# test needs it).
#
# With BENCH_BASELINE=REV (a git revision) it also builds acs at REV and
# times it as base-j1 (acs batch -j 1 --threads 1) in the same run, for the
# before and after of a change.
#
# Environment: BENCH_DIR (default $TMPDIR/acs-bench-peers; generated files
# are kept and reused), BENCH_RUNS (default 5), BENCH_IMAGES (default 20),
# BENCH_DOCS (PNGs and PDF copies, default 4), BENCH_WORKLOADS, GO.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-peers}
runs=${BENCH_RUNS:-5}
images=${BENCH_IMAGES:-20}
docs=${BENCH_DOCS:-4}
workloads=${BENCH_WORKLOADS:-single web png pdf}
go=${GO:-go}
if ! command -v "$go" >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	go=/usr/local/go/bin/go
fi
convert=/usr/bin/convert

need() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "bench-peers: $1 is not installed (Debian package $2)" >&2
		exit 1
	fi
}
need vips libvips-tools
need vipsthumbnail libvips-tools
need djpeg libjpeg-turbo-progs
need gs ghostscript
need pdftoppm poppler-utils
need node nodejs
need npm npm
need "$go" golang
for f in "$convert" /usr/bin/time; do
	if [ ! -x "$f" ]; then
		echo "bench-peers: $f is not installed (Debian packages imagemagick, time)" >&2
		exit 1
	fi
done

mkdir -p "$work"

# sharp, pinned by the lock file.
node_dir=$work/node
if ! cmp -s "$root/scripts/package-lock.json" "$node_dir/package-lock.json" || [ ! -d "$node_dir/node_modules/sharp" ]; then
	echo "installing sharp into $node_dir" >&2
	rm -rf "$node_dir"
	mkdir -p "$node_dir"
	cp "$root/scripts/package.json" "$root/scripts/package-lock.json" "$node_dir/"
	(cd "$node_dir" && npm ci --no-audit --no-fund --ignore-scripts >&2)
fi
cp "$root/scripts/bench-peers.js" "$node_dir/"
sharp_versions=$(cd "$node_dir" && node -e "const v=require('sharp').versions; console.log('sharp ' + v.sharp + ', its libvips ' + v.vips)")

# The corpus.
. "$root/scripts/bench-photos.sh"
bench_photos "$work/src" "$images"
photos=$(ls "$work"/src/photo-*.jpg | head -n "$images")
mkdir -p "$work/png" "$work/pdf"
for i in $(seq 1 "$docs"); do
	f=$(printf '%s/png/photo24-%02d.png' "$work" "$i")
	if [ ! -s "$f" ]; then
		echo "generating $f" >&2
		bench_photo "$f.tmp.png" $((100 + i)) 6000 4000
		mv "$f.tmp.png" "$f"
	fi
done
pngs=$(ls "$work"/png/photo24-*.png | head -n "$docs")
if [ ! -s "$work/pdf/report.pdf" ]; then
	echo "generating $work/pdf/report.pdf" >&2
	cat >"$work/pdf/report.ps" <<'EOF'
%!PS
% 50 pages of a report: a title, a bar chart with a curve, 60 lines of text.
/words [(asset) (compute) (rendition) (service) (image) (quality) (pipeline) (decode)
  (thumbnail) (colour) (profile) (worker) (source) (target) (event) (metadata)] def
/seed 12345 def
/rnd { /seed seed 1103515245 mul 12345 add 2147483647 and def seed } def
1 1 50 {
  /pg exch def
  /Helvetica-Bold findfont 20 scalefont setfont
  72 740 moveto (Quarterly report, page ) show pg 3 string cvs show
  0 1 11 {
    /i exch def
    i 12 div 0.6 0.8 sethsbcolor
    90 i 36 mul add 520 28 rnd 140 mod 40 add rectfill
  } for
  0 0 0.6 setrgbcolor 2 setlinewidth
  90 540 moveto 200 700 350 480 520 660 curveto stroke
  0 setgray
  /Times-Roman findfont 10 scalefont setfont
  0 1 59 {
    /ln exch def
    72 490 ln 7.6 mul sub moveto
    0 1 11 { pop words rnd 16 mod get show ( ) show } for
  } for
  showpage
} for
EOF
	gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -sOutputFile="$work/pdf/report.pdf" "$work/pdf/report.ps"
fi
for i in $(seq 1 "$docs"); do
	ln -f "$work/pdf/report.pdf" "$(printf '%s/pdf/report-%02d.pdf' "$work" "$i")"
done
pdfs=$(ls "$work"/pdf/report-*.pdf | head -n "$docs")

echo "building acs" >&2
acs_version=$(cd "$root" && git describe --always --dirty 2>/dev/null || echo unknown)
(cd "$root" && "$go" build -o "$work/acs" ./cmd/acs)

baseline=${BENCH_BASELINE:-}
if [ -n "$baseline" ]; then
	echo "building acs at $baseline" >&2
	rm -rf "$work/base-src"
	mkdir -p "$work/base-src"
	git -C "$root" archive "$baseline" | tar -x -C "$work/base-src"
	(cd "$work/base-src" && "$go" build -o "$work/acs-base" ./cmd/acs)
	baseline=$(git -C "$root" rev-parse --short "$baseline")
fi

# profile FILE SIZE...: an acs batch profile of JPEG q80 renditions.
profile() {
	local f=$1 sep=""
	shift
	{
		printf '['
		for s in "$@"; do
			printf '%s{"name": "%s.jpg", "fmt": "jpg", "width": %s, "height": %s, "quality": 80}' "$sep" "$s" "$s" "$s"
			sep=", "
		done
		printf ']\n'
	} >"$f"
}
profile "$work/single.json" 256
profile "$work/web.json" 2048 1280 640 319 48

declare -A cmd once
declare -a order

# im_loop FILES SIZES DIR OPTIONS: ImageMagick, one process per file that
# writes every size, each made from the previous one (-write, then the next
# -thumbnail).
im_loop() {
	local ops="" prev="" s
	for s in $2; do
		if [ -z "$prev" ]; then
			ops="-thumbnail ${s}x${s} -quality 80"
		else
			ops+=" -write $3/\$b-$prev.jpg -thumbnail ${s}x${s}"
		fi
		prev=$s
	done
	echo "for f in $1; do b=\$(basename \$f); $convert $4 \$f $ops $3/\$b-$prev.jpg; done"
}

# define WORKLOAD FILES SIZES: the commands of one workload.
define() {
	local w=$1 files=$2 sizes=$3 o=$work/out/$1
	local list=${sizes// /,} max=${sizes%% *} prof=$work/single.json
	[ "$w" = web ] && prof=$work/web.json
	order=()
	cmd=()
	once=()
	add() { order+=("$1"); cmd[$1]=$2; }
	add acs-j1 "$work/acs batch --profile $prof --out $o/acs-j1 -j 1 --threads 1 $files"
	add acs-j2 "$work/acs batch --profile $prof --out $o/acs-j2 -j 2 --threads 1 $files"
	if [ -n "$baseline" ]; then
		add base-j1 "$work/acs-base batch --profile $prof --out $o/base-j1 -j 1 --threads 1 $files"
	fi
	case $w in
	pdf) ;; # sharp's prebuilt libvips has no PDF loader
	*)
		add sharp-1 "UV_THREADPOOL_SIZE=1 node $node_dir/bench-peers.js pipelines $o/sharp-1 $list $files"
		add sharp-2 "UV_THREADPOOL_SIZE=2 node $node_dir/bench-peers.js pipelines $o/sharp-2 $list $files"
		;;
	esac
	if [ "$w" = web ]; then
		add cascade-1 "UV_THREADPOOL_SIZE=1 node $node_dir/bench-peers.js cascade $o/cascade-1 $list $files"
		add cascade-2 "UV_THREADPOOL_SIZE=2 node $node_dir/bench-peers.js cascade $o/cascade-2 $list $files"
	fi
	local vt="export VIPS_CONCURRENCY=1;"
	for s in $sizes; do
		vt+=" vipsthumbnail -s $s -o '$o/vipsthumbnail/%s-$s.jpg[Q=80,strip]' $files;"
	done
	add vipsthumbnail "$vt"
	if [ "$w" != pdf ]; then
		local hint="-define jpeg:size=$((2 * max))x$((2 * max))"
		[ "$w" = png ] && hint=""
		# For web ImageMagick takes minutes per run: one process, one
		# thread, timed once (in the warm-up run).
		if [ "$w" = web ]; then
			once[convert-1t]=1
		else
			add convert "$(im_loop "$files" "$sizes" "$o/convert" "$hint")"
		fi
		add convert-1t "$(im_loop "$files" "$sizes" "$o/convert-1t" "-limit thread 1 $hint")"
	else
		add pdftoppm "for f in $files; do pdftoppm -f 1 -l 1 -scale-to 256 -jpeg -jpegopt quality=80 \$f $o/pdftoppm/\$(basename \$f); done"
	fi
	case $w in
	single) add djpeg "for f in $files; do djpeg -scale 1/8 \$f >/dev/null; done" ;;
	web) add djpeg "for f in $files; do djpeg \$f >/dev/null; done" ;;
	esac
}

# run NAME: runs the command once; fails the benchmark if it fails.
run() {
	if ! sh -c "${cmd[$1]}" >/dev/null 2>"$work/$1.err"; then
		echo "bench-peers: $1 failed:" >&2
		cat "$work/$1.err" >&2
		exit 1
	fi
}

# fresh NAME: empties the output directory of the tool.
fresh() {
	rm -rf "$work/out/$current/$1"
	mkdir -p "$work/out/$current/$1"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

declare -A result_ips result_mb
rm -f "$work/report.new"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for current in $workloads; do
	case $current in
	single) files=$(echo $photos) sizes=256 n=$images what="$images photo-like 4000x3000 JPEGs (q90) -> a 256 px JPEG q80 each" ;;
	web) files=$(echo $photos) sizes="2048 1280 640 319 48" n=$images what="$images photo-like 4000x3000 JPEGs (q90) -> 2048, 1280, 640, 319, 48 px JPEG q80 each" ;;
	png) files=$(echo $pngs) sizes=256 n=$docs what="$docs photo-like 6000x4000 (24 MP) PNGs -> a 256 px JPEG q80 each" ;;
	pdf) files=$(echo $pdfs) sizes=256 n=$docs what="$docs copies of a 50-page PDF -> its first page, 256 px JPEG q80" ;;
	*)
		echo "bench-peers: unknown workload $current" >&2
		exit 2
		;;
	esac
	define "$current" "$files" "$sizes"
	declare -A ips=() mb=() kb=() times=()
	# Warm-up run, which also measures the peak RSS and the output size.
	for name in "${order[@]}"; do
		echo "$current: warm-up and peak RSS of $name" >&2
		fresh "$name"
		start=$(date +%s%N)
		/usr/bin/time -f '%M' -o "$work/$name.rss" sh -c "${cmd[$name]}" >/dev/null 2>"$work/$name.err" || {
			echo "bench-peers: $name failed:" >&2
			cat "$work/$name.err" >&2
			exit 1
		}
		end=$(date +%s%N)
		if [ -n "${once[$name]:-}" ]; then
			times[$name]="$(((end - start) / 1000))"
		fi
		mb[$name]=$(awk 'END {printf "%.1f", $1 / 1024}' "$work/$name.rss")
		bytes=$(find "$work/out/$current/$name" -type f -name '*.jpg' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
		kb[$name]=$(awk -v b="$bytes" -v n="$n" 'BEGIN { printf "%.1f", b / n / 1024 }')
	done
	for r in $(seq 1 "$runs"); do
		for name in "${order[@]}"; do
			[ -n "${once[$name]:-}" ] && continue
			echo "$current: run $r/$runs of $name" >&2
			fresh "$name"
			start=$(date +%s%N)
			run "$name"
			end=$(date +%s%N)
			times[$name]+="$(((end - start) / 1000)) "
		done
	done
	for name in "${order[@]}"; do
		us=$(tr ' ' '\n' <<<"${times[$name]}" | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
		ips[$name]=$(awk -v n="$n" -v us="$us" 'BEGIN { printf "%.2f", n / (us / 1e6) }')
		result_ips[$current.$name]=${ips[$name]}
		result_mb[$current.$name]=${mb[$name]}
	done
	{
		echo
		echo "== $current: $what"
		printf '%-14s %9s %9s %10s %9s %9s\n' tool 'images/s' 'RSS MB' 'KB/source' 'j1 vs' 'j2 vs'
		for name in "${order[@]}"; do
			printf '%-14s %9s %9s %10s %9s %9s\n' "$name" "${ips[$name]}" "${mb[$name]}" "${kb[$name]}" \
				"$(ratio "${ips[acs-j1]}" "${ips[$name]}")" "$(ratio "${ips[acs-j2]}" "${ips[$name]}")"
		done
	} >>"$work/report.new"
	unset ips mb kb times
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
	echo "bench-peers: $(nproc) CPUs, load average $load_before before, $load_after after; BENCH_RUNS=$runs"
	[ -n "$baseline" ] && echo "base-j1: acs at $baseline"
	echo "acs $acs_version with libvips $(vips --version | sed 's/vips-//'); $sharp_versions"
	cat "$work/report.new"
	echo
	echo "targets (one thread each, same run):"
	t() { # t LABEL WORKLOAD A B [TARGET]
		local a=${result_ips[$2.$3]:-} b=${result_ips[$2.$4]:-}
		[ -n "$a" ] && [ -n "$b" ] && printf '  %-44s %s%s\n' "$1" "$(ratio "$a" "$b")" "${5:+ (target >= $5)}"
		return 0
	}
	if [ -n "$baseline" ]; then
		for w in $workloads; do
			t "$w, acs-j1 vs base-j1 ($baseline):" "$w" acs-j1 base-j1
		done
	fi
	t "single 256 px, acs-j1 vs sharp-1:" single acs-j1 sharp-1 1.15x
	t "web profile, acs-j1 vs sharp-1 (pipelines):" web acs-j1 sharp-1 1.6x
	t "web profile, acs-j1 vs cascade-1:" web acs-j1 cascade-1 1.1x
	for w in $workloads; do
		a=${result_mb[$w.acs-j1]:-} b=${result_mb[$w.sharp-1]:-}
		if [ -n "$a" ] && [ -n "$b" ]; then
			printf '  %-44s %s MB vs %s MB (target <= 1.00x: %s)\n' "peak RSS $w, acs-j1 vs sharp-1:" "$a" "$b" "$(ratio "$a" "$b")"
		fi
	done
} >"$work/report.txt"
rm -f "$work/report.new"
cat "$work/report.txt"
