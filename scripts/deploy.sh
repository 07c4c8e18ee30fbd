#!/usr/bin/env bash
# Builds every action (build/<action>.zip) and deploys manifest.yml with
# wskdeploy. See docs/deploy.md.
#
# Credentials: WSK_APIHOST, WSK_AUTH and WSK_NAMESPACE when set, otherwise
# wskdeploy reads ~/.wskprops (or $WSK_CONFIG_FILE). Deployment inputs are
# the ACS_* variables of manifest.yml. WSKDEPLOY names the wskdeploy binary;
# when it is unset and none is on PATH, one is built from test/tools.
#   scripts/deploy.sh             build and deploy
#   scripts/deploy.sh --preview   build and show what would be deployed
#   scripts/deploy.sh undeploy    remove the deployed entities
set -euo pipefail
cd "$(dirname "$0")/.."

wskdeploy="${WSKDEPLOY:-$(command -v wskdeploy || true)}"
if [ -z "$wskdeploy" ]; then
  wskdeploy="$PWD/bin/wskdeploy"
  if [ ! -x "$wskdeploy" ]; then
    echo "building wskdeploy from test/tools (pinned in test/tools/go.mod)" >&2
    (cd test/tools && go build -o "$wskdeploy" github.com/apache/openwhisk-wskdeploy)
  fi
fi

: "${ACS_RUNTIME_IMAGE:?set ACS_RUNTIME_IMAGE to the runtime image built from docker/Dockerfile (e.g. myorg/acs-runtime:1)}"
export ACS_RUNTIME_IMAGE

args=(-m manifest.yml)
[ -n "${WSK_APIHOST:-}" ] && args+=(--apihost "$WSK_APIHOST")
[ -n "${WSK_AUTH:-}" ] && args+=(--auth "$WSK_AUTH")
[ -n "${WSK_NAMESPACE:-}" ] && args+=(--namespace "$WSK_NAMESPACE")
[ -n "${WSK_CONFIG_FILE:-}" ] && args+=(--config "$WSK_CONFIG_FILE")

if [ "${1:-}" = "undeploy" ]; then
  shift
  exec "$wskdeploy" undeploy "${args[@]}" "$@"
fi

bash scripts/build-actions.sh
exec "$wskdeploy" "${args[@]}" "$@"
