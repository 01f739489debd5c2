#!/bin/sh
# End-to-end comparison of rcjail builds: start+stop of N skeleton jails
# (nullfs mode, the eleven default read-only entries, native backend), the
# whole rcjail process each time, builds interleaved round by round in one
# private mount and network namespace so that a busy patch of the machine
# hits every build alike. The first build is the baseline: each row gives
# its best and median round (ms per jail, start+stop) and the ratio of its
# median to the baseline's median in the same run. This is the number a
# speed device in the mount path has to move (by more than 10%) to stay.
#
# Usage (root, Linux):
#   git worktree add /tmp/old main && (cd /tmp/old && CGO_ENABLED=0 go build -o /tmp/rcjail-old ./cmd/rcjail)
#   CGO_ENABLED=0 go build -o /tmp/rcjail-new ./cmd/rcjail
#   sh bench/native/e2e.sh [-n N] [-r ROUNDS] old=/tmp/rcjail-old new=/tmp/rcjail-new ...
set -eu

n=100
rounds=7
while getopts n:r: o; do
	case $o in
	n) n=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
	echo "usage: e2e.sh [-n N] [-r ROUNDS] LABEL=BINARY..." >&2
	exit 2
fi
ro="bin sbin lib libexec usr/bin usr/sbin usr/include usr/lib usr/libdata usr/libexec usr/share"

if [ "$(id -u)" != 0 ] || [ "$(uname -s)" != Linux ]; then
	echo "e2e.sh: skipped (needs root on Linux: it mounts, in a private namespace)"
	exit 0
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${RCJAIL_E2E_INSIDE:-}" ]; then
	tmp=$(mktemp -d /tmp/rcjail-e2e.XXXXXX)
	# Every mount lives in the namespace, gone when unshare returns: the
	# removal cannot reach through a mount.
	trap 'rm -rf --one-file-system "$tmp"' EXIT
	st=0
	unshare -m -n --propagation private env RCJAIL_E2E_INSIDE="$tmp" sh "$0" -n "$n" -r "$rounds" "$@" || st=$?
	exit "$st"
fi
tmp=$RCJAIL_E2E_INSIDE
now_ns() { date +%s%N; }

skel=$tmp/skel
for d in $ro; do
	mkdir -p "$skel/$d"
done
(cd "$top" && CGO_ENABLED=0 go build -o "$skel/bin/true" ./bench/jailtrue)

# One rc.conf tree and one set of jail roots, shared by every build (they
# run one after another, each leaving nothing behind).
conf=$tmp/conf
mkdir -p "$conf/etc" "$conf/var/run" "$conf/var/log" "$tmp/jails"
# State files live where Linux keeps /var/run: on a tmpfs.
mount -t tmpfs tmpfs "$conf/var/run"
{
	echo 'jail_enable="YES"'
	echo 'jail_exec_start="/bin/true"'
	echo 'jail_skel_enable="YES"'
	echo "jail_skel_root=\"$skel\""
	echo "jail_skel_romounts=\"$ro\""
	echo 'jail_skel_mode="nullfs"'
	list=
	i=1
	while [ "$i" -le "$n" ]; do
		j=$(printf 'j%03d' "$i")
		list="$list $j"
		echo "jail_${j}_rootdir=\"$tmp/jails/$j\""
		echo "jail_${j}_hostname=\"$j.bench.example.org\""
		i=$((i + 1))
	done
	echo "jail_list=\"$list\""
} >"$conf/etc/rc.conf"
first=${1#*=}
# $list is the blank-separated jail names, one argument each.
# shellcheck disable=SC2086
"$first" -R "$conf" prepare $list >/dev/null

res=$tmp/res
: >"$res"
r=0
while [ "$r" -lt "$rounds" ]; do
	for spec in "$@"; do
		label=${spec%%=*}
		bin=${spec#*=}
		before=$(wc -l </proc/self/mountinfo)
		t0=$(now_ns)
		/usr/bin/time -f "%U %S" -o "$tmp/t.start" "$bin" -R "$conf" start >/dev/null
		/usr/bin/time -f "%U %S" -o "$tmp/t.stop" "$bin" -R "$conf" stop >/dev/null
		t1=$(now_ns)
		if [ "$(wc -l </proc/self/mountinfo)" -ne "$before" ]; then
			echo "e2e.sh: $label: mounts left after stop" >&2
			exit 1
		fi
		echo "$label $((t1 - t0)) $(cat "$tmp/t.start" "$tmp/t.stop" | awk '{ c += $1 + $2 } END { print c }')" >>"$res"
	done
	r=$((r + 1))
done

echo "start+stop of $n skeleton jails (nullfs, 11 entries), native backend, whole process;"
echo "$rounds rounds, builds interleaved; wall: ms per jail (the two processes, start to end);"
echo "cpu: user+sys of the two rcjail processes, ms per jail; ratio: median / baseline's median"
labels=
for spec in "$@"; do labels="$labels ${spec%%=*}"; done
# stats LABEL FIELD: "best median" of FIELD (2: wall ns, 3: cpu s) in ms per jail.
stats() {
	awk -v l="$1" -v f="$2" -v n="$n" '$1 == l { print (f == 2 ? $f / 1e6 : $f * 1e3) / n }' "$res" | sort -n |
		awk '{ v[k++] = $1 } END { m = (k % 2) ? v[int(k / 2)] : (v[k / 2 - 1] + v[k / 2]) / 2; printf "%.3f %.3f", v[0], m }'
}
for l in $labels; do
	echo "$l $(stats "$l" 2) $(stats "$l" 3)"
done | awk '
	NR == 1 { bw = $3; bc = $5 }
	{ row[NR] = $0 }
	END {
		printf "%-12s %9s %9s %8s %9s %9s %8s\n", "build", "wall best", "median", "ratio", "cpu best", "median", "ratio"
		for (i = 1; i <= NR; i++) {
			split(row[i], f, " ")
			printf "%-12s %9.3f %9.3f %7.3fx %9.3f %9.3f %7.3fx\n", f[1], f[2], f[3], f[3] / bw, f[4], f[5], f[5] / bc
		}
	}'
