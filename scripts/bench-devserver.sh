#!/usr/bin/env bash
# Overhead of `acs serve` (pkg/devserver), measured from the client side:
#   warm   a blocking invocation of a no-op Go action on a warm process
#          (target: median under 2 ms)
#   cold   the same right after the action is re-created, so the call spawns
#          the process and waits for its acknowledgement (target: under 30 ms)
#   photo  one photo through the whole flow of the end-to-end test: versitygw
#          upload -> bucket notification -> trigger -> sequence
#          storage-event, process -> workers -> renditions listed, cold and
#          warm, with the breakdown from the activation records (test/e2e
#          with E2E_BENCH=1; skipped with E2E=0)
# The no-op action is the devserver test action (pkg/devserver/testdata/action)
# in mode "noop", running the real action loop (pkg/owaction).
#
#   scripts/bench-devserver.sh            N=300 warm and COLD=30 cold runs
#   N=1000 COLD=50 scripts/bench-devserver.sh
#   E2E=0 scripts/bench-devserver.sh      without the photo
set -euo pipefail
cd "$(dirname "$0")/.."
n=${N:-300}
cold=${COLD:-30}

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -INT "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "bench-devserver: building bin/acs and the no-op action..." >&2
go build -o bin/acs ./cmd/acs
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/exec" ./pkg/devserver/testdata/action
go build -o "$work/bench" ./scripts/bench-devserver

key="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n'):$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
bin/acs serve --addr 127.0.0.1:0 --auth "$key" --wskprops "$work/wskprops" >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/wskprops" ] && break
  sleep 0.05
done
apihost="$(sed -n 's/^APIHOST=//p' "$work/wskprops")"
[ -n "$apihost" ] || { echo "bench-devserver: acs serve did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }

echo "bench-devserver: acs serve at $apihost; $n warm and $cold cold runs ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
"$work/bench" -apihost "$apihost" -auth "$key" -exec "$work/exec" -n "$n" -cold "$cold"

if [ "${E2E:-1}" != 0 ]; then
  echo "bench-devserver: the photo through the end-to-end flow (make e2e builds the actions and tools)..." >&2
  make -s e2e >"$work/e2e.log" 2>&1 || { echo "bench-devserver: make e2e failed; its log:" >&2; tail -50 "$work/e2e.log" >&2; exit 1; }
  (cd test/e2e && E2E_BIN_DIR="$PWD/../../bin" E2E_BENCH=1 go test -count=1 -run TestEndToEnd -v ./... 2>&1) >"$work/bench-e2e.log"
  # The cold photo and the first warm one with their breakdowns, then the
  # median line; plain (not t.Log) lines only.
  awk '/^E2E BENCH photo-warm2/ { show = 0 }
       /^E2E BENCH photo \(|^E2E BENCH photo-warm1/ { show = 1 }
       /^E2E BENCH photo upload/ { print; next }
       show && !/e2e_test\.go:/ && !/^        / && /^(E2E BENCH|  +[^ ])/ { print }' "$work/bench-e2e.log"
fi
