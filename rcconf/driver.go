package rcconf

import "strings"

// driverTemplate is rcjail's own restatement of what rc.subr's
// "load_rc_config <service>" does, as shell text. rcconf evaluates exactly this
// text, and the confirm tests run exactly this text under dash, so that the two
// can only differ in how the shell itself behaves.
//
// Order: /etc/defaults/rc.conf and the source_rc_confs it defines (or
// /etc/rc.conf alone when there are no defaults); then, for /etc and each
// local_startup directory with a trailing /rc.d removed (default
// /usr/local/etc), rc.conf.d/<service> as a file, or every regular file in it as
// a directory, in name order. The loader runs inside a function with its own
// locals, as rc.subr's does, so an rc.conf assigning _d or _f behaves the same.
const driverTemplate = `load_rc_config()
{
	local _name _d _f _dirs
	_name=$1
	if [ -r /etc/defaults/rc.conf ]; then
		. /etc/defaults/rc.conf
		if [ "${source_rc_confs_defined:-}" != "" ] || type source_rc_confs >/dev/null 2>&1; then
			source_rc_confs
		fi
	elif [ -r /etc/rc.conf ]; then
		. /etc/rc.conf
	fi
	_rc_conf_loaded=true
	_dirs="/etc ${local_startup-/usr/local/etc/rc.d}"
	for _d in $_dirs; do
		_d=${_d%/rc.d}
		if [ -f "$_d/rc.conf.d/$_name" ]; then
			. "$_d/rc.conf.d/$_name"
		elif [ -d "$_d/rc.conf.d/$_name" ]; then
			for _f in "$_d/rc.conf.d/$_name"/*; do
				if [ -f "$_f" ]; then
					. "$_f"
				fi
			done
		fi
	done
}
load_rc_config @SERVICE@
`

// Driver returns the loader script for service, as evaluated by [Load] and by
// the dash confirm tests.
func Driver(service string) string {
	return strings.ReplaceAll(driverTemplate, "@SERVICE@", service)
}
