#!/usr/bin/env bash
# Builds every action under actions/ as build/<action>.zip holding the
# binary `exec` and `exec.env`, the form the OpenWhisk Go runtime takes.
#
# The actions that link libvips must run on the runtime image in docker/
# (the Go runtime plus libvips); build them on Debian 12 or in that image so
# the shared libraries match.
set -euo pipefail
cd "$(dirname "$0")/.."

EXECUTION_ENV="${EXECUTION_ENV:-openwhisk/action-golang-v1.24}"
out=build
mkdir -p "$out"
for dir in actions/*/; do
  name=$(basename "$dir")
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  GOOS=linux GOARCH=amd64 go build -trimpath -ldflags "-s -w" -o "$work/exec" "./$dir"
  printf '%s' "$EXECUTION_ENV" >"$work/exec.env"
  rm -f "$out/$name.zip"
  (cd "$work" && zip -q -X "$OLDPWD/$out/$name.zip" exec exec.env)
  rm -rf "$work"
  trap - EXIT
  echo "built $out/$name.zip"
done
