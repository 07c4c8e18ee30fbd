#!/usr/bin/env bash
# bench-office.sh - the first-page preview of Office documents, as the
# office action makes it (319 px PNG), against LibreOffice and pdftoppm
# alone, cold and warm, in the same run.
#
# Documents (made once under BENCH_DIR): examples/samples/report.docx
# (2 pages), a 60-page DOCX made by LibreOffice from HTML (text and
# tables), and the 2-slide PPTX of test/cases/office. Each row gives, over
# BENCH_RUNS runs (the tools alternating), the median and the least wall
# time in ms, and the median CPU time (user + system, children included,
# and for the listener row the CPU the listener used meanwhile): on a
# machine shared with other work the CPU time is the steadier figure.
#   bare-cold   soffice --headless --convert-to pdf with a new profile
#               (-env:UserInstallation of an empty directory), then
#               pdftoppm -png -f 1 -l 1 -scale-to 319: what a fresh
#               container pays.
#   bare-warm   the same with a profile LibreOffice has already made.
#   listener    a soffice kept running with that profile (the "warm
#               LibreOffice" option): a second soffice hands it the
#               conversion over its pipe and waits for it; then pdftoppm.
#   acs-cold    acs process of {fmt: png, width: 319}, a fresh process:
#               the whole worker lifecycle, LibreOffice caged with a new
#               profile exporting page 1 only, libvips.
#   acs-warm    the same in a process that has converted a document
#               before (acs batch -j 1: (time of 1+N copies - time of 1)
#               / N).
#
#   BENCH_RUNS=5 scripts/bench-office.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
RUNS=${BENCH_RUNS:-5}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-office}
for t in soffice pdftoppm; do
  command -v $t >/dev/null || { echo "bench-office: $t is needed (scripts/install-deps.sh)" >&2; exit 1; }
done
rm -rf "$DIR/out" "$DIR/fresh" "$DIR/batch"
mkdir -p "$DIR/out" "$DIR/fresh" "$DIR/docs"
go build -o bin/acs ./cmd/acs

cp examples/samples/report.docx "$DIR/docs/report.docx"
cp test/cases/office/pptx-second-slide/file.pptx "$DIR/docs/slides.pptx"
if [[ ! -s $DIR/docs/long.docx ]]; then
  {
    echo '<html><body>'
    for ((p = 1; p <= 60; p++)); do
      echo "<h1 style=\"page-break-before:always\">Chapter $p</h1>"
      for ((k = 0; k < 6; k++)); do
        echo "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.</p>"
      done
      echo '<table border="1"><tr><th>Item</th><th>Count</th><th>Price</th></tr><tr><td>apples</td><td>12</td><td>3.50</td></tr><tr><td>pears</td><td>7</td><td>2.10</td></tr></table>'
    done
    echo '</body></html>'
  } >"$DIR/long.html"
  soffice --headless -env:UserInstallation="file://$DIR/gen-profile" --convert-to 'docx:MS Word 2007 XML' --outdir "$DIR/docs" "$DIR/long.html" >/dev/null 2>&1
  rm -rf "$DIR/gen-profile"
fi
docs=(report.docx long.docx slides.pptx)

# A profile LibreOffice has made, for bare-warm and the listener.
WARM=$DIR/warm-profile
if [[ ! -d $WARM ]]; then
  soffice --headless -env:UserInstallation="file://$WARM" --terminate_after_init >/dev/null 2>&1
fi
LISTEN=$DIR/listen-profile
rm -rf "$LISTEN"
cp -r "$WARM" "$LISTEN"
# In a session (and process group) of its own, killed as a whole on exit.
setsid soffice --headless --norestore -env:UserInstallation="file://$LISTEN" --accept='pipe,name=acsbench;urp;' >/dev/null 2>&1 &
listener=$!
trap 'kill -- -$listener 2>/dev/null || true' EXIT
for ((i = 0; i < 100; i++)); do
  pgrep -f "UserInstallation=file://$LISTEN" >/dev/null && break
  sleep 0.1
done
sleep 2 # its start-up, before the first forwarded conversion

# run CMD...: prints "wall-ms cpu-ms" of the command (its CPU time is its
# user and system time and its children's, from /usr/bin/time), plus the
# CPU time the listener's process group used meanwhile.
run() {
  local s e l0 l1 cpu
  l0=$(group_ticks)
  s=$(date +%s%N)
  cpu=$(/usr/bin/time -f '%U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%d", ($1 + $2) * 1000}')
  e=$(date +%s%N)
  l1=$(group_ticks)
  echo "$(((e - s) / 1000000)) $((cpu + (l1 - l0) * 1000 / $(getconf CLK_TCK)))"
}
# group_ticks: user + system clock ticks of the listener's process group.
group_ticks() {
  local t=0 pid
  for pid in $(pgrep -g "$listener"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo $t
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minimum() { sort -n | head -1; }
bare() { # profile doc
  local base
  base=$(basename "${2%.*}")
  soffice --headless -env:UserInstallation="file://$1" --convert-to pdf --outdir "$DIR/out" "$2" &&
    pdftoppm -png -f 1 -l 1 -scale-to 319 "$DIR/out/$base.pdf" "$DIR/out/$base-bare"
}
fresh() { # doc; a new profile each time
  local p
  p=$(mktemp -d "$DIR/fresh/p-XXXX")
  bare "$p" "$1"
  rm -rf "$p"
}
export -f bare fresh
export DIR

printf '%-12s %-10s %9s %9s %9s %8s\n' doc tool wall-med wall-min cpu-med "cpu/bare"
for doc in "${docs[@]}"; do
  src=$DIR/docs/$doc
  cat >"$DIR/req.json" <<JSON
{"source": "$src", "renditions": [{"fmt": "png", "width": 319, "target": "$DIR/out/acs.png"}]}
JSON
  declare -A wall=() cpu=()
  for ((i = 0; i < RUNS; i++)); do
    for tool in bare-cold bare-warm listener acs-cold; do
      case $tool in
        bare-cold) r=$(run bash -c 'fresh "$0"' "$src") ;;
        bare-warm) r=$(run bash -c 'bare "$0" "$1"' "$WARM" "$src") ;;
        listener) r=$(run bash -c 'bare "$0" "$1"' "$LISTEN" "$src") ;;
        acs-cold) r=$(run bin/acs process -f "$DIR/req.json") ;;
      esac
      wall[$tool]+="${r% *} "
      cpu[$tool]+="${r#* } "
    done
  done
  # acs-warm: one process converting 1 + N copies, less one converting 1.
  n=$RUNS
  rm -rf "$DIR/batch"
  mkdir -p "$DIR/batch/one" "$DIR/batch/many"
  ext=${doc##*.}
  cp "$src" "$DIR/batch/one/d0.$ext"
  for ((k = 0; k <= n; k++)); do cp "$src" "$DIR/batch/many/d$k.$ext"; done
  echo '[{"name": "t.png", "fmt": "png", "width": 319}]' >"$DIR/batch/profile.json"
  one=$(run bin/acs batch -j 1 --profile "$DIR/batch/profile.json" --out "$DIR/batch/out1" "$DIR"/batch/one/*)
  many=$(run bin/acs batch -j 1 --profile "$DIR/batch/profile.json" --out "$DIR/batch/outn" "$DIR"/batch/many/*)
  wall[acs-warm]="$(((${many% *} - ${one% *}) / n)) "
  cpu[acs-warm]="$(((${many#* } - ${one#* }) / n)) "
  bc=$(tr ' ' '\n' <<<"${cpu[bare-cold]}" | grep . | median)
  for k in bare-cold bare-warm listener acs-cold acs-warm; do
    wm=$(tr ' ' '\n' <<<"${wall[$k]}" | grep . | median)
    wn=$(tr ' ' '\n' <<<"${wall[$k]}" | grep . | minimum)
    cm=$(tr ' ' '\n' <<<"${cpu[$k]}" | grep . | median)
    printf '%-12s %-10s %9d %9d %9d %8.2f\n' "$doc" "$k" "$wm" "$wn" "$cm" "$(awk -v a="$cm" -v b="$bc" 'BEGIN {print a / b}')"
  done
  unset wall cpu
done
