#!/usr/bin/env bash
# Quality of the full-text engine (pkg/text) against known text.
#
# Builds a test set from the known multilingual texts in
# pkg/text/testdata/multilingual (English, German, Greek, Russian, Chinese,
# Japanese, Arabic, Hebrew), each repeated into a document of a few pages,
# converted to PDF, DOCX and ODT by LibreOffice. Extracts the text with this
# project, with pdftotext (PDF) and with LibreOffice's own text export
# (DOCX, ODT), and prints the word-level F1 of each against the known text.
# Chinese and Japanese are scored per character (they have no spaces).
#
# Targets (issue 5): F1 >= 0.98 on every script and format, and never below
# pdftotext on the same PDF. Exits 1 when a target is missed.
#
#   scripts/compare-text.sh                    build a set in a temp dir, compare
#   scripts/compare-text.sh --build-only DIR   only build the set into DIR
#   scripts/compare-text.sh --set DIR          compare on a set built before
#
# Needs: Go, libreoffice-core-nogui, libreoffice-writer-nogui, poppler-utils,
# fonts-noto-core, fonts-noto-cjk.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
soffice=/usr/bin/soffice
pdftotext=/usr/bin/pdftotext
langs=(en de el ru zh ja ar he)
repeat=${TEXT_REPEAT:-12}

for tool in "$soffice" "$pdftotext"; do
  if [ ! -x "$tool" ]; then echo "compare-text: $tool is missing (apt-get install libreoffice-writer-nogui poppler-utils)" >&2; exit 2; fi
done

# build_set DIR: known texts in DIR/ref, documents in DIR/{pdf,docx,odt}.
build_set() {
  local dir=$1
  mkdir -p "$dir"/{ref,src,pdf,docx,odt}
  for l in "${langs[@]}"; do
    local txt="$repo/pkg/text/testdata/multilingual/$l.txt"
    # The title once, then the body repeated: a document of a few pages.
    { head -n 1 "$txt"; echo; for ((i = 0; i < repeat; i++)); do tail -n +2 "$txt"; done; } > "$dir/src/$l.txt"
    cp "$dir/src/$l.txt" "$dir/ref/$l.txt"
  done
  local profile="file://$dir/lo-profile"
  for fmt in pdf docx odt; do
    "$soffice" -env:UserInstallation="$profile" --headless --infilter="Text (encoded):UTF8" \
      --convert-to "$fmt" --outdir "$dir/$fmt" "$dir"/src/*.txt >/dev/null 2>&1
  done
}

if [ "${1:-}" = "--build-only" ]; then
  build_set "$(realpath -m "$2")"
  exit 0
fi

if [ "${1:-}" = "--set" ]; then
  set_dir="$(realpath "$2")"
  work="$(mktemp -d)"
else
  work="$(mktemp -d)"
  set_dir="$work/set"
  echo "compare-text: building the test set with LibreOffice..." >&2
  build_set "$set_dir"
fi
trap 'rm -rf "$work"' EXIT

go build -o "$work/texttool" ./pkg/text/internal/cmd/texttool
tool="$work/texttool"
mkdir -p "$work"/{ours,peer}/{pdf,docx,odt}

for fmt in pdf docx odt; do
  "$tool" extract -o "$work/ours/$fmt" "$set_dir/$fmt"/*."$fmt"
done
for l in "${langs[@]}"; do
  "$pdftotext" -enc UTF-8 "$set_dir/pdf/$l.pdf" "$work/peer/pdf/$l.txt"
done
for fmt in docx odt; do
  "$soffice" -env:UserInstallation="file://$work/lo-profile" --headless \
    --convert-to "txt:Text (encoded):UTF8" --outdir "$work/peer/$fmt" "$set_dir/$fmt"/*."$fmt" >/dev/null 2>&1
done

declare -A peer_name=([pdf]=pdftotext [docx]="LibreOffice txt" [odt]="LibreOffice txt")
status=0
printf '%-7s %-6s %-13s %-7s %-16s %s\n' script format "this project" "peer" "(peer)" "verdict"
for fmt in pdf docx odt; do
  for l in "${langs[@]}"; do
    read -r ours peer < <("$tool" f1 "$set_dir/ref/$l.txt" "$work/ours/$fmt/$l.txt" "$work/peer/$fmt/$l.txt" | tr "\n" " "; echo) || true
    verdict=ok
    if awk -v o="$ours" 'BEGIN { exit !(o < 0.98) }'; then verdict="MISS (< 0.98)"; status=1; fi
    if [ "$fmt" = pdf ] && awk -v o="$ours" -v p="$peer" 'BEGIN { exit !(o < p) }'; then verdict="MISS (below pdftotext)"; status=1; fi
    printf '%-7s %-6s %-13s %-7s %-16s %s\n' "$l" "$fmt" "$ours" "$peer" "(${peer_name[$fmt]})" "$verdict"
  done
done
if [ $status = 0 ]; then echo "compare-text: all targets met"; else echo "compare-text: some targets missed" >&2; fi
exit $status
