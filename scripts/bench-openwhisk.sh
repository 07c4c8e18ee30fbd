#!/usr/bin/env bash
# bench-openwhisk.sh - throughput of the OpenWhisk path against the same
# work in process, in one run.
#
# The 20 photo-like 4000x3000 JPEGs of bench-photos.sh, each to the 5-size
# web profile (2048, 1280, 640, 319 and 48 px boxes, JPEG q80), made
#   in process   acs batch -j N --threads 1 (the thumbnail worker over
#                local files, one libvips thread per image, as in
#                bench-peers.sh)
#   OpenWhisk    the stack of test/e2e: acs serve with manifest.yml
#                deployed by the real wskdeploy, the photos on versitygw,
#                N blocking invocations of the process action at once
#                (presigned GET source, presigned PUT targets), process
#                fanning out to the warm thumbnail workers, one signed
#                webhook post of the events per request
# for N = 1 and 2 (BENCH_N). The two take turns in every run (BENCH_RUNS,
# default 3) after an untimed warm-up that starts the action processes; it
# prints source images per second (the median run), the ratio (target at
# least 0.90) and where the rest goes: the CPU seconds per photo of every
# process on each path (acs batch; acs serve, each action's processes,
# versitygw), and the mean wall time per photo of the process and thumbnail
# activations and of the steps the thumbnail worker logs (from the
# activation records). The load average is printed before and after.
#
# With BENCH_BASELINE=REV (a git revision) it also builds the process and
# thumbnail actions at REV and, in every run, swaps them in for a timed
# OpenWhisk-path run of their own (after an untimed warm-up), for the
# before and after of a change on that path.
#
#   scripts/bench-openwhisk.sh
#   BENCH_RUNS=5 BENCH_N="1 2 4" scripts/bench-openwhisk.sh
#   BENCH_BASELINE=HEAD~1 scripts/bench-openwhisk.sh
#
# Environment: BENCH_DIR (default $TMPDIR/acs-bench-peers, shared with
# bench-peers.sh: the photos are made once and reused), BENCH_RUNS,
# BENCH_IMAGES (default 20), BENCH_N, BENCH_THREADS (acs batch --threads,
# default 1), BENCH_NO_BUILD=1 to reuse bin/ and build/ as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
  export PATH=$PATH:/usr/local/go/bin
fi
# shellcheck source=bench-photos.sh
. scripts/bench-photos.sh

bench_dir=${BENCH_DIR:-${TMPDIR:-/tmp}/acs-bench-peers}
images=${BENCH_IMAGES:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
  echo "bench-openwhisk: building bin/acs, the action zips, wskdeploy and versitygw..." >&2
  go build -o bin/acs ./cmd/acs
  bash scripts/build-actions.sh >/dev/null
  (cd test/tools && go build -o "$root/bin/wskdeploy" github.com/apache/openwhisk-wskdeploy)
  (cd test/e2e/tools && go build -trimpath -ldflags "-s -w" -o "$root/bin/versitygw" github.com/versity/versitygw/cmd/versitygw)
fi

base_env=()
if [ -n "${BENCH_BASELINE:-}" ]; then
  rev=$(git rev-parse --short "$BENCH_BASELINE")
  echo "bench-openwhisk: building the process and thumbnail actions at $rev..." >&2
  mkdir -p "$work/base-src"
  git archive "$rev" | tar -x -C "$work/base-src"
  (cd "$work/base-src" && bash scripts/build-actions.sh >/dev/null)
  base_env=(E2E_OWBENCH_BASE="$work/base-src/build")
fi

bench_photos "$bench_dir/photos" "$images"
mkdir -p "$work/photos"
for i in $(seq 1 "$images"); do
  f=$(printf 'photo-%02d.jpg' "$i")
  ln -s "$bench_dir/photos/$f" "$work/photos/$f"
done
printf '[' >"$work/web.json"
sep=""
for s in 2048 1280 640 319 48; do
  printf '%s{"name": "%s.jpg", "fmt": "jpg", "width": %s, "height": %s, "quality": 80}' "$sep" "$s" "$s" "$s" >>"$work/web.json"
  sep=", "
done
printf ']\n' >>"$work/web.json"

echo "bench-openwhisk: $images photos, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); starting the stack..." >&2
(cd test/e2e && env "${base_env[@]}" E2E_BIN_DIR="$root/bin" E2E_LOG_DIR="$work/logs" \
  E2E_OWBENCH="$work/photos" E2E_OWBENCH_PROFILE="$work/web.json" \
  E2E_OWBENCH_RUNS="${BENCH_RUNS:-3}" E2E_OWBENCH_N="${BENCH_N:-1 2}" E2E_OWBENCH_THREADS="${BENCH_THREADS:-1}" \
  go test -count=1 -timeout 60m -run 'TestOpenWhiskBench$' -v ./... >"$work/bench.log" 2>&1) || {
  echo "bench-openwhisk: the benchmark failed; its log:" >&2
  tail -60 "$work/bench.log" >&2
  exit 1
}
sed -n 's/^OWBENCH //p' "$work/bench.log"
