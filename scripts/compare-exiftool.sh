#!/usr/bin/env bash
# Compare pkg/meta with exiftool on every file of DIR.
#
# Runs this project (pkg/meta/internal/metatool) and `exiftool -j -n -G1` on
# every file of DIR (recursively), maps both to the core key set
# (meta.CoreKeys: make, model, lens, dates, GPS, orientation, size, exposure,
# creator, rights, title, description, keywords, city/country, rating, page
# count) and prints per-key agreement and the total.
#
#   scripts/compare-exiftool.sh DIR            # summary
#   VERBOSE=1 scripts/compare-exiftool.sh DIR  # and every mismatch
#   scripts/compare-exiftool.sh --generated    # the generated sample set
#                                              # (plus ../shared/corpus/images)
set -euo pipefail
cd "$(dirname "$0")/.."
exiftool=${EXIFTOOL:-/usr/bin/exiftool}
[ -x "$exiftool" ] || { echo "exiftool not found at $exiftool (apt-get install libimage-exiftool-perl)" >&2; exit 1; }
# Without Archive::Zip exiftool reads nothing inside ZIP packages (Office,
# OpenDocument, EPUB, IDML): their values would only count as extras.
perl -MArchive::Zip -e 1 2>/dev/null ||
	echo "warning: perl Archive::Zip missing (apt-get install libarchive-zip-perl): exiftool will not read Office/OpenDocument/EPUB files" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/metatool" ./pkg/meta/internal/metatool
dir=${1:?usage: scripts/compare-exiftool.sh DIR | --generated}
if [ "$dir" = --generated ]; then
	corpus=../shared/corpus/images
	[ -d "$corpus" ] || corpus=
	"$tmp/metatool" gen "$tmp/generated" $corpus
	dir=$tmp/generated
fi
# exiftool exits 1 when some file is not recognised; its JSON is still complete.
"$exiftool" -j -n -G1 -r -q -q "$dir" >"$tmp/exiftool.json" || true
[ -s "$tmp/exiftool.json" ] || echo '[]' >"$tmp/exiftool.json"
echo "== $1"
"$tmp/metatool" compare "$dir" "$tmp/exiftool.json"
