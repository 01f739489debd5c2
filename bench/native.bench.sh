#!/bin/sh
# Native backend: start+stop of N skeleton jails (N = 1, 10, 100; the
# default eleven read-only entries) three ways, all in one private mount and
# network namespace, and the floor:
#
#   native    rcjail -b native start/stop: fd-based no-follow mounts checked
#             after the fact, lock, record, and a real namespaced jail process
#             per jail (Linux, SPEC §6)
#   command   rcjail -b command start/stop: every step an external program,
#             mount_nullfs/umount shims (bench/native/shims) driving the real
#             mount(8)/umount(8), jail/jls/killall shims that start nothing
#   executor  the native Executor's mount path alone (Mkdir+Mount per entry,
#             then Unmount, no jail process): what the floor compares with;
#             every jail mounted in one sequence
#   exstart   the same, each jail released right after its mounts, as a real
#             start closes its sessions to run the jail's programs (the
#             pattern rcjail start has)
#   mountpkg  package mount alone (Mount/Unmount), to show which part of
#             executor/floor is the mount layer's and which the executor's
#   floor     only the system calls: bind, remount read-only, umount
#
# Prints ms per jail and the ratios command/native, executor/floor,
# exstart/floor, mountpkg/floor and native/floor, measured in the same run (best of ROUNDS
# rounds). Root on Linux only.
#
# Usage: sh bench/native.bench.sh [ROUNDS] [Ns]   (make bench: 3 "1 10 100")
set -eu

rounds=${1:-3}
ns=${2:-1 10 100}
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
bench_enter native "$rounds" "$ns"
(cd "$top" && go build -o "$tmp/nativebench" ./bench/native/nativebench)

# setup N: an rc.conf tree with N skeleton jails, their mount points made.
setup() {
	bench_rcconf "$tmp/n$1" "$1" 'jail_skel_enable="YES"' "jail_skel_root=\"$skel\"" "jail_skel_romounts=\"$ro\""
	# State files live where Linux keeps /var/run: on a tmpfs.
	mount -t tmpfs tmpfs "$conf/var/run"
}

# cli N BACKEND: best ns per jail of ROUNDS start+stop rounds through rcjail.
cli() {
	n=$1
	conf=$tmp/n$n/conf
	before=$(wc -l </proc/self/mountinfo)
	best=
	r=0
	while [ "$r" -lt "$rounds" ]; do
		t0=$(now_ns)
		if [ "$2" = command ]; then
			PATH="$top/bench/native/shims:$PATH" "$rcjail" -b command -R "$conf" start >/dev/null
			mid=$(wc -l </proc/self/mountinfo)
			PATH="$top/bench/native/shims:$PATH" "$rcjail" -b command -R "$conf" stop >/dev/null
		else
			"$rcjail" -b native -R "$conf" start >/dev/null
			mid=$(wc -l </proc/self/mountinfo)
			"$rcjail" -b native -R "$conf" stop >/dev/null
		fi
		t1=$(now_ns)
		after=$(wc -l </proc/self/mountinfo)
		want=$((n * 11))
		if [ $((mid - before)) -ne "$want" ] || [ "$after" -ne "$before" ]; then
			echo "native.bench.sh: $2, N=$n: $((mid - before)) mounts after start (want $want), $((after - before)) left after stop" >&2
			exit 1
		fi
		per=$(((t1 - t0) / n))
		if [ -z "$best" ] || [ "$per" -lt "$best" ]; then best=$per; fi
		r=$((r + 1))
	done
	echo "$best"
}

# direct N MODE: best ns per jail from nativebench (floor, mount, executor or
# executor-start).
direct() {
	n=$1
	before=$(wc -l </proc/self/mountinfo)
	# $ro is the blank-separated entry list, passed as one argument.
	t=$("$tmp/nativebench" -mode "$2" -n "$n" -rounds "$rounds" -skel "$skel" -jails "$tmp/n$n/jails" -state "$tmp/n$n/conf" -entries "$ro")
	if [ "$(wc -l </proc/self/mountinfo)" -ne "$before" ]; then
		echo "native.bench.sh: $2, N=$n: mounts left" >&2
		exit 1
	fi
	echo $((t / n))
}

res=$tmp/results
: >"$res"
for n in $ns; do
	setup "$n"
	echo "$n $(cli "$n" native) $(cli "$n" command) $(direct "$n" executor) $(direct "$n" executor-start) $(direct "$n" mount) $(direct "$n" floor)" >>"$res"
done

echo "start+stop of N skeleton jails (11 read-only entries), best of $rounds rounds, ms per jail"
awk '
	BEGIN {
		printf "%5s %9s %9s %9s %9s %9s %9s %15s %15s %14s %15s %13s\n", "N", "native", "command", "executor", "exstart", "mountpkg", "floor", "command/native", "executor/floor", "exstart/floor", "mountpkg/floor", "native/floor"
	}
	{
		printf "%5d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %14.1fx %14.2fx %13.2fx %14.2fx %12.1fx\n", $1, $2 / 1e6, $3 / 1e6, $4 / 1e6, $5 / 1e6, $6 / 1e6, $7 / 1e6, $3 / $2, $4 / $7, $5 / $7, $6 / $7, $2 / $7
	}' "$res"
echo "native = the whole rcjail start+stop, including one namespaced jail process per jail;"
echo "executor = the native backend's mount path alone, the like-for-like comparison with the floor;"
echo "exstart = the same with each jail released after its mounts, as in a real start."
