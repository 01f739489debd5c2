#!/bin/sh
# Skeleton modes: start+stop of N skeleton jails (default 100) with the native
# backend on Linux, in nullfs mode and in symlink mode, with the default eleven
# read-only entries; and, as the baseline, the same jails without a skeleton.
# Prints mounts per jail and time per jail, with ratios against nullfs mode
# measured in the same run. Root on Linux only (it runs in a private mount and
# network namespace of its own); otherwise it says why it skipped.
#
# Usage: sh bench/skel.bench.sh [N] [ROUNDS]   (make bench runs it with the defaults)
set -eu

n=${1:-100}
rounds=${2:-5}
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
bench_enter skel "$n" "$rounds"

# setup MODE: an rc.conf tree and N prepared jail roots for MODE ("none" is
# the baseline without a skeleton: bin/true is copied into each root).
setup() {
	mode=$1
	if [ "$mode" = none ]; then
		bench_rcconf "$tmp/$mode" "$n"
		for j in $list; do
			mkdir -p "$tmp/$mode/jails/$j/bin"
			cp "$skel/bin/true" "$tmp/$mode/jails/$j/bin/true"
		done
	else
		bench_rcconf "$tmp/$mode" "$n" 'jail_skel_enable="YES"' "jail_skel_root=\"$skel\"" \
			"jail_skel_romounts=\"$ro\"" "jail_skel_mode=\"$mode\""
	fi
}

# round MODE: start and stop all N jails of MODE once; appends
# "MODE MOUNTS NS_PER_JAIL START_NS STOP_NS" to $res.
round() {
	mode=$1
	conf=$tmp/$mode/conf
	before=$(wc -l </proc/self/mountinfo)
	t0=$(now_ns)
	"$rcjail" -R "$conf" start >/dev/null
	t1=$(now_ns)
	mounts=$(($(wc -l </proc/self/mountinfo) - before))
	"$rcjail" -R "$conf" stop >/dev/null
	t2=$(now_ns)
	after=$(wc -l </proc/self/mountinfo)
	if [ "$after" -ne "$before" ]; then
		echo "skel.bench.sh: $mode: $((after - before)) mounts left after stop" >&2
		exit 1
	fi
	echo "$mode $mounts $(((t2 - t0) / n)) $(((t1 - t0) / n)) $(((t2 - t1) / n))" >>"$res"
}

modes="none nullfs symlink"
for mode in $modes; do
	setup "$mode"
done
res=$tmp/rounds
: >"$res"
# Rounds interleave the modes, so a slow patch of a busy machine hits all
# three alike; each mode keeps its best round.
r=0
while [ "$r" -lt "$rounds" ]; do
	for mode in $modes; do
		round "$mode"
	done
	r=$((r + 1))
done
best=$tmp/results
for mode in $modes; do
	awk -v m="$mode" '$1 == m && (b == "" || $3 < b) { b = $3; line = $0 } END { print line }' "$res"
done >"$best"
res=$best

echo "start+stop of $n jails, native backend, best of $rounds rounds"
echo "ratio: nullfs time / mode time; skeleton: mode time - no-skeleton time (the cost of the skeleton itself)"
awk -v n="$n" '
	{ mode[NR] = $1; mounts[NR] = $2; ns[NR] = $3; st[NR] = $4; sp[NR] = $5
	  if ($1 == "nullfs") base = $3
	  if ($1 == "none") none = $3 }
	END {
		printf "%-22s %8s %9s %9s %9s %7s %11s %9s\n", "mode", "mounts/j", "ms/jail", "start", "stop", "ratio", "skeleton ms", "ratio"
		for (i = 1; i <= NR; i++) {
			name = mode[i]
			if (name == "none") name = "none (no skeleton)"
			if (name == "nullfs") name = "nullfs (11 entries)"
			if (name == "symlink") name = "symlink (1 + 11 links)"
			over = (ns[i] - none) / 1e6
			r = "-"
			if (mode[i] != "none" && ns[i] - none > 0) r = sprintf("%.1fx", (base - none) / (ns[i] - none))
			if (mode[i] != "none" && ns[i] - none <= 0) r = "(noise)"
			o = sprintf("%.2f", over)
			if (mode[i] == "none") o = "-"
			printf "%-22s %8.1f %9.2f %9.2f %9.2f %6.2fx %11s %9s\n", name, mounts[i] / n, ns[i] / 1e6, st[i] / 1e6, sp[i] / 1e6, base / ns[i], o, r
		}
	}' "$res"
