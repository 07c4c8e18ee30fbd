#!/usr/bin/env bash
# bench-analysis.sh - the analysis rendition of a 12-megapixel JPEG against
# one 256 px thumbnail of it, in the same run.
#
# It runs BenchmarkAnalysisOf12MPJPEG (pkg/builtin/analysis_bench_test.go):
# a generated 4000x3000 JPEG at quality 90, each rendition through the
# thumbnail action's handler (fetch, decode with shrink-on-load, encode or
# analyse, write):
#
#   thumbnail-256            fmt png, width and height 256
#   analysis                 fmt analysis, every feature (colours, hashes,
#                            quality, faces, ...)
#   analysis-without-faces   colours, hashes and quality
#   analysis-faces-only      faces
#
# BENCH_COUNT times (default 5) BENCH_N iterations each (default 20), and
# prints the median time per rendition of each, and the ratio of each
# analysis to the thumbnail (the target for every feature is at most 1.5);
# the same for the CPU time (user and system, every thread), which moves
# less with the machine's load than the wall time.
# The machine's load average is printed too: on a shared machine the figures
# move with it.
#
# Environment: BENCH_COUNT, BENCH_N, GO (default go).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
count=${BENCH_COUNT:-5}
n=${BENCH_N:-20}
go=${GO:-go}

cd "$root"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
out=$("$go" test -run '^$' -bench 'AnalysisOf12MPJPEG' -benchtime "${n}x" -count "$count" ./pkg/builtin/)
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$out" | awk -v count="$count" -v n="$n" '
/^BenchmarkAnalysisOf12MPJPEG\// {
	name = $1
	sub(/^BenchmarkAnalysisOf12MPJPEG\//, "", name)
	sub(/-[0-9]+$/, "", name)
	if (!(name in seen)) { order[++k] = name; seen[name] = 1 }
	v[name, ++c[name]] = $3 / 1e6
	for (f = 4; f < NF; f++) if ($(f + 1) == "cpu-ms/op") u[name, c[name]] = $f
}
function median(name, cpu,   i, j, t, m, a) {
	m = c[name]
	for (i = 1; i <= m; i++) a[i] = cpu ? u[name, i] : v[name, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return a[int((m + 1) / 2)]
}
END {
	if (!("thumbnail-256" in seen)) { print "bench-analysis: no thumbnail-256 figure" > "/dev/stderr"; exit 1 }
	base = median("thumbnail-256", 0)
	cbase = median("thumbnail-256", 1)
	printf "\n12 MP JPEG (4000x3000, q90), median of %d runs of %d renditions each\n\n", count, n
	printf "| rendition | ms per rendition | ratio to thumbnail-256 | CPU ms per rendition | CPU ratio |\n|---|---:|---:|---:|---:|\n"
	for (i = 1; i <= k; i++) {
		m = median(order[i], 0)
		cm = median(order[i], 1)
		printf "| %s | %.1f | %.2f | %.1f | %.2f |\n", order[i], m, m / base, cm, cm / cbase
	}
}'
