# shellcheck shell=sh
# bench/lib.sh: the setup that bench/native.bench.sh and bench/skel.bench.sh
# share, sourced by both (not run on its own): the root-on-Linux check, the
# re-run inside a private mount and network namespace, the synthetic skeleton
# and the rc.conf tree of N jails.

# The eleven default read-only entries of a skeleton.
ro="bin sbin lib libexec usr/bin usr/sbin usr/include usr/lib usr/libdata usr/libexec usr/share"

now_ns() { date +%s%N; }

# bench_enter NAME ARG...: sets top and rcjail (the built binary, or
# $RCJAIL); skips (exit 0) unless root on Linux. Outside the namespace it
# makes the work directory, runs "$0" ARG... again inside a private mount and
# network namespace and exits with its status. Inside it sets tmp (the work
# directory) and skel: the eleven default directories (a merged-/usr host's
# own / has symlinks and lacks libexec and usr/libdata), and in bin/true a
# static program that exits at once, as every jail's start command.
bench_enter() {
	_name=$1
	shift
	top=$(cd "$(dirname "$0")/.." && pwd)
	rcjail=${RCJAIL:-$top/bin/rcjail}
	if [ "$(id -u)" != 0 ] || [ "$(uname -s)" != Linux ]; then
		echo "$_name.bench.sh: skipped (needs root on Linux: it mounts, in a private namespace)"
		exit 0
	fi
	if [ ! -x "$rcjail" ]; then
		echo "$_name.bench.sh: $rcjail not found; run 'make bench' (it builds first)" >&2
		exit 1
	fi
	if [ -z "${RCJAIL_BENCH_INSIDE:-}" ]; then
		tmp=$(mktemp -d "/tmp/rcjail-${_name}bench.XXXXXX")
		# Every mount lives in the namespace, gone when unshare returns: the
		# removal cannot reach through a mount.
		trap 'rm -rf --one-file-system "$tmp"' EXIT
		_st=0
		unshare -m -n --propagation private env RCJAIL_BENCH_INSIDE="$tmp" RCJAIL="$rcjail" sh "$0" "$@" || _st=$?
		exit "$_st"
	fi
	tmp=$RCJAIL_BENCH_INSIDE
	skel=$tmp/skel
	for _d in $ro; do
		mkdir -p "$skel/$_d"
	done
	(cd "$top" && CGO_ENABLED=0 go build -o "$skel/bin/true" ./bench/jailtrue)
}

# bench_rcconf DIR N [LINE...]: a fresh rc.conf tree in DIR/conf whose
# rc.conf enables jails with /bin/true as the start command, has the LINEs,
# and lists N jails j001... rooted in DIR/jails; their mount points are made
# by rcjail prepare. Sets conf (DIR/conf) and list (the jail names).
bench_rcconf() {
	_dir=$1
	_n=$2
	shift 2
	conf=$_dir/conf
	rm -rf "${_dir:?}"
	mkdir -p "$conf/etc" "$conf/var/run" "$conf/var/log" "$_dir/jails"
	{
		echo 'jail_enable="YES"'
		echo 'jail_exec_start="/bin/true"'
		for _line in "$@"; do
			echo "$_line"
		done
		list=
		_i=1
		while [ "$_i" -le "$_n" ]; do
			_j=$(printf 'j%03d' "$_i")
			list="$list $_j"
			echo "jail_${_j}_rootdir=\"$_dir/jails/$_j\""
			echo "jail_${_j}_hostname=\"$_j.bench.example.org\""
			_i=$((_i + 1))
		done
		echo "jail_list=\"$list\""
	} >"$conf/etc/rc.conf"
	# $list is the blank-separated jail names, one argument each.
	# shellcheck disable=SC2086
	"$rcjail" -R "$conf" prepare $list >/dev/null
}
