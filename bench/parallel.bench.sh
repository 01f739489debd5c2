#!/bin/sh
# jail_parallel_start: start of N skeleton jails (default 20, nullfs mode,
# the eleven default read-only entries) with the native backend on Linux,
# one after another (the baseline) and with jail_parallel_start="YES", in
# the same run. Prints the wall time of each start and the ratio
# sequential / parallel. Root on Linux only (it runs in a private mount and
# network namespace of its own); otherwise it says why it skipped.
#
# Usage: sh bench/parallel.bench.sh [N] [ROUNDS]
set -eu

n=${1:-20}
rounds=${2:-5}
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
bench_enter parallel "$n" "$rounds"

for mode in sequential parallel; do
	p=NO
	[ "$mode" = parallel ] && p=YES
	bench_rcconf "$tmp/$mode" "$n" 'jail_skel_enable="YES"' "jail_skel_root=\"$skel\"" \
		"jail_skel_romounts=\"$ro\"" "jail_parallel_start=\"$p\""
done

res=$tmp/rounds
: >"$res"
# round MODE: start (timed) and stop all N jails of MODE once; appends
# "MODE START_NS" to $res, and checks stdout is in jail_list order.
round() {
	mode=$1
	conf=$tmp/$mode/conf
	before=$(wc -l </proc/self/mountinfo)
	t0=$(now_ns)
	"$rcjail" -R "$conf" start >"$tmp/out"
	t1=$(now_ns)
	"$rcjail" -R "$conf" stop >/dev/null
	want="Starting jails:"
	for j in $list; do
		want="$want $j.bench.example.org"
	done
	if [ "$(sed -n 2p "$tmp/out")" != "$want." ]; then
		echo "parallel.bench.sh: $mode: stdout is not in jail_list order:" >&2
		cat "$tmp/out" >&2
		exit 1
	fi
	if [ "$(wc -l </proc/self/mountinfo)" -ne "$before" ]; then
		echo "parallel.bench.sh: $mode: mounts left after stop" >&2
		exit 1
	fi
	echo "$mode $((t1 - t0))" >>"$res"
}

# Rounds interleave the modes, so a slow patch of a busy machine hits both
# alike; each mode keeps its best round.
r=0
while [ "$r" -lt "$rounds" ]; do
	round sequential
	round parallel
	r=$((r + 1))
done
echo "start of $n skeleton jails (nullfs), native backend, best of $rounds rounds, $(nproc) CPUs"
awk -v n="$n" '
	(b[$1] == "" || $2 < b[$1]) { b[$1] = $2 }
	END {
		printf "%-12s %10s %10s\n", "mode", "start ms", "ms/jail"
		printf "%-12s %10.1f %10.2f\n", "sequential", b["sequential"] / 1e6, b["sequential"] / 1e6 / n
		printf "%-12s %10.1f %10.2f\n", "parallel", b["parallel"] / 1e6, b["parallel"] / 1e6 / n
		printf "ratio sequential / parallel (wall): %.2fx\n", b["sequential"] / b["parallel"]
	}' "$res"
