#!/usr/bin/env bash
# Renders the sample assets in examples/samples/ on this machine, with no
# cloud and no cluster: for each sample, `acs process` runs the request in
# examples/demo-request.json (its source and targets filled in) and writes
# the renditions under out/<sample>/.
set -euo pipefail
cd "$(dirname "$0")/.."

acs=bin/acs
out=${OUT:-out}
mkdir -p "$out"
status=0
for src in examples/samples/*; do
  base=$(basename "$src")
  dir="$out/$base"
  rm -rf "$dir"
  mkdir -p "$dir"
  sed -e "s|@SOURCE@|$src|g" -e "s|@OUT@|$dir|g" examples/demo-request.json >"$dir/request.json"
  if "$acs" process -f "$dir/request.json" >"$dir/result.json"; then
    echo "demo: $src -> $dir/ ($(ls "$dir" | grep -v -e request.json -e result.json | tr '\n' ' '))"
  else
    status=$?
    echo "demo: $src: some renditions failed (exit $status), see $dir/result.json" >&2
  fi
done
echo "demo: renditions are in $out/; each folder's result.json holds the events"
exit $status
