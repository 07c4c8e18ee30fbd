#!/usr/bin/env bash
# formats-table.sh - what `acs process` makes of one sample of each format
# of the DAM file types (camera raw, PostScript, InDesign, Office and
# OpenDocument, iWork, the long tail of rasters): a 319-pixel JPEG
# thumbnail, machine-metadata-json and text, each created or failed with
# its reason, as a Markdown table (docs/formats.md is written from it).
#
# Samples: one file per extension from test/cases and from the generated
# metadata set (pkg/meta/internal/metatool gen), and those
# scripts/formatstable writes for the formats no suite makes (see there:
# the TIFF-based raw formats without a generator of their own are a
# NEF-layout file under their extension).
#
#   scripts/formats-table.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
DIR=${1:-${TMPDIR:-/tmp}/acs-formats-table}
rm -rf "$DIR" && mkdir -p "$DIR"
go build -o bin/acs ./cmd/acs
go build -o "$DIR/metatool" ./pkg/meta/internal/metatool
"$DIR/metatool" gen "$DIR/gen" >/dev/null
# An OpenDocument spreadsheet and drawing, which no suite keeps, made by
# LibreOffice from the XLSX and ODP cases.
if command -v soffice >/dev/null; then
  mkdir -p "$DIR/conv"
  cp test/cases/fulltext/xlsx/file.xlsx "$DIR/conv/sheet.xlsx"
  cp test/cases/office/odp-first-slide/file.odp "$DIR/conv/drawing.odp"
  (cd "$DIR/conv" && soffice --headless --convert-to ods sheet.xlsx && soffice --headless --convert-to odg drawing.odp) >/dev/null 2>&1 || true
fi
exts="cr2 cr3 crw nef nrw arw sr2 srf dng raf rw2 rwl orf pef srw x3f iiq 3fr erf kdc dcr mef mos mrw
eps epsi ps ai indd indt idml docx xlsx pptx odt ods odp odg doc xls ppt pages numbers key
sgi rgb ppm pgm pbm pam pfm tga ico cur pcx hdr exr dds pct pict"
files=()
for e in $exts; do
  # The samples of test/cases whose case expects renditions (not a
  # refusal), then the generated set (metadata samples: they may hold no
  # picture); several for the formats of several kinds (AI, EPS), one
  # otherwise.
  found=()
  for f in $(find test/cases -type f -iname "*.$e" | sort) $(find "$DIR/conv" "$DIR/gen" -type f -iname "*.$e" 2>/dev/null | sort); do
    p=$(dirname "$f")/params.json
    [[ -f $p ]] && grep -q errorReason "$p" && continue
    found+=("$f")
  done
  case $e in
    ai | eps) files+=("${found[@]:0:4}") ;;
    *) [[ ${#found[@]} -gt 0 ]] && files+=("${found[0]}") ;;
  esac
done
# Netpbm bitmap and cursor, which no suite writes.
if command -v convert >/dev/null; then
  convert -size 64x48 gradient:red-blue "$DIR/bitmap.pbm" && files+=("$DIR/bitmap.pbm")
  convert -size 32x32 gradient:red-blue "$DIR/pointer.ico" && cp "$DIR/pointer.ico" "$DIR/pointer.cur" &&
    printf '\x02' | dd of="$DIR/pointer.cur" bs=1 seek=2 conv=notrunc 2>/dev/null && files+=("$DIR/pointer.cur")
fi
go run ./scripts/formatstable -acs bin/acs -dir "$DIR/table" "${files[@]}"
