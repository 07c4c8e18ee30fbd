#!/usr/bin/env bash
# Time metadata extraction: this project (pkg/meta/internal/metatool) against
# exiftool over the files of DIR, in two modes:
#   batch:    one process for all files (metatool extract DIR vs exiftool -j DIR)
#   per file: one process per file (as a worker that shells out would do)
#   in-process per file: the total time of Extract over the files inside one
#             running process (what the metadata action pays per file),
#             against one exiftool process per file
#   warm:     the same in-process time against exiftool kept running
#             (-stay_open True, one -execute per file)
# and print the ratios. Each timing is the best of RUNS runs (default 3).
#
#   scripts/bench-metadata.sh DIR
#   scripts/bench-metadata.sh --generated   # the generated sample set (as compare-exiftool.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
exiftool=${EXIFTOOL:-/usr/bin/exiftool}
runs=${RUNS:-3}
[ -x "$exiftool" ] || { echo "exiftool not found at $exiftool" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Built as the actions are (scripts/build-actions.sh): stripped, which also
# makes each process start a little faster.
go build -trimpath -ldflags "-s -w" -o "$tmp/metatool" ./pkg/meta/internal/metatool
dir=${1:?usage: scripts/bench-metadata.sh DIR | --generated}
if [ "$dir" = --generated ]; then
	corpus=../shared/corpus/images
	[ -d "$corpus" ] || corpus=
	"$tmp/metatool" gen "$tmp/generated" $corpus
	dir=$tmp/generated
fi
mapfile -t files < <(find "$dir" -type f | sort)
echo "== $1: ${#files[@]} files, best of $runs runs"

now() { date +%s%N; }
# best CMD...: the best wall time in milliseconds of $runs runs.
best() {
	local b=0 t0 t
	for ((i = 0; i < runs; i++)); do
		t0=$(now)
		"$@" >/dev/null 2>&1 || true
		t=$((($(now) - t0) / 1000))
		if ((b == 0 || t < b)); then b=$t; fi
	done
	echo "$b"
}
perfile_ours() { for f in "${files[@]}"; do "$tmp/metatool" extract "$f"; done; }
# The floor of the per-file mode for any Go program on this machine: an empty
# Go program (built the same way), started once per file.
mkdir -p "$tmp/empty"
printf 'package main\n\nfunc main() {}\n' >"$tmp/empty/main.go"
(cd "$tmp/empty" && GOFLAGS= go build -trimpath -ldflags "-s -w" -o "$tmp/empty-go" main.go)
perfile_empty() { for f in "${files[@]}"; do "$tmp/empty-go" "$f"; done; }
perfile_exiftool() { for f in "${files[@]}"; do "$exiftool" -j "$f"; done; }
# exiftool kept running (-stay_open), one -execute per file: its warm
# per-file cost, plus one start-up.
for f in "${files[@]}"; do printf -- '-j\n%s\n-execute\n' "$f"; done >"$tmp/stay_open.args"
printf -- '-stay_open\nFalse\n' >>"$tmp/stay_open.args"
warm_exiftool() { "$exiftool" -stay_open True -@ "$tmp/stay_open.args"; }

ours_batch=$(best "$tmp/metatool" extract "$dir")
exif_batch=$(best "$exiftool" -j -r "$dir")
ours_each=$(best perfile_ours)
ours_inproc=$("$tmp/metatool" time "$dir")
exif_each=$(best perfile_exiftool)
empty_each=$(best perfile_empty)
exif_warm=$(best warm_exiftool)
ms() { awk -v us="$1" 'BEGIN { printf "%9.1f ms", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) b = 1; printf "%.1fx", a / b }'; }
printf "%-10s %-14s %-14s %s\n" mode acs exiftool "speed-up"
printf "%-10s %-14s %-14s %s\n" batch "$(ms "$ours_batch")" "$(ms "$exif_batch")" "$(ratio "$exif_batch" "$ours_batch")"
printf "%-10s %-14s %-14s %s\n" per-file "$(ms "$ours_each")" "$(ms "$exif_each")" "$(ratio "$exif_each" "$ours_each")"
printf "%-10s %-14s %-14s %s\n" in-process "$(ms "$ours_inproc")" "$(ms "$exif_each")" "$(ratio "$exif_each" "$ours_inproc")"
printf "%-10s %-14s %-14s %s\n" warm "$(ms "$ours_inproc")" "$(ms "$exif_warm")" "$(ratio "$exif_warm" "$ours_inproc")"
printf "%-10s %-14s %-14s %s\n" empty-Go "$(ms "$empty_each")" "$(ms "$exif_each")" "$(ratio "$exif_each" "$empty_each")"
echo "(per-file starts a process per file: empty-Go is an empty Go program started as often, the"
echo " floor of that mode for any Go program here; in-process is what the metadata action pays per"
echo " file, inside its running worker; warm compares it with exiftool kept running, -stay_open)"
