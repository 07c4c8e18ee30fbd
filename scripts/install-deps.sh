#!/usr/bin/env bash
# Installs what building and testing the project needs on Debian 12:
# libvips (the image engine, linked through cgo) and the tools the tests
# drive. Idempotent: packages already present are skipped, and apt is only
# touched when something is missing.
set -euo pipefail

packages=(
  libvips-dev      # image engine (cgo)
  pkg-config       # finds libvips for cgo
  gcc              # cgo
  libpoppler-private-dev  # PDF text through poppler's own text engine (cgo, C++)
  g++              # the poppler wrapper is C++
  zip              # building action zips
  libimage-exiftool-perl  # exiftool: the oracle metadata and image tests compare against
  libarchive-zip-perl    # Archive::Zip: lets exiftool read Office, OpenDocument, EPUB and IDML files
  libvips-tools    # vips/vipsthumbnail: colour reference in image tests, benchmark peer
  imagemagick      # real /usr/bin/convert: PSD test reference, benchmark peer
  libjpeg-turbo-progs  # djpeg: the benchmark's decode floor
  time             # /usr/bin/time -v: peak RSS in benchmarks
  ffmpeg           # ffmpeg/ffprobe: the video and audio engine (child processes), and test clips
  libreoffice-core-nogui libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui  # soffice: Office page previews (office action), test documents
  poppler-utils    # pdftoppm: the office benchmark's peer
  libraw-bin       # dcraw_emu: develops camera raw data (caged child process), dcraw_half: benchmark peer
  libraw-dev       # LibRaw headers: scripts/depbench's cgo comparison only
  ghostscript      # gs: the PostScript engine (EPS, PS, AI thumbnails; child processes)
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra  # OCR of images and scanned PDFs (caged child process), text detection
  chromium fonts-dejavu-core  # the devtool and contact-sheet browser tests (headless, through chromedp)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all packages present"
else
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then
  echo "install-deps: Go 1.26 or newer is required (https://go.dev/doc/install)" >&2
  exit 1
fi

# The pinned OpenWhisk clients the devserver compatibility test drives
# (test/compat/package.json, go test ./pkg/devserver -run Compat): node and
# npm from Debian when missing, then npm ci from the lock file.
if ! command -v npm >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  echo "install-deps: installing nodejs npm"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
compat="$(dirname "$0")/../test/compat"
# node_modules/.lock-installed is the lock file npm ci last installed: a
# changed lock file (a client added or bumped) installs again.
if [ -f "$compat/package-lock.json" ] && ! cmp -s "$compat/package-lock.json" "$compat/node_modules/.lock-installed"; then
  echo "install-deps: npm ci in test/compat"
  (cd "$compat" && npm ci --no-audit --no-fund --ignore-scripts && cp package-lock.json node_modules/.lock-installed)
fi
