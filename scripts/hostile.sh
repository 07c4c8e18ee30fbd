#!/usr/bin/env bash
# Generates a hostile corpus (decompression bombs, files that lie about
# their type or size, loops, deep nesting and truncations, for every family
# of source the service reads) and runs every rendition family over each
# file with `acs process`, one process per file. Prints one table: files,
# crashes, hangs, lost events, partial files, reasons by family, peak RSS,
# the slowest files, and every outcome that breaks the contract's
# expectations. Exits non-zero when anything crashed, hung, lost an event,
# left a partial file or gave an unexpected reason.
#
#   scripts/hostile.sh [-j N] [-timeout 60s] [-only REGEXP] [-v] [-keep -dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
go build -o bin/acs ./cmd/acs
go build -o bin/hostile ./scripts/hostile
bin/hostile -acs bin/acs "$@" | tee "${HOSTILE_REPORT:-/dev/null}"
