#!/usr/bin/env bash
# Builds every action under actions/ as build/<action>.zip holding the
# binary `exec` and `exec.env`, the form the OpenWhisk Go runtime takes.
#
# The actions that link libvips or poppler (thumbnail, fulltext,
# example-tagger) must run on the runtime image in docker/ (the Go runtime
# plus those libraries); build them on Debian 12 or in that image so the
# shared libraries match. The others (process, metadata, storage-event,
# script-worker) are static binaries that run on the stock Go runtime.
#
# Files an action needs at run time next to `exec` (a script, a model) go in
# actions/<action>/zip/; they are added to the zip (script-worker's worker.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

EXECUTION_ENV="${EXECUTION_ENV:-openwhisk/action-golang-v1.24}"
out=build
mkdir -p "$out"
for dir in actions/*/; do
  name=$(basename "$dir")
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # An action that uses one of this project's C bindings (libvips, poppler)
  # is linked against the system's libraries and must run on the runtime
  # image in docker/; any other is built static, for the stock Go runtime.
  if go list -deps -f '{{if .CgoFiles}}{{.ImportPath}}{{end}}' "./$dir" | grep -q '^github.com/assetcompute/'; then
    cgo=1
  else
    cgo=0
  fi
  CGO_ENABLED=$cgo GOOS=linux GOARCH=amd64 go build -trimpath -ldflags "-s -w" -o "$work/exec" "./$dir"
  printf '%s' "$EXECUTION_ENV" >"$work/exec.env"
  if [ -d "$dir/zip" ]; then
    cp -p "$dir"/zip/* "$work/"
  fi
  rm -f "$out/$name.zip"
  (cd "$work" && zip -q -X -r "$OLDPWD/$out/$name.zip" .)
  rm -rf "$work"
  trap - EXIT
  if [ "$cgo" = 1 ]; then
    echo "built $out/$name.zip (links C libraries: needs the runtime image in docker/)"
  else
    echo "built $out/$name.zip (static)"
  fi
done
