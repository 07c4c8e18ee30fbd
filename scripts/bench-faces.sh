#!/usr/bin/env bash
# bench-faces.sh - precision, recall and time per image of the face detector
# (pkg/analysis/faces: pigo v1.4.6 and its facefinder cascade) on the
# labelled set of scripts/faces-labels.txt.
#
# The images come from packages available here, never committed:
#   pigo     the pigo module in the Go module cache (go mod download)
#   opencv   Debian opencv-doc, downloaded with apt-get download and unpacked
#            with dpkg -x into the work directory (not installed)
#   skimage  Debian python3-skimage, the same way
#   corpus   the shared sample corpus (shared/corpus beside the checkout),
#            when present
# A set that cannot be had is skipped, and the count of skipped images is
# printed.
#
# scripts/benchfaces decodes each image as the analysis rendition does
# (libvips, shrink-on-load to 384 px), runs the detector with its default
# parameters, scales the boxes to the image's pixels and matches them to the
# labels (IoU >= 0.3, one detection per label). It prints a line per image
# (labels, detections, true and false positives, misses, median decode and
# detection times over BENCH_RUNS runs) and the precision and recall over the
# set. Extra arguments go to benchfaces (-show prints every box; -side,
# -minsize, -shift, -scale, -cluster-iou and -minscore try other parameters).
#
# Environment: BENCH_DIR (work directory, default $TMPDIR/acs-bench-faces; the
# unpacked packages are kept there and reused), BENCH_RUNS (default 5),
# GO (default go).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-faces}
runs=${BENCH_RUNS:-5}
go=${GO:-go}
mkdir -p "$work"

# unpack PKG DIR: the files of Debian package PKG under $work/DIR.
unpack() {
	if [ -d "$work/$2" ]; then
		return 0
	fi
	(cd "$work" && apt-get download "$1" >/dev/null 2>&1) || {
		echo "bench-faces: apt-get download $1 failed; its images are skipped" >&2
		return 0
	}
	dpkg -x "$work/$1"_*.deb "$work/$2.tmp" && mv "$work/$2.tmp" "$work/$2"
}
unpack opencv-doc opencv-doc
unpack python3-skimage skimage

dirs=()
cd "$root"
pigo=$("$go" list -m -f '{{.Dir}}' github.com/esimov/pigo 2>/dev/null || true)
[ -n "$pigo" ] && dirs+=(-dir "pigo=$pigo")
[ -d "$work/opencv-doc" ] && dirs+=(-dir "opencv=$work/opencv-doc/usr/share/doc/opencv-doc")
[ -d "$work/skimage" ] && dirs+=(-dir "skimage=$work/skimage/usr/lib/python3/dist-packages/skimage/data")
[ -d "$root/../shared/corpus/images" ] && dirs+=(-dir "corpus=$root/../shared/corpus/images")

"$go" build -o "$work/benchfaces" ./scripts/benchfaces
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/benchfaces" -labels "$root/scripts/faces-labels.txt" "${dirs[@]}" -runs "$runs" "$@"
