#!/bin/sh
# Compare rcjail built from a git revision (BASE, default main) with the
# working tree, on the rc.conf evaluation of whole processes ("rcjail -R
# TREE vars"), interleaved round by round (bench/rcconf/compare): an
# admin's tree (bench/rcconf/gen DIR admin) and generated trees of 10, 100,
# 1000 and 5000 jails. Prints median wall and CPU time per run, peak RSS,
# and the ratio new/base as the median of the per-round ratios with their
# range. No root needed.
#
# Usage: sh bench/rcconf/compare.sh [BASE] [ROUNDS]
set -eu
cd "$(dirname "$0")/../.."
base=${1:-main}
rounds=${2:-7}

work=$(mktemp -d "${TMPDIR:-/tmp}/rcconf-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

mkdir "$work/base-src"
git archive "$base" | tar -x -C "$work/base-src"
(cd "$work/base-src" && CGO_ENABLED=0 go build -trimpath -o "$work/rcjail-base" ./cmd/rcjail)
CGO_ENABLED=0 go build -trimpath -o "$work/rcjail-new" ./cmd/rcjail
go build -o "$work/gen" ./bench/rcconf/gen
go build -o "$work/compare" ./bench/rcconf/compare
"$work/gen" "$work/admin" admin
for n in 10 100 1000 5000; do
	"$work/gen" "$work/j$n" "$n"
done
printf 'base: %s\n' "$(git log -1 --format='%h %s' "$base")"
"$work/compare" -rounds "$rounds" \
	"admin=$work/admin:15,j10=$work/j10:15,j100=$work/j100:6,j1000=$work/j1000:3,j5000=$work/j5000:1" \
	"base=$work/rcjail-base" "new=$work/rcjail-new"
