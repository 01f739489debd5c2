# rcjail stub kit: sourced by every program in bin/. Each program appends its
# name and argv (tab-separated, one invocation per line) to $RCJAIL_TRACE and
# emulates just enough state under $RCJAIL_STUBSTATE:
#   mounts          "FSTYPE TARGET" per line, in mount order (mount, umount, df)
#   sysctl/<mib>    a sysctl's value (defaults below when the file is absent)
#   jails           running jids, one per line (jail adds, killall -KILL removes, jls reads)
#   roots/<jid>     a running jail's root (jail writes it, `jls -j JID path` prints
#                   it, `jls jid path` lists "JID ROOT" of every running jail)
#   nextjid         the next jid jail(8) prints (default 7)
#   jid/<hostname>  the jid jail(8) prints for that hostname (parallel starts)
#   names           "JID NAME" of jails created from a jail.conf (jail -f),
#                   listed by `jls jid name`, found by `jls -j NAME`
#   say             when present, hook and jexec print "<prog> ARGS…" on stdout
#                   and "<prog> ARGS… (stderr)" on stderr, to show where
#                   their output lands
#   fail/<prog>     makes <prog> fail (exit 1) when the file is empty or its
#                   first line equals the last argument; fail/jail's content
#                   is the error jail(8) prints
#   aliases         "IFACE ADDR" per line: ifconfig … alias adds, -alias removes
#   killparent      when present, jail(8) kills its caller (SIGKILL) once the
#                   jail exists and before it prints the jid: rcjail killed
#                   during jail(8)
# POSIX sh only (run by dash).

# The tests put only the stub directory on PATH, so that a program without a
# stub is "not found" instead of the host's real one; the stubs themselves
# need the usual tools.
PATH="$PATH:/usr/bin:/bin"

_name=${0##*/}
_st=${RCJAIL_STUBSTATE:?RCJAIL_STUBSTATE not set}

_trace() {
	# One write per line: parallel starts append to the trace together.
	_line=$_name
	for _a in "$@"; do
		_line=$(printf '%s\t%s' "$_line" "$_a")
	done
	printf '%s\n' "$_line" >>"${RCJAIL_TRACE:?RCJAIL_TRACE not set}"
}

_last() {
	_l=
	for _a in "$@"; do _l=$_a; done
	printf '%s' "$_l"
}

# _fails PROG ARGS…: should PROG fail for this invocation?
_fails() {
	_f="$_st/fail/$1"
	shift
	[ -f "$_f" ] || return 1
	[ -s "$_f" ] || return 0
	[ "$(head -n 1 "$_f")" = "$(_last "$@")" ]
}

# _addmount FSTYPE TARGET: the kernel names a mount by the clean path
# (mount(8) realpaths it), so "/j//www/./usr/" is recorded as "/j/www/usr".
_addmount() {
	_c=$(printf '%s\n' "$2" | sed -e 's#//*#/#g' -e 's#/\./#/#g' -e 's#/\./#/#g' -e 's#/\.$##' -e 's#\(.\)/$#\1#')
	printf '%s %s\n' "$1" "$_c" >>"$_st/mounts"
}

# _delmount TARGET: remove the last mount on TARGET; fail if none.
_delmount() {
	[ -f "$_st/mounts" ] || return 1
	_n=$(grep -n " $1\$" "$_st/mounts" | tail -n 1 | cut -d: -f1)
	[ -n "$_n" ] || return 1
	sed "${_n}d" "$_st/mounts" >"$_st/mounts.tmp" && mv "$_st/mounts.tmp" "$_st/mounts"
}

# _mountof DIR: print "FSTYPE TARGET" of the mount DIR is on (longest target).
_mountof() {
	_best="ufs /"
	_blen=1
	if [ -f "$_st/mounts" ]; then
		while read -r _t _m; do
			case "$1" in
			"$_m" | "$_m"/*)
				if [ "${#_m}" -ge "$_blen" ]; then
					_best="$_t $_m"
					_blen=${#_m}
				fi
				;;
			esac
		done <"$_st/mounts"
	fi
	printf '%s\n' "$_best"
}

_sysctl_default() {
	case "$1" in
	security.jail.set_hostname_allowed) echo 1 ;;
	security.jail.socket_unixiproute_only) echo 1 ;;
	security.jail.sysvipc_allowed) echo 0 ;;
	*) return 1 ;;
	esac
}

_jail() {
	if [ -f "$_st/fail/jail" ]; then
		echo "jail: $(head -n 1 "$_st/fail/jail")"
		echo "jail: second line of the failure"
		exit 1
	fi
	_jid=
	if [ -d "$_st/jid" ]; then
		# Parallel starts: a fixed jid per hostname (jid/<hostname>), so
		# that the order jail(8) runs in does not decide it.
		for _a in "$@"; do
			if [ -f "$_st/jid/${_a#host.hostname=}" ]; then
				_jid=$(cat "$_st/jid/${_a#host.hostname=}")
			fi
		done
	fi
	if [ -z "$_jid" ]; then
		_jid=$(cat "$_st/nextjid" 2>/dev/null || echo 7)
		echo $((_jid + 1)) >"$_st/nextjid"
	fi
	echo "$_jid" >>"$_st/jails"
	# The root: the word after -i in the legacy form, or path=.
	_prev= _root=
	for _a in "$@"; do
		case "$_prev,$_a" in
		-i,/*) _root=$_a ;;
		*,path=*) _root=${_a#path=} ;;
		esac
		_prev=$_a
	done
	if [ -n "$_root" ]; then
		mkdir -p "$_st/roots"
		printf '%s\n' "$_root" >"$_st/roots/$_jid"
	fi
	if [ -f "$_st/killparent" ]; then
		kill -KILL "$PPID"
		exit 0
	fi
	echo "$_jid"
	echo "console line one"
	echo "console line two"
}

# _jailconf [FLAGS] -f FILE -c|-r [-p1] [NAME]: create (every jail the file
# defines, "NAME {" lines, or only NAME) or remove NAME.
_jailconf() {
	_file='' _op='' _one=''
	while [ $# -gt 0 ]; do
		case "$1" in
		-f) _file=$2; shift ;;
		-c | -r) _op=$1 ;;
		-p1 | -l | -q | -U | -u) [ "$1" = -U ] || [ "$1" = -u ] && shift ;;
		*) _one=$1 ;;
		esac
		shift
	done
	[ -f "$_file" ] || { echo "jail: $_file: No such file or directory"; exit 1; }
	if [ "$_op" = -r ]; then
		_line=$(grep " $_one\$" "$_st/names" 2>/dev/null | head -n 1)
		[ -n "$_line" ] || { echo "jail: \"$_one\" not found"; exit 1; }
		grep -v " $_one\$" "$_st/names" >"$_st/names.tmp" || :
		mv "$_st/names.tmp" "$_st/names"
		grep -vx "${_line%% *}" "$_st/jails" >"$_st/jails.tmp" || :
		mv "$_st/jails.tmp" "$_st/jails"
		echo "$_one: removed"
		return 0
	fi
	if [ -f "$_st/fail/jail" ]; then
		echo "jail: $(head -n 1 "$_st/fail/jail")"
		exit 1
	fi
	sed -n 's/^[[:space:]]*\([A-Za-z0-9_]*\)[[:space:]]*{.*/\1/p' "$_file" | while read -r _n; do
		[ -z "$_one" ] || [ "$_n" = "$_one" ] || continue
		_jid=$(cat "$_st/nextjid" 2>/dev/null || echo 7)
		echo $((_jid + 1)) >"$_st/nextjid"
		echo "$_jid" >>"$_st/jails"
		echo "$_jid $_n" >>"$_st/names"
		echo "$_n: created"
	done
}

_trace "$@"
mkdir -p "$_st"
if _fails "$_name" "$@"; then
	echo "$_name: failing on demand" >&2
	exit 1
fi

case $_name in
mount_nullfs)
	_addmount nullfs "$(_last "$@")"
	;;
mount)
	if [ "$1" = "-a" ] && [ "$2" = "-F" ]; then
		[ -f "$3" ] || { echo "mount: $3: No such file" >&2; exit 1; }
		while read -r _dev _mp _type _rest; do
			case "$_dev" in '' | '#'*) continue ;; esac
			_addmount "$_type" "$_mp"
		done <"$3"
	elif [ "$1" = "-t" ]; then
		_addmount "$2" "$4"
	elif [ "$1" = "-p" ]; then
		# fstab format, as FreeBSD's mount -p prints the table.
		[ -f "$_st/mounts" ] || exit 0
		while read -r _t _m; do
			printf '%s\t%s\t%s\trw\t0 0\n' "$_t" "$_m" "$_t"
		done <"$_st/mounts"
	else
		echo "mount: unsupported by the stub: $*" >&2
		exit 1
	fi
	;;
umount)
	_d=$(_last "$@")
	_delmount "$_d" || { echo "umount: $_d: not a file system root directory" >&2; exit 1; }
	;;
df)
	_d=$(_last "$@")
	_mo=$(_mountof "$_d")
	_t=${_mo%% *} _m=${_mo#* }
	if [ "$1" = "-t" ] && [ "$2" != "$_t" ]; then
		exit 1
	fi
	echo "Filesystem 1K-blocks Used Avail Capacity Mounted on"
	echo "$_t 1000 10 990 1% $_m"
	;;
sysctl)
	if [ "$1" = "-n" ]; then
		if [ -f "$_st/sysctl/$2" ]; then
			cat "$_st/sysctl/$2"
		else
			_sysctl_default "$2" || { echo "sysctl: unknown oid '$2'" >&2; exit 1; }
		fi
	else
		mkdir -p "$_st/sysctl"
		printf '%s\n' "${1#*=}" >"$_st/sysctl/${1%%=*}"
	fi
	;;
jail)
	# rcjail's own starts always pass -i; jail.conf operations never do.
	case " $* " in
	*" -i "*) _jail "$@" ;;
	*" -f "*) _jailconf "$@" ;;
	*) _jail "$@" ;;
	esac
	;;
setfib)
	# setfib -F N jail ARGS…: run the jail emulation without a second trace line.
	_jail "$@"
	;;
jls)
	if [ "$1 $2" = "jid path" ]; then
		[ -f "$_st/jails" ] && while read -r _j; do
			printf '%s %s\n' "$_j" "$(cat "$_st/roots/$_j" 2>/dev/null || echo /)"
		done <"$_st/jails"
		exit 0
	fi
	if [ "$1 $2" = "jid name" ]; then
		[ -f "$_st/names" ] && cat "$_st/names"
		exit 0
	fi
	if [ "$1" = "-j" ] && [ -f "$_st/jails" ] && grep -qx "$2" "$_st/jails"; then
		if [ "$3" = "path" ]; then
			cat "$_st/roots/$2" 2>/dev/null || echo /
		fi
		exit 0
	fi
	[ "$1" = "-j" ] && [ -f "$_st/names" ] && grep -q " $2\$" "$_st/names" && exit 0
	echo "jls: jail \"$2\" not found" >&2
	exit 1
	;;
killall)
	if [ "$3" = "-KILL" ] && [ -f "$_st/jails" ]; then
		grep -vx "$2" "$_st/jails" >"$_st/jails.tmp" || :
		mv "$_st/jails.tmp" "$_st/jails"
	fi
	;;
env)
	echo "stop command output"
	;;
hook | jexec)
	if [ -f "$_st/say" ]; then
		echo "$_name $*"
		echo "$_name $* (stderr)" >&2
	fi
	;;
ifconfig)
	case "$(_last "$@")" in
	alias) printf '%s %s\n' "$1" "${3%%/*}" >>"$_st/aliases" ;;
	-alias)
		if [ -f "$_st/aliases" ]; then
			grep -vx "$1 $3" "$_st/aliases" >"$_st/aliases.tmp" || :
			mv "$_st/aliases.tmp" "$_st/aliases"
		fi
		;;
	esac
	;;
*)
	# devfs, ln, sleep: the trace is all.
	;;
esac
exit 0
