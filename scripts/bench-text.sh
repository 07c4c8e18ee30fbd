#!/usr/bin/env bash
# Speed of the full-text engine (pkg/text) against its peers, on the test
# set of scripts/compare-text.sh (8 scripts x PDF, DOCX, ODT), in one run:
#   PDF        this project vs pdftotext, one process per file for both
#   DOCX, ODT  this project vs LibreOffice's txt conversion, one process for
#              the whole folder for both (LibreOffice's start-up included:
#              that is what a conversion costs)
# Each measurement is the best of $RUNS runs. Prints the times and the
# ratios. Targets (issue 5): PDF no slower than 1.5x pdftotext; DOCX and ODT
# at least 10x faster than LibreOffice.
#
#   scripts/bench-text.sh [--set DIR]
#
# Needs what scripts/compare-text.sh needs.
set -euo pipefail
cd "$(dirname "$0")/.."
soffice=/usr/bin/soffice
pdftotext=/usr/bin/pdftotext
runs=${RUNS:-5}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ "${1:-}" = "--set" ]; then
  set_dir="$(realpath "$2")"
else
  echo "bench-text: building the test set with LibreOffice..." >&2
  set_dir="$work/set"
  scripts/compare-text.sh --build-only "$set_dir"
fi
go build -o "$work/texttool" ./pkg/text/internal/cmd/texttool
tool="$work/texttool"
profile="file://$work/lo-profile"
# Warm LibreOffice's profile once so that its first-start cost is not timed.
"$soffice" -env:UserInstallation="$profile" --headless --terminate_after_init >/dev/null 2>&1 || true

# best CMD...: the best wall time of $runs runs, in seconds.
best() {
  local b="" t0 t1 d
  for ((i = 0; i < runs; i++)); do
    rm -rf "$work/out" && mkdir -p "$work/out"
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1
    t1=$EPOCHREALTIME
    d=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')
    if [ -z "$b" ] || awk -v d="$d" -v b="$b" 'BEGIN { exit !(d < b) }'; then b=$d; fi
  done
  echo "$b"
}

ours_pdf() { for f in "$set_dir"/pdf/*.pdf; do "$tool" extract -o "$work/out" "$f"; done; }
peer_pdf() { for f in "$set_dir"/pdf/*.pdf; do "$pdftotext" -enc UTF-8 "$f" "$work/out/$(basename "$f" .pdf).txt"; done; }
ours_batch() { "$tool" extract -o "$work/out" "$set_dir/$1"/*."$1"; }
peer_batch() { "$soffice" -env:UserInstallation="$profile" --headless --convert-to "txt:Text (encoded):UTF8" --outdir "$work/out" "$set_dir/$1"/*."$1"; }

pages=0
for f in "$set_dir"/pdf/*.pdf; do pages=$((pages + $("$tool" extract -v "$f" 2>&1 >/dev/null | sed -n 's/.*Pages:\([0-9]*\).*/\1/p'))); done
echo "test set: $(ls "$set_dir"/pdf | wc -l) PDFs ($pages pages), $(ls "$set_dir"/docx | wc -l) DOCX, $(ls "$set_dir"/odt | wc -l) ODT; best of $runs runs"
printf '%-6s %14s %14s %-16s %10s  %s\n' format "this project" "peer" "(peer)" "ratio" "target"
status=0
o=$(best ours_pdf); p=$(best peer_pdf)
r=$(awk -v o="$o" -v p="$p" 'BEGIN { printf "%.2f", o / p }')
v=$(awk -v r="$r" 'BEGIN { print (r <= 1.5) ? "ok (<= 1.5x pdftotext time)" : "MISS (> 1.5x pdftotext time)" }')
[[ $v == ok* ]] || status=1
printf '%-6s %13ss %13ss %-16s %9sx  %s\n' pdf "$o" "$p" "(pdftotext)" "$r" "$v"
for fmt in docx odt; do
  o=$(best ours_batch "$fmt"); p=$(best peer_batch "$fmt")
  r=$(awk -v o="$o" -v p="$p" 'BEGIN { printf "%.1f", p / o }')
  v=$(awk -v r="$r" 'BEGIN { print (r >= 10) ? "ok (>= 10x faster)" : "MISS (< 10x faster)" }')
  [[ $v == ok* ]] || status=1
  printf '%-6s %13ss %13ss %-16s %8sx faster  %s\n' "$fmt" "$o" "$p" "(LibreOffice)" "$r" "$v"
done
exit $status
