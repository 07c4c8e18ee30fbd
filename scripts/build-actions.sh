#!/usr/bin/env bash
# Builds every action under actions/ as build/<action>.zip holding the
# binary `exec` and `exec.env`, the form the OpenWhisk Go runtime takes.
#
# exec.env must equal the OW_EXECUTION_ENV of the runtime the action runs
# on, or the runtime refuses to start it ("Execution environment version
# mismatch"):
#   - static actions run on the Go kind ACS_GO_KIND (default go:1.24), whose
#     stock image is openwhisk/action-golang-v1.NN; ACS_GO_EXEC_ENV
#     overrides that for a cluster with images of its own;
#   - actions that link C libraries run on the runtime image of docker/,
#     whose environment is its base image's: ACS_RUNTIME_EXEC_ENV, default
#     openwhisk/action-golang-v1.24 (docker/Dockerfile's default base).
# scripts/deploy.sh sets these from the kinds the cluster offers.
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
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
  export PATH=$PATH:/usr/local/go/bin
fi

kind="${ACS_GO_KIND:-go:1.24}"
if [ -z "${ACS_GO_EXEC_ENV:-}" ]; then
  if [[ ! "$kind" =~ ^go:(1\.[0-9]+)$ ]]; then
    echo "build-actions: ACS_GO_KIND=$kind is not a stock Go kind (go:1.NN): set ACS_GO_EXEC_ENV to the OW_EXECUTION_ENV of its image" >&2
    exit 1
  fi
  ACS_GO_EXEC_ENV="openwhisk/action-golang-v${BASH_REMATCH[1]}"
fi
runtime_env="${ACS_RUNTIME_EXEC_ENV:-openwhisk/action-golang-v1.24}"
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
    cgo=1 env="$runtime_env"
  else
    cgo=0 env="$ACS_GO_EXEC_ENV"
  fi
  CGO_ENABLED=$cgo GOOS=linux GOARCH=amd64 go build -trimpath -ldflags "-s -w" -o "$work/exec" "./$dir"
  printf '%s' "$env" >"$work/exec.env"
  if [ -d "$dir/zip" ]; then
    cp -p "$dir"/zip/* "$work/"
  fi
  rm -f "$out/$name.zip"
  (cd "$work" && zip -q -X -r "$OLDPWD/$out/$name.zip" .)
  rm -rf "$work"
  trap - EXIT
  if [ "$cgo" = 1 ]; then
    echo "built $out/$name.zip (links C libraries: needs the runtime image in docker/; exec.env $env)"
  else
    echo "built $out/$name.zip (static, for $kind; exec.env $env)"
  fi
done
