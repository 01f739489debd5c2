package compat

import (
	"strings"
)

// KnobScope says where a knob may be set.
type KnobScope int

const (
	// PerJail knobs exist only as jail_<jv>_<knob>.
	PerJail KnobScope = iota
	// Both: jail_<jv>_<knob>, falling back to jail_<knob>.
	Both
	// Host knobs are one whole variable name (jail_enable, rcjail_backend).
	Host
)

// Knob origins: which script a knob comes from (SPEC §1).
const (
	From8x     = "8.x"    // the last legacy rc.d/jail (FreeBSD 7–9)
	FromModern = "modern" // the rc.d/jail of FreeBSD 10–14 (generated jail.conf)
	FromSkel   = "skel"   // the 2006 skeleton patch (SPEC §4)
	FromRcjail = "rcjail" // rcjail's own
)

// Knob is one rc.conf variable (family) rcjail knows. This is the one table
// of known knobs: `check` lints rc.conf against it, and the documentation's
// per-knob origin list is written from it.
type Knob struct {
	// Name is the part after jail_<jv>_ (and jail_ for the global form), or,
	// for a Host knob, the whole variable name.
	Name  string
	Scope KnobScope
	// Numbered knobs take an index suffix: Name<N>, N ≥ First.
	Numbered bool
	First    int
	From     string
	// Ignored, when not empty, says why rcjail knows the knob but does not
	// act on it (a program path of the modern script, say).
	Ignored string
}

// Knobs lists every knob, 8.x first, then the skeleton and rcjail knobs,
// then the modern script's additions.
var Knobs = []Knob{
	{Name: "jail_enable", Scope: Host, From: From8x},
	{Name: "jail_list", Scope: Host, From: From8x},
	{Name: "jail_set_hostname_allow", Scope: Host, From: From8x},
	{Name: "jail_socket_unixiproute_only", Scope: Host, From: From8x},
	{Name: "jail_sysvipc_allow", Scope: Host, From: From8x},
	{Name: "rootdir", Scope: PerJail, From: From8x},
	{Name: "hostname", Scope: PerJail, From: From8x},
	{Name: "ip", Scope: PerJail, From: From8x},
	{Name: "ip_multi", Scope: PerJail, Numbered: true, From: From8x},
	{Name: "exec", Scope: PerJail, From: From8x},
	{Name: "interface", Scope: Both, From: From8x},
	{Name: "fib", Scope: Both, From: From8x},
	{Name: "flags", Scope: Both, From: From8x},
	{Name: "consolelog", Scope: Both, From: From8x},
	{Name: "exec_start", Scope: Both, From: From8x},
	{Name: "exec_stop", Scope: Both, From: From8x},
	{Name: "exec_prestart", Scope: Both, Numbered: true, From: From8x},
	{Name: "exec_poststart", Scope: Both, Numbered: true, From: From8x},
	{Name: "exec_prestop", Scope: Both, Numbered: true, From: From8x},
	{Name: "exec_poststop", Scope: Both, Numbered: true, From: From8x},
	{Name: "exec_afterstart", Scope: Both, Numbered: true, First: 1, From: From8x},
	{Name: "devfs_enable", Scope: Both, From: From8x},
	{Name: "devfs_ruleset", Scope: Both, From: From8x},
	{Name: "fdescfs_enable", Scope: Both, From: From8x},
	{Name: "procfs_enable", Scope: Both, From: From8x},
	{Name: "mount_enable", Scope: Both, From: From8x},
	{Name: "fstab", Scope: Both, From: From8x},

	{Name: "skel_enable", Scope: Both, From: FromSkel},
	{Name: "skel_root", Scope: Both, From: FromSkel},
	{Name: "skel_romounts", Scope: Both, From: FromSkel},
	{Name: "skel_rwmounts", Scope: Both, From: FromSkel},
	{Name: "skel_mode", Scope: Both, From: FromRcjail},
	{Name: "skel_basedir", Scope: Both, From: FromRcjail},
	{Name: "rcjail_backend", Scope: Host, From: FromRcjail},

	{Name: "jail_parallel_start", Scope: Host, From: FromModern},
	{Name: "jail_reverse_stop", Scope: Host, From: FromModern},
	{Name: "jail_conf", Scope: Host, From: FromModern},
	{Name: "jail_confwarn", Scope: Host, From: FromModern},
	{Name: "conf", Scope: PerJail, From: FromModern},
	{Name: "parameters", Scope: Both, From: FromModern},
	{Name: "vnet_interface", Scope: Both, From: FromModern},
	{Name: "set_hostname_allow", Scope: PerJail, From: FromModern},
	{Name: "sysvipc_allow", Scope: PerJail, From: FromModern},
	{Name: "socket_unixiproute_only", Scope: PerJail, From: FromModern},
	{Name: "enforce_statfs", Scope: Both, From: FromModern},
	{Name: "osrelease", Scope: Both, From: FromModern},
	{Name: "osreldate", Scope: Both, From: FromModern},
	{Name: "consolecmd", Scope: Both, From: FromModern},
	{Name: "program", Scope: Both, From: FromModern, Ignored: "rcjail runs jail(8) from PATH"},
	{Name: "jail_jexec", Scope: Host, From: FromModern, Ignored: "rcjail runs jexec(8) from PATH"},
	{Name: "jail_jls", Scope: Host, From: FromModern, Ignored: "rcjail runs jls(8) from PATH"},
}

// LookupKnob finds the knob a variable name sets and, for per-jail
// variables, the _jv part of the name. Numbered knobs match with any
// decimal suffix. ok is false for a name that is no knob rcjail knows.
//
// A _jv can itself contain underscores, so the split is tried from the left:
// the knob is the longest known suffix (jail_my_jail_exec_start is knob
// exec_start of jail my_jail). The global form jail_<knob> wins over reading
// the same name as a per-jail one.
func LookupKnob(name string) (k Knob, jv string, ok bool) {
	for _, k := range Knobs {
		if k.Scope == Host && k.Name == name {
			return k, "", true
		}
	}
	rest, found := strings.CutPrefix(name, "jail_")
	if !found {
		return Knob{}, "", false
	}
	for _, k := range Knobs {
		if k.Scope == Both && knobMatch(k, rest) {
			return k, "", true
		}
	}
	for p := strings.Index(rest, "_"); p >= 0; {
		if p > 0 {
			for _, k := range Knobs {
				if k.Scope != Host && knobMatch(k, rest[p+1:]) {
					return k, rest[:p], true
				}
			}
		}
		q := strings.Index(rest[p+1:], "_")
		if q < 0 {
			break
		}
		p += q + 1
	}
	return Knob{}, "", false
}

// knobMatch reports whether s is the knob's name (with an index when the
// knob is numbered).
func knobMatch(k Knob, s string) bool {
	if !k.Numbered {
		return s == k.Name
	}
	n, ok := strings.CutPrefix(s, k.Name)
	if !ok || n == "" {
		return false
	}
	return strings.Trim(n, "0123456789") == ""
}
