#!/usr/bin/env bash
# Builds every action (build/<action>.zip) and deploys manifest.yml with
# wskdeploy. See docs/deploy.md.
#
#   scripts/deploy.sh [--no-build] [WSKDEPLOY-FLAGS]   build and deploy
#   scripts/deploy.sh --preview [--no-build]           build, show what would be deployed, change nothing
#   scripts/deploy.sh undeploy [WSKDEPLOY-FLAGS]       remove the deployed entities
#
# --no-build deploys the zips already in build/ (built elsewhere, e.g. on
# Debian 12 or in the runtime image) after checking their exec.env.
#
# Credentials: WSK_APIHOST, WSK_AUTH and WSK_NAMESPACE when set, otherwise
# wskdeploy reads ~/.wskprops (or $WSK_CONFIG_FILE). Deployment inputs are
# the ACS_* variables of manifest.yml. WSKDEPLOY names the wskdeploy binary;
# when it is unset and none is on PATH, bin/wskdeploy is built from
# test/tools.
#
# Go runtime kind: metadata, process, process-web, acapi and storage-event run on
# the OpenWhisk Go runtime, kind ACS_GO_KIND (go:1.NN). The script reads the
# kinds the cluster offers from GET / of the API host; without ACS_GO_KIND it
# takes go:1.24 when offered, else the cluster's default Go kind. It stops
# with a message naming the offered kinds when none fits. The zips are built
# with the matching exec.env (openwhisk/action-golang-v1.NN, or
# ACS_GO_EXEC_ENV), and manifest.yml is deployed through a copy naming the
# kind, build/deploy-manifest.yml. The blackbox actions (thumbnail, fulltext,
# example-tagger) carry the runtime image's execution environment,
# ACS_RUNTIME_EXEC_ENV (default openwhisk/action-golang-v1.24, the base of
# docker/Dockerfile).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
  export PATH=$PATH:/usr/local/go/bin
fi

mode=deploy build=1
if [ "${1:-}" = "undeploy" ]; then
  mode=undeploy
  shift
fi
pass=()
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    --preview) mode=preview; pass+=("$a") ;;
    *) pass+=("$a") ;;
  esac
done

wskdeploy="${WSKDEPLOY:-$(command -v wskdeploy || true)}"
if [ -z "$wskdeploy" ]; then
  wskdeploy="$PWD/bin/wskdeploy"
  if [ ! -x "$wskdeploy" ]; then
    echo "deploy: building bin/wskdeploy from test/tools (pinned in test/tools/go.mod)" >&2
    (cd test/tools && go build -o "$wskdeploy" github.com/apache/openwhisk-wskdeploy)
  fi
fi

: "${ACS_RUNTIME_IMAGE:?set ACS_RUNTIME_IMAGE to the runtime image built from docker/Dockerfile (e.g. myorg/acs-runtime:1)}"
export ACS_RUNTIME_IMAGE
# The office action's image adds LibreOffice (docker/office/Dockerfile);
# without one of its own it is deployed on the runtime image, where its
# sources without a large enough embedded thumbnail fail.
export ACS_OFFICE_RUNTIME_IMAGE="${ACS_OFFICE_RUNTIME_IMAGE:-$ACS_RUNTIME_IMAGE}"

args=()
[ -n "${WSK_APIHOST:-}" ] && args+=(--apihost "$WSK_APIHOST")
[ -n "${WSK_AUTH:-}" ] && args+=(--auth "$WSK_AUTH")
[ -n "${WSK_NAMESPACE:-}" ] && args+=(--namespace "$WSK_NAMESPACE")
[ -n "${WSK_CONFIG_FILE:-}" ] && args+=(--config "$WSK_CONFIG_FILE")

# The API host wskdeploy will use: --apihost, WSK_APIHOST, then the
# wskprops file.
apihost="${WSK_APIHOST:-}"
for ((i = 0; i < ${#pass[@]}; i++)); do
  case "${pass[i]}" in
    --apihost) apihost="${pass[i + 1]:-}" ;;
    --apihost=*) apihost="${pass[i]#--apihost=}" ;;
  esac
done
props="${WSK_CONFIG_FILE:-$HOME/.wskprops}"
if [ -z "$apihost" ] && [ -f "$props" ]; then
  apihost=$(sed -n 's/^APIHOST=//p' "$props" | tail -1)
fi

# GOKIND names a prebuilt scripts/gokind; by default it is built here.
gokind="${GOKIND:-}"
if [ -z "$gokind" ]; then
  tools=$(mktemp -d)
  trap 'rm -rf "$tools"' EXIT
  gokind="$tools/gokind"
  go build -o "$gokind" ./scripts/gokind
fi

# Choose the Go kind from the cluster's list.
render_kind=""
if [ -z "$apihost" ]; then
  if [ "$mode" != preview ]; then
    echo "deploy: no API host: set WSK_APIHOST, or APIHOST in ${props} (wsk property set --apihost HOST --auth KEY)" >&2
    exit 1
  fi
  echo "deploy: no API host configured: previewing without a cluster" >&2
  args+=(--apihost "https://127.0.0.1:0" --auth "preview:preview")
  status=3
else
  status=0
  kind=$("$gokind" choose -apihost "$apihost" ${ACS_GO_KIND:+-kind "$ACS_GO_KIND"}) || status=$?
fi
case "$status" in
  0) render_kind="$kind" ;;
  3)
    if [ "$mode" != preview ]; then
      echo "deploy: check WSK_APIHOST (or APIHOST in ${props}): GET / of the API host must answer OpenWhisk's info" >&2
      exit 1
    fi
    kind="${ACS_GO_KIND:-go:1.24}"
    # wskdeploy checks runtime: against its own built-in list when it
    # cannot reach the cluster; go:default passes that check, and the
    # preview does not show kinds.
    render_kind="go:default"
    echo "deploy: the Go kind cannot be checked without the cluster: building for ${kind}; the preview lists the entities only" >&2
    ;;
  *) exit 1 ;;
esac

export ACS_GO_KIND="$kind"
if [ -z "${ACS_GO_EXEC_ENV:-}" ]; then
  ACS_GO_EXEC_ENV=$("$gokind" env "$kind") || {
    echo "deploy: set ACS_GO_EXEC_ENV to the OW_EXECUTION_ENV of the image of ${kind}" >&2
    exit 1
  }
fi
export ACS_GO_EXEC_ENV
export ACS_RUNTIME_EXEC_ENV="${ACS_RUNTIME_EXEC_ENV:-openwhisk/action-golang-v1.24}"

mkdir -p build
manifest=build/deploy-manifest.yml
"$gokind" render -manifest manifest.yml -kind "$render_kind" -out "$manifest"

if [ "$mode" = undeploy ]; then
  "$wskdeploy" undeploy -m "$manifest" "${args[@]}" "${pass[@]}"
  exit
fi
if [ "$build" = 1 ]; then
  bash scripts/build-actions.sh
fi
if ! "$gokind" check -manifest manifest.yml -kind "$kind" -go-env "$ACS_GO_EXEC_ENV" -image-env "$ACS_RUNTIME_EXEC_ENV"; then
  [ "$mode" = preview ] || exit 1
  echo "deploy: previewing anyway; a deployment would stop here" >&2
fi
"$wskdeploy" -m "$manifest" "${args[@]}" "${pass[@]}"
