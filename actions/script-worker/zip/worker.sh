#!/bin/sh
# Example script worker: writes the checksum of the source as the rendition.
#   $1 the source file, $2 the rendition to write, $3 the instructions (JSON)
#   ACS_PARAM_<KEY> holds each scalar instruction (here: ACS_PARAM_ALGORITHM)
# PATH is empty on OpenWhisk: call every program by its absolute path.
set -eu
algorithm="${ACS_PARAM_ALGORITHM:-sha256}"
case "$algorithm" in
  sha256) tool=/usr/bin/sha256sum ;;
  md5) tool=/usr/bin/md5sum ;;
  *)
    printf 'RenditionFormatUnsupported\nalgorithm %s is not supported; use sha256 or md5\n' "$algorithm" >"$ACS_REASON_FILE"
    exit 1 ;;
esac
if [ ! -s "$1" ]; then
  printf 'SourceCorrupt\nthe source is empty\n' >"$ACS_REASON_FILE"
  exit 1
fi
"$tool" <"$1" | /usr/bin/cut -d' ' -f1 >"$2"
printf '{"checksum:algorithm": "%s"}\n' "$algorithm" >"$ACS_METADATA_FILE"
