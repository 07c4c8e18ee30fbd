#!/usr/bin/env bash
# check-tidy.sh - fail when a module's go.mod or go.sum is not what
# `go mod tidy` would make it: a requirement nothing imports, one missing,
# or a direct one marked indirect (Go 1.23+: go mod tidy -diff).
#
#   scripts/check-tidy.sh [MODULE_DIR...]   # default: the main module and
#                                           # scripts/depbench
#
# The check first runs from the module cache alone (GOPROXY=off), so that
# it needs no network when the cache holds every module it reads; only
# when something is missing from the cache does it run again through the
# configured module proxy. tidy reads the source of every module in the
# build list, tests of pre-module dependencies included, not only what a
# build needs.
set -uo pipefail
cd "$(dirname "$0")/.."
go=${GO:-go}
export GOWORK=off GOTOOLCHAIN=local
[ $# -gt 0 ] || set -- . scripts/depbench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# tidy DIR [ENV...]: 0 tidy, 1 a difference (printed), 2 could not check.
tidy() {
	local dir=$1
	shift
	(cd "$dir" && env "$@" "$go" mod tidy -diff) >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -eq 0 ]; then
		return 0
	fi
	if [ -s "$tmp/out" ]; then
		return 1
	fi
	return 2
}

status=0
for dir in "$@"; do
	tidy "$dir" GOPROXY=off
	rc=$?
	if [ $rc -eq 2 ]; then
		tidy "$dir"
		rc=$?
	fi
	case $rc in
	0) echo "go.mod tidy: $dir" ;;
	1)
		echo "go.mod not tidy: $dir (run: cd $dir && go mod tidy)" >&2
		cat "$tmp/out" >&2
		status=1
		;;
	*)
		echo "go.mod tidy check could not run in $dir:" >&2
		cat "$tmp/err" >&2
		status=1
		;;
	esac
done
exit $status
