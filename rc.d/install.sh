#!/bin/sh
# Installs or removes rcjail as a drop-in /etc/rc.d/jail. Called by the
# Makefile (GNU make or FreeBSD's make):
#
#   sh rc.d/install.sh install   DESTDIR PREFIX BIN
#   sh rc.d/install.sh uninstall DESTDIR PREFIX
#
# POSIX sh only (FreeBSD's base has no bash): no "local", no ${x//a/b}, no
# $'...', no pipefail; shellcheck -s sh checks it and the tests run it under
# dash.
#
# Layout (under DESTDIR):
#   PREFIX/sbin/rcjail                    the program, 0555
#   /etc/rc.d/jail                        rc.d/jail with @PREFIX@ replaced, 0555
#   /etc/rc.d/jail.orig                   the script that was there before
#   PREFIX/share/man/man8/rcjail.8.gz     the manual, 0444
#
# rc.subr's run_rc_script skips any file named *.orig (as a "scratch file",
# with a warning at boot and shutdown), so the original can stay beside the
# wrapper without ever running. Re-installing never replaces jail.orig with
# the wrapper: the wrapper carries the marker line "# rcjail-wrapper", and only
# a file without it is ever moved to jail.orig. If a base-system upgrade put a
# new original script in place, that newer script becomes jail.orig.
set -eu

marker='# rcjail-wrapper'
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

die() {
	echo "install.sh: $*" >&2
	exit 1
}

is_wrapper() {
	[ -f "$1" ] && grep -q "^$marker" "$1"
}

# A newline, for case patterns ($'\n' is not POSIX).
nl='
'

check_prefix() {
	p=$1
	case $p in
	/*) ;;
	*) die "PREFIX \"$p\": must be an absolute path" ;;
	esac
	# The prefix is written into the wrapper inside "${RCJAIL_BIN:-...}", a
	# double-quoted shell word: a quote, "$", backquote, backslash or "}"
	# there would change what the boot-time script runs.
	case $p in
	*[\"\$\`\\\}\']* | *"$nl"*) die "PREFIX \"$p\": contains a character the rc.d wrapper cannot quote" ;;
	esac
}

# sed_escape prints $1 escaped for the replacement of sed's s|...|...|.
sed_escape() {
	printf '%s\n' "$1" | sed 's/[\\&|]/\\&/g'
}

# The functions share the script's globals (POSIX sh has no "local"); each
# sets every variable it uses before reading it.
do_install() {
	destdir=$1 prefix=$2 bin=$3
	check_prefix "$prefix"
	[ -f "$bin" ] || die "$bin: no such program (run make build first)"

	sbin="$destdir$prefix/sbin" rcd="$destdir/etc/rc.d"
	man="$destdir$prefix/share/man/man8"
	# Create what is missing (0755); an existing directory keeps its mode.
	for d in "$sbin" "$rcd" "$man"; do
		[ -d "$d" ] || (umask 022 && mkdir -p "$d")
	done

	install -m 0555 "$bin" "$sbin/rcjail.new"
	mv -f "$sbin/rcjail.new" "$sbin/rcjail"

	# Keep the original script, once, and never our own wrapper.
	# A symlink would make is_wrapper read, and the install replace, a
	# file somewhere else; refuse it rather than guess.
	[ -L "$rcd/jail" ] && die "$rcd/jail is a symbolic link; move it away first"
	if [ -e "$rcd/jail" ] && ! is_wrapper "$rcd/jail"; then
		mv -f "$rcd/jail" "$rcd/jail.orig"
	fi

	esc=$(sed_escape "$prefix")
	sed "s|@PREFIX@|$esc|g" "$top/rc.d/jail" >"$rcd/jail.new"
	grep -q '@PREFIX@' "$rcd/jail.new" && die "rc.d/jail: @PREFIX@ left after substitution"
	chmod 0555 "$rcd/jail.new"
	mv -f "$rcd/jail.new" "$rcd/jail"

	gzip -9 -n -c "$top/doc/rcjail.8" >"$man/rcjail.8.gz.new"
	chmod 0444 "$man/rcjail.8.gz.new"
	mv -f "$man/rcjail.8.gz.new" "$man/rcjail.8.gz"
}

do_uninstall() {
	destdir=$1 prefix=$2
	check_prefix "$prefix"
	rcd="$destdir/etc/rc.d"
	rm -f "$destdir$prefix/sbin/rcjail" "$destdir$prefix/share/man/man8/rcjail.8.gz"
	if is_wrapper "$rcd/jail"; then
		if [ -e "$rcd/jail.orig" ]; then
			mv -f "$rcd/jail.orig" "$rcd/jail"
		else
			rm -f "$rcd/jail"
		fi
	elif [ -e "$rcd/jail.orig" ]; then
		# Something else replaced the wrapper (a base upgrade): leave both.
		echo "install.sh: $rcd/jail is not rcjail's wrapper; left it and $rcd/jail.orig alone" >&2
	fi
}

case ${1:-} in
install)
	[ $# -eq 4 ] || die "usage: install.sh install DESTDIR PREFIX BIN"
	do_install "$2" "$3" "$4"
	;;
uninstall)
	[ $# -eq 3 ] || die "usage: install.sh uninstall DESTDIR PREFIX"
	do_uninstall "$2" "$3"
	;;
*)
	die "usage: install.sh install DESTDIR PREFIX BIN | uninstall DESTDIR PREFIX"
	;;
esac
