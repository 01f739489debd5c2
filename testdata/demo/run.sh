#!/bin/sh
# make demo: a real skeleton jail, skeltest, in both skeleton modes.
#
# As root on Linux, inside a private mount and network namespace (nothing it
# mounts can reach the host's mount table), for nullfs mode and then symlink
# mode: copy this tree into a throw-away directory, point the jail's rootdir
# there, `rcjail prepare skeltest`, `rcjail start skeltest`, look inside the
# jail (hostname, ls /, a write to /bin that the read-only skeleton refuses),
# `rcjail stop skeltest`, and compare the mount table with the one before.
# Without root (or off Linux, or with RCJAIL_DEMO_PLAN=1) it prints the plans
# (`rcjail -n start`) instead and says how to run it for real.
#
# The two modes share the rc.conf in etc/; rc.conf.local, written here, adds
# the rootdir (an absolute path of the throw-away directory) and the mode:
#   nullfs:  skel_root=/, one read-only mount per usr/* entry; the jail root
#            gets Linux's merged-/usr links (bin -> usr/bin …) from this script;
#   symlink: skel_root=/usr mounted once, read-only, on <rootdir>/usr
#            (skel_basedir=usr), and prepare makes bin -> usr/bin, sbin, lib,
#            lib64 — the merged-/usr layout itself. (skel_root=/ is refused in
#            symlink mode when the jail root lies under /: the one mount would
#            show the jail the whole host.)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
rcjail=${RCJAIL:-$top/bin/rcjail}
if [ ! -x "$rcjail" ]; then
	echo "demo: $rcjail not found; run 'make demo' (it builds first)" >&2
	exit 1
fi

# conf_tree DIR MODE: the demo's rc.conf tree under DIR, for MODE, with the
# jail root at DIR/skeltest.
conf_tree() {
	mkdir -p "$1/conf/var/run" "$1/conf/var/log"
	cp -R "$here/etc" "$1/conf/etc"
	{
		echo "# written by testdata/demo/run.sh"
		echo "jail_skeltest_rootdir=\"$1/skeltest\""
		echo "jail_skeltest_skel_mode=\"$2\""
		if [ "$2" = symlink ]; then
			echo 'jail_skeltest_skel_root="/usr"'
			echo 'jail_skeltest_skel_basedir="usr"'
			echo 'jail_skeltest_skel_romounts="bin sbin lib"'
		fi
		if [ -d /usr/lib64 ]; then
			# The $ is for rc.conf's shell: the entry is appended there.
			# shellcheck disable=SC2016
			if [ "$2" = symlink ]; then
				echo 'jail_skeltest_skel_romounts="${jail_skeltest_skel_romounts} lib64"'
			else
				echo 'jail_skeltest_skel_romounts="${jail_skeltest_skel_romounts} usr/lib64"'
			fi
		fi
	} >"$1/conf/etc/rc.conf.local"
}

plan_only() {
	tmp=$(mktemp -d /tmp/rcjail-demo.XXXXXX)
	trap 'rm -rf "$tmp"' EXIT
	for mode in nullfs symlink; do
		mkdir -p "$tmp/$mode"
		conf_tree "$tmp/$mode" "$mode"
		echo "== $mode mode: the plan (rcjail -n prepare skeltest; rcjail -n start skeltest; rcjail -n stop skeltest)"
		"$rcjail" -R "$tmp/$mode/conf" -n prepare skeltest || true
		"$rcjail" -R "$tmp/$mode/conf" -n start skeltest || true
		"$rcjail" -R "$tmp/$mode/conf" -n stop skeltest || true
		echo
	done
	echo "This was the plan only: nothing was created, mounted or started."
	echo "To run the demo for real (it works in a private mount namespace and"
	echo "leaves the host as it was), run as root on Linux: sudo make demo"
}

# jx JID CMD...: run CMD inside the jail, as the native backend's jexec does.
jx() {
	_jid=$1
	shift
	nsenter --target "$_jid" --uts --ipc --mount --pid -r -w -- "$@"
}

# one_mode MODE: prepare, start, look inside, stop; appends to $tmp/counts.
one_mode() {
	mode=$1
	dir=$tmp/$mode
	mkdir -p "$dir"
	conf_tree "$dir" "$mode"
	conf=$dir/conf
	root=$dir/skeltest
	echo "==== $mode mode ===="
	echo "\$ rcjail prepare skeltest"
	"$rcjail" -R "$conf" prepare skeltest
	# What `make distribution` would do on FreeBSD, reduced to the two
	# scripts the jail runs at start and stop; /etc/rc leaves a daemon, as
	# a real one does (a jail with no process left goes away by itself).
	printf '#!/bin/sh\necho "skeltest: /etc/rc ran"\n# a daemon (without & : the jail has no /dev/null for a background job)\nsetsid -f sleep 3600\n' >"$root/etc/rc"
	printf '#!/bin/sh\necho "skeltest: /etc/rc.shutdown ran"\n' >"$root/etc/rc.shutdown"
	if [ "$mode" = nullfs ]; then
		for l in bin sbin lib lib64; do
			if [ -e "/usr/$l" ] && [ ! -e "$root/$l" ]; then
				ln -s "usr/$l" "$root/$l"
				echo "(demo) linked $root/$l -> usr/$l, as on a merged-/usr host"
			fi
		done
	fi
	echo "\$ rcjail check skeltest"
	"$rcjail" -R "$conf" check skeltest

	cp /proc/self/mountinfo "$dir/mountinfo.before"
	before=$(wc -l <"$dir/mountinfo.before")
	echo "\$ rcjail start skeltest"
	"$rcjail" -R "$conf" start skeltest
	running=$(wc -l </proc/self/mountinfo)
	jail_mounts=$(awk -v r="$root" '$5 == r || index($5, r "/") == 1' /proc/self/mountinfo | wc -l)
	jid=$(head -n 1 "$conf/var/run/jail_skeltest.id")
	echo "jail skeltest is running, jid $jid, with $jail_mounts mounts under its root"
	echo "\$ (in the jail) hostname"
	jx "$jid" /bin/hostname
	echo "\$ (in the jail) ls /"
	jx "$jid" /bin/ls /
	echo "\$ (in the jail) touch /bin/demo-write"
	if jx "$jid" /bin/touch /bin/demo-write 2>"$dir/write.err"; then
		echo "demo: FAILED: the jail could write to /bin" >&2
		status=1
	else
		echo "refused: $(cat "$dir/write.err")"
	fi
	echo "\$ rcjail stop skeltest"
	"$rcjail" -R "$conf" stop skeltest
	cp /proc/self/mountinfo "$dir/mountinfo.after"
	after=$(wc -l <"$dir/mountinfo.after")
	if cmp -s "$dir/mountinfo.before" "$dir/mountinfo.after"; then
		same=yes
		echo "mount table after stop: identical to before start ($after entries)"
	else
		same=NO
		status=1
		echo "demo: FAILED: the mount table differs after stop:" >&2
		diff "$dir/mountinfo.before" "$dir/mountinfo.after" >&2 || true
	fi
	printf '%-8s %7s %8s %6s %11s %9s\n' "$mode" "$before" "$running" "$after" "$jail_mounts" "$same" >>"$tmp/counts"
	echo
}

inside() {
	tmp=$RCJAIL_DEMO_INSIDE
	status=0
	: >"$tmp/counts"
	one_mode nullfs
	one_mode symlink
	echo "==== mount counts (this namespace's mount table) ===="
	printf '%-8s %7s %8s %6s %11s %9s\n' mode before running after "jail mounts" identical
	cat "$tmp/counts"
	exit "$status"
}

if [ -n "${RCJAIL_DEMO_INSIDE:-}" ]; then
	inside
fi

if [ "$(id -u)" != 0 ] || [ "$(uname -s)" != Linux ] || [ "${RCJAIL_DEMO_PLAN:-}" = 1 ]; then
	plan_only
	exit 0
fi

tmp=$(mktemp -d /tmp/rcjail-demo.XXXXXX)
# The namespace, and every mount in it, is gone when unshare returns, so the
# removal below never reaches through a mount into the host's /usr.
trap 'rm -rf --one-file-system "$tmp"' EXIT
st=0
unshare -m -n --propagation private env RCJAIL_DEMO_INSIDE="$tmp" RCJAIL="$rcjail" sh "$0" || st=$?
exit "$st"
