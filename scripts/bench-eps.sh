#!/usr/bin/env bash
# bench-eps.sh - thumbnails of EPS and Illustrator files, as the thumbnail
# action makes them, against Ghostscript alone drawing the same page at
# the resolution the thumbnail needs, in the same run.
#
# Samples, made once under BENCH_DIR:
#   vector.eps     a page (612 x 792 pt) of 20,000 coloured Bezier strokes
#                  and 400 text labels, 2.5 MB of PostScript
#   photo.eps      a 2400 x 1600 JPEG photograph-like image (made by
#                  libvips) drawn through DCTDecode on a 576 x 384 pt page
#   legacy.ai      vector.eps as a legacy (PostScript) Illustrator file
#   pdf.ai         vector.eps turned into a PDF-compatible Illustrator
#                  file by Ghostscript's pdfwrite (drawn by Ghostscript)
#   poppler.pdf    pdf.ai named .pdf: the image engine's PDF path
#                  (poppler and cairo, anti-aliased), which drew
#                  PDF-compatible Illustrator files before, and still
#                  does without Ghostscript
#   preview.eps    photo.eps as a DOS EPS binary file with a 1200 x 800
#                  TIFF preview (used as it is: at least the size asked)
# Each is made into a BENCH_WIDTH-pixel-wide PNG (default 319), from
# BENCH_RUNS links to it (default 5). The figures are the wall time and
# the CPU time (user + system, children included) per file, in ms:
#   gs     gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=png16m -r<needed>
#          <page> -sOutputFile=out.png FILE for each link, <needed> being
#          72 * BENCH_WIDTH / the page's width in points and <page>
#          -dEPSCrop (EPS), or the page's size (a legacy Illustrator file,
#          which -dEPSCrop ignores), or -dUseCropBox (PDF: the box the
#          service draws; here the same as the media box); the same
#          resolution and page as the service's, whose output size is
#          printed under each row
#   acs    acs batch -j 1 over the links: the thumbnail action's code in
#          one warm process, as in a warm action container (per file:
#          parse, caged Ghostscript without network or the preview,
#          libvips, the rendition written)
#   cold   acs process of one request for the same rendition, in a fresh
#          process: start-up, the whole worker lifecycle (copy into the
#          activation directory, upload to a local target)
#
#   BENCH_RUNS=5 BENCH_WIDTH=319 scripts/bench-eps.sh
# The goal: acs at most 1.2 times gs for EPS and Illustrator files.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
RUNS=${BENCH_RUNS:-5}
WIDTH=${BENCH_WIDTH:-319}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-eps}
mkdir -p "$DIR/out"
for tool in gs vips; do
  command -v $tool >/dev/null || { echo "bench-eps: $tool is needed (scripts/install-deps.sh)" >&2; exit 2; }
done

if [[ ! -s $DIR/vector.eps ]]; then
  awk 'BEGIN {
    srand(7); W = 612; H = 792
    print "%!PS-Adobe-3.0 EPSF-3.0"; print "%%BoundingBox: 0 0 612 792"
    print "%%Title: (vector bench)"; print "%%Creator: bench-eps.sh"; print "%%EndComments"
    print "/Helvetica findfont 14 scalefont setfont"
    for (i = 0; i < 20000; i++) {
      printf "%.3f %.3f %.3f setrgbcolor %.1f setlinewidth %.2f %.2f moveto %.2f %.2f %.2f %.2f %.2f %.2f curveto stroke\n",
        rand(), rand(), rand(), 0.2 + 2.8 * rand(), W * rand(), H * rand(), W * rand(), H * rand(), W * rand(), H * rand(), W * rand(), H * rand()
      if (i % 50 == 0) printf "0 setgray %.1f %.1f moveto (Label %d) show\n", (W - 80) * rand(), H * rand(), i
    }
    print "showpage"; print "%%EOF"
  }' >"$DIR/vector.eps"
  sed -e 's/^%!PS-Adobe-3.0 EPSF-3.0$/%!PS-Adobe-3.0/' \
    -e 's/^%%Creator: bench-eps.sh$/%%Creator: Adobe Illustrator(R) 8.0\n%AI5_FileFormat 4.0/' "$DIR/vector.eps" >"$DIR/legacy.ai"
  gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pdfwrite -dEPSCrop -sOutputFile="$DIR/pdf.ai" "$DIR/vector.eps"
  # A photograph-like picture: smooth colour gradients plus noise.
  vips xyz "$DIR/xy.v" 2400 1600
  vips gaussnoise "$DIR/noise.v" 2400 1600 --sigma 20
  vips bandjoin "$DIR/xy.v $DIR/noise.v" "$DIR/xyn.v"
  vips linear "$DIR/xyn.v" "$DIR/photo.jpg[Q=90]" "0.1 0.15 1" "0 0 0" --uchar
  {
    printf '%%!PS-Adobe-3.0 EPSF-3.0\n%%%%BoundingBox: 0 0 576 384\n%%%%EndComments\n'
    printf 'gsave 576 384 scale /DeviceRGB setcolorspace\n'
    printf '<< /ImageType 1 /Width 2400 /Height 1600 /BitsPerComponent 8 /Decode [0 1 0 1 0 1]\n'
    printf '   /ImageMatrix [2400 0 0 -1600 0 1600] /DataSource currentfile /DCTDecode filter >> image\n'
    cat "$DIR/photo.jpg"
    printf '\ngrestore showpage\n%%%%EOF\n'
  } >"$DIR/photo.eps"
  vips thumbnail "$DIR/photo.jpg" "$DIR/preview.tif[compression=lzw]" 1200
  ps=$(stat -c %s "$DIR/photo.eps")
  tif=$(stat -c %s "$DIR/preview.tif")
  # le32 writes a little-endian 32-bit number.
  le32() { printf '%08x' "$1" | sed 's/\(..\)\(..\)\(..\)\(..\)/\\x\4\\x\3\\x\2\\x\1/' | xargs -0 printf '%b'; }
  {
    printf '\xc5\xd0\xd3\xc6'
    le32 30; le32 "$ps"; le32 0; le32 0; le32 $((30 + ps)); le32 "$tif"
    printf '\xff\xff'
    cat "$DIR/photo.eps" "$DIR/preview.tif"
  } >"$DIR/preview.eps"
  rm -f "$DIR"/*.v
fi
ln -f "$DIR/pdf.ai" "$DIR/poppler.pdf"
go build -o bin/acs ./cmd/acs

# sample name, page width in points, how gs alone is told the page
samples=("vector.eps 612 -dEPSCrop" "photo.eps 576 -dEPSCrop"
  "legacy.ai 612 -dDEVICEWIDTHPOINTS=612 -dDEVICEHEIGHTPOINTS=792 -dFIXEDMEDIA"
  "pdf.ai 612 -dUseCropBox" "poppler.pdf 612 -dUseCropBox" "preview.eps 576 -dEPSCrop")

# timed prints "wall_ms cpu_ms" of "$@" (CPU: user + system, children
# included).
timed() {
  local f
  f=$(mktemp)
  /usr/bin/time -o "$f" -f "%e %U %S" "$@" >/dev/null 2>&1
  awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' "$f"
  rm -f "$f"
}
echo "[{\"name\": \"thumb.png\", \"fmt\": \"png\", \"width\": $WIDTH}]" >"$DIR/profile.json"

printf '%-12s %9s %9s %9s %9s %7s %7s %9s\n' sample "gs ms" "acs ms" "gs cpu" "acs cpu" "x wall" "x cpu" "cold ms"
for s in "${samples[@]}"; do
  read -r name ptw page <<<"$s"
  [[ $page == - ]] && page=""
  dpi=$(awk -v w="$WIDTH" -v p="$ptw" 'BEGIN {printf "%.4f", 72 * w / p}')
  # RUNS copies (links) of the sample, drawn one after the other.
  rm -rf "$DIR/copies" "$DIR/out/batch"
  mkdir -p "$DIR/copies"
  copies=()
  for ((i = 0; i < RUNS; i++)); do
    ln "$DIR/$name" "$DIR/copies/$i-$name"
    copies+=("$DIR/copies/$i-$name")
  done
  # gs alone, once per copy; the warm worker (acs batch -j 1: one
  # process, the thumbnail action's code) over the copies.
  read -r GW GC < <(timed bash -c 'for f in "${@:3}"; do gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=png16m -r"$1" $2 -sOutputFile="$f.png" "$f" || exit 1; done' \
    _ "$dpi" "$page" "${copies[@]}")
  read -r AW AC < <(timed bin/acs batch -j 1 -profile "$DIR/profile.json" -out "$DIR/out/batch" "${copies[@]}")
  # One cold activation: acs process in a fresh process.
  cat >"$DIR/req.json" <<JSON
{"source": "$DIR/$name", "renditions": [{"fmt": "png", "width": $WIDTH, "target": "$DIR/out/acs-$name.png"}]}
JSON
  read -r CW _ < <(timed bin/acs process -f "$DIR/req.json")
  printf '%-12s %9d %9d %9d %9d %7.2f %7.2f %9d\n' "$name" $((GW / RUNS)) $((AW / RUNS)) $((GC / RUNS)) $((AC / RUNS)) \
    "$(awk -v a="$AW" -v b="$GW" 'BEGIN {print a / b}')" "$(awk -v a="$AC" -v b="$GC" 'BEGIN {print (b ? a / b : 0)}')" "$CW"
  printf '%12s gs %s, acs %s\n' "" "$(vipsheader "${copies[0]}.png" | cut -d' ' -f2)" "$(vipsheader "$DIR/out/batch/0-$name/thumb.png" | cut -d' ' -f2)"
done
