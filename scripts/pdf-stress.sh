#!/usr/bin/env bash
# Stress test of the PDF engines (libvips' PDF loader and the poppler text
# engine) in one `acs process`, with generated documents:
#
#   1. a plain 300-page text PDF (one Helvetica line per page) with a png
#      thumbnail and a text rendition in one request, $RUNS times (default
#      20): prints "completed N of 20", counting the runs that exit 0 with
#      both renditions created. Poppler's global state shared by the two
#      engines made this crash with SIGSEGV.
#   2. decompression bombs of about 1 MB that inflate to 1 GiB, in the
#      XMP metadata stream, in the first page's content stream, in an
#      image the page draws and in an inline image of its content stream,
#      and a 15 kB PDF whose nested forms invoke each other a million
#      times; a 200-pixel png of each, and the text and
#      metadata renditions of the metadata bomb, measured with
#      /usr/bin/time -v (peak RSS, wall seconds) next to the same png of
#      the plain document. The metadata bomb's png must be created in
#      under 5 s and 300 MB.
#
#   scripts/pdf-stress.sh            # RUNS=5 scripts/pdf-stress.sh for fewer runs
#   ACS=path/to/acs scripts/pdf-stress.sh   # measure another build (not rebuilt)
#
# Exits 1 when a run of 1 fails or the metadata bomb's png breaks its
# bounds. Needs Go, the build dependencies of bin/acs and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-20}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "pdf-stress: building bin/acs and the documents..." >&2
acs=${ACS:-bin/acs}
if [ -z "${ACS:-}" ]; then
  go build -o bin/acs ./cmd/acs
fi
go build -o "$work/genpdf" ./internal/pdftest/genpdf
"$work/genpdf" -pages 300 >"$work/doc300.pdf"
"$work/genpdf" -pages 1 >"$work/plain.pdf"
for b in metadata content image inline; do
  "$work/genpdf" -bomb "$b" -bytes $((1 << 30)) >"$work/bomb-$b.pdf"
done
"$work/genpdf" -bomb forms -fanout 1000 >"$work/bomb-forms.pdf"

# request SOURCE NAME:FMT[:WIDTH]...: writes a request to stdout.
request() {
  local src=$1 sep="" spec name fmt width
  shift
  printf '{"source": "%s", "renditions": [' "$src"
  for spec in "$@"; do
    IFS=: read -r name fmt width <<<"$spec"
    printf '%s{"name": "%s", "fmt": "%s", "target": "%s"%s}' "$sep" "$name" "$fmt" "$work/out/$name" \
      "${width:+, \"width\": $width}"
    sep=", "
  done
  printf ']}\n'
}

# created FILE: the number of rendition_created events in a result.
created() { grep -c '"type": "rendition_created"' "$1" || true; }

echo "== 300-page PDF, png + text in one request, $runs runs"
request "$work/doc300.pdf" thumb.png:png:200 fulltext.txt:text >"$work/req300.json"
ok=0
for ((i = 1; i <= runs; i++)); do
  rm -rf "$work/out" && mkdir -p "$work/out"
  rc=0
  "$acs" process -f "$work/req300.json" >"$work/res.json" 2>"$work/err.txt" || rc=$?
  n=$(created "$work/res.json")
  if [ "$rc" = 0 ] && [ "$n" = 2 ]; then
    ok=$((ok + 1))
  else
    echo "run $i: exit $rc, $n of 2 renditions created; $(grep -m1 -E 'SIG[A-Z]+|panic|fatal' "$work/err.txt" || true)"
  fi
done
echo "completed $ok of $runs"

# measure LABEL REQUEST: runs one request under /usr/bin/time -v and prints
# the peak RSS, the wall time and each rendition's status; sets rss_mb,
# secs and ncreated.
measure() {
  local label=$1 req=$2 rc=0
  rm -rf "$work/out" && mkdir -p "$work/out"
  /usr/bin/time -v "$acs" process -f "$req" >"$work/res.json" 2>"$work/time.txt" || rc=$?
  rss_mb=$(awk '/Maximum resident set size/ {printf "%d", $NF / 1024}' "$work/time.txt")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s}' "$work/time.txt")
  ncreated=$(created "$work/res.json")
  local status
  # The summary's status, reason and message of each rendition.
  status=$(sed -n '/"events"/q; p' "$work/res.json" |
    grep -o -E '"(status|errorReason)": "[A-Za-z]+"|"errorMessage": "([^"\\]|\\.)*"' |
    sed -E 's/^"[a-zA-Z]+": //' | paste -sd' ' -)
  printf '%-40s exit %d  %6s s  %5s MB  %s\n' "$label" "$rc" "$secs" "$rss_mb" "$status"
}

echo "== bombs (1 GiB inflated; forms: 1000 x 1000 invocations), 200 px png"
request "$work/plain.pdf" thumb.png:png:200 >"$work/req.json"
measure "plain 1-page PDF (baseline)" "$work/req.json"
fail=0
for b in metadata content image inline forms; do
  request "$work/bomb-$b.pdf" thumb.png:png:200 >"$work/req.json"
  measure "$b bomb ($(($(stat -c %s "$work/bomb-$b.pdf") / 1024)) kB)" "$work/req.json"
  if [ "$b" = metadata ]; then
    if [ "$ncreated" != 1 ] || [ "$rss_mb" -ge 300 ] || awk -v s="$secs" 'BEGIN {exit !(s >= 5)}'; then
      echo "  FAIL: the metadata bomb's png must be created in under 5 s and 300 MB"
      fail=1
    fi
  fi
done
echo "== metadata bomb, other renditions"
for spec in fulltext.txt:text metadata.xmp:xmp metadata.json:machine-metadata-json; do
  request "$work/bomb-metadata.pdf" "$spec" >"$work/req.json"
  measure "metadata bomb, ${spec#*:}" "$work/req.json"
done
echo "== content bomb, text"
request "$work/bomb-content.pdf" fulltext.txt:text >"$work/req.json"
measure "content bomb, text" "$work/req.json"

if [ "$ok" != "$runs" ] || [ "$fail" != 0 ]; then
  exit 1
fi
