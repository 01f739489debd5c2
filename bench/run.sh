#!/usr/bin/env bash
# make bench: runs every bench/*.bench.sh in name order. Each prints its own
# table; figures are ratios against a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
for b in bench/*.bench.sh; do
	[ -e "$b" ] || continue
	echo "== $b"
	bash "$b"
	echo
done
