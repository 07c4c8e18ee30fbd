#!/usr/bin/env bash
# Renders the sample assets in examples/samples/ on this machine, with no
# cloud and no cluster: for each sample, `acs process` runs a request (its
# source and targets filled in) and writes the renditions under
# out/<sample>/. Images get examples/demo-request.json (thumbnails and
# metadata); documents get examples/demo-document-request.json (full text
# and metadata), plus a first-page thumbnail for PDFs; videos get
# examples/demo-video-request.json (poster frames, a storyboard, an
# animated preview, an mp4 preview clip, the subtitle text and the metadata).
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
  case "$base" in
    *.pdf)
      # A PDF gets both: the document renditions and a first-page thumbnail.
      with_thumbnail=$(sed -e 's|"renditions": \[|"renditions": [\n    {"name": "page1-319.png", "fmt": "png", "width": 319, "height": 319, "target": "@OUT@/page1-319.png"},|' examples/demo-document-request.json)
      printf '%s\n' "$with_thumbnail" | sed -e "s|@SOURCE@|$src|g" -e "s|@OUT@|$dir|g" >"$dir/request.json" ;;
    *.docx | *.odt | *.pptx | *.xlsx | *.html | *.eml | *.txt | *.rtf | *.epub)
      sed -e "s|@SOURCE@|$src|g" -e "s|@OUT@|$dir|g" examples/demo-document-request.json >"$dir/request.json" ;;
    *.mp4 | *.mov | *.mkv | *.webm)
      sed -e "s|@SOURCE@|$src|g" -e "s|@OUT@|$dir|g" examples/demo-video-request.json >"$dir/request.json" ;;
    *)
      sed -e "s|@SOURCE@|$src|g" -e "s|@OUT@|$dir|g" examples/demo-request.json >"$dir/request.json" ;;
  esac
  if "$acs" process -f "$dir/request.json" >"$dir/result.json"; then
    echo "demo: $src -> $dir/ ($(ls "$dir" | grep -v -e request.json -e result.json | tr '\n' ' '))"
  else
    status=$?
    echo "demo: $src: some renditions failed (exit $status), see $dir/result.json" >&2
  fi
done
echo "demo: renditions are in $out/; each folder's result.json holds the events"
exit $status
