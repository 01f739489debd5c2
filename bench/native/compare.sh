#!/bin/sh
# Compare two builds of nativebench (an old one built from a git worktree of
# an earlier commit, and the current one) on the executor's mount path,
# against the floor, interleaved in one private mount namespace so that the
# other core's noise hits every column alike. Reports, per column, the best
# wall time of a round and the CPU time (user + sys of the whole process,
# from /usr/bin/time) per jail start+stop, best and mean over REPS
# processes, and the ratios to the floor of the same run. MODES (default
# "executor") lists the nativebench modes to compare, each a column per
# build (old-MODE, new-MODE): "executor executor-start" adds the real-start
# pattern (an old build without that mode: build the old tree with the
# current bench/native/nativebench/main.go copied in).
#
# Usage (root, Linux):
#   git worktree add /tmp/old <commit> && (cd /tmp/old && go build -o /tmp/nb-old ./bench/native/nativebench)
#   go build -o /tmp/nb-new ./bench/native/nativebench
#   sh bench/native/compare.sh /tmp/nb-old /tmp/nb-new [N] [ROUNDS] [REPS]
set -eu

old=$1
new=$2
n=${3:-100}
rounds=${4:-5}
reps=${5:-6}
modes=${MODES:-executor}
ro="bin sbin lib libexec usr/bin usr/sbin usr/include usr/lib usr/libdata usr/libexec usr/share"

if [ "$(id -u)" != 0 ] || [ "$(uname -s)" != Linux ]; then
	echo "compare.sh: skipped (needs root on Linux: it mounts, in a private namespace)"
	exit 0
fi
if [ -z "${RCJAIL_COMPARE_INSIDE:-}" ]; then
	tmp=$(mktemp -d /tmp/rcjail-compare.XXXXXX)
	trap 'rm -rf --one-file-system "$tmp"' EXIT
	st=0
	unshare -m -n --propagation private env RCJAIL_COMPARE_INSIDE="$tmp" sh "$0" "$@" || st=$?
	exit "$st"
fi
tmp=$RCJAIL_COMPARE_INSIDE
for d in $ro; do
	mkdir -p "$tmp/skel/$d"
done
i=1
while [ "$i" -le "$n" ]; do
	for d in $ro; do
		mkdir -p "$tmp/jails/$(printf 'j%03d' "$i")/$d"
	done
	i=$((i + 1))
done
mkdir -p "$tmp/state"
# State files live where Linux keeps /var/run: on a tmpfs.
mount -t tmpfs tmpfs "$tmp/state"

# one COLUMN BINARY MODE: appends "COLUMN wall_ns cpu_s" to the results.
one() {
	before=$(wc -l </proc/self/mountinfo)
	/usr/bin/time -f "%U %S" -o "$tmp/time" "$2" -mode "$3" -n "$n" -rounds "$rounds" \
		-skel "$tmp/skel" -jails "$tmp/jails" -state "$tmp/state" -entries "$ro" >"$tmp/wall"
	if [ "$(wc -l </proc/self/mountinfo)" -ne "$before" ]; then
		echo "compare.sh: $1: mounts left" >&2
		exit 1
	fi
	echo "$1 $(cat "$tmp/wall") $(awk '{ print $1 + $2 }' "$tmp/time")" >>"$tmp/res"
}

: >"$tmp/res"
r=0
while [ "$r" -lt "$reps" ]; do
	one floor "$new" floor
	for m in $modes; do
		one "old-$m" "$old" "$m"
		one "new-$m" "$new" "$m"
	done
	r=$((r + 1))
done

echo "N=$n, $rounds rounds per process, $reps processes per column, interleaved"
echo "wall: best round, µs per jail; cpu: user+sys of a process / (rounds*N), µs per jail"
cols=floor
for m in $modes; do cols="$cols old-$m new-$m"; done
awk -v n="$n" -v rounds="$rounds" -v cols="$cols" '
	{
		w = $2 / n / 1000; c = $3 * 1e6 / (rounds * n)
		if (!($1 in wb) || w < wb[$1]) wb[$1] = w
		if (!($1 in cb) || c < cb[$1]) cb[$1] = c
		cs[$1] += c; k[$1]++
	}
	END {
		printf "%-19s %10s %10s %10s %12s %12s\n", "column", "wall best", "cpu best", "cpu mean", "wall/floor", "cpu/floor"
		nc = split(cols, col, " ")
		for (i = 1; i <= nc; i++) {
			c = col[i]
			printf "%-19s %10.1f %10.1f %10.1f %11.2fx %11.2fx\n", c, wb[c], cb[c], cs[c] / k[c], wb[c] / wb["floor"], (cs[c] / k[c]) / (cs["floor"] / k["floor"])
		}
	}' "$tmp/res"
