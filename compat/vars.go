package compat

import (
	"strconv"
)

// Setting is one resolved knob of a jail with where its value came from, for
// `rcjail show` (see [Config.Describe]).
type Setting struct {
	Knob  string // "rootdir", "exec_prestart0", "skel_romounts", …
	Var   string // the variable that was read: "jail_www_rootdir" or the global "jail_rootdir"; the per-jail name when nothing was set
	Value string // the value used (the default when Default is set)
	File  string // where Var was set ("" when unknown, defaulted or unset)
	Line  int
	// Default is true when no variable was set and the built-in default applies.
	Default bool
	// Written is the value as written when Value is its lexically cleaned
	// form and the two differ ("/jails//www/" for "/jails/www"); "" otherwise.
	Written string
	// SetEmpty is true when Var is set to "" and that empty value is used
	// (a knob whose default comes from defaults/rc.conf, set to "" over it).
	SetEmpty bool
	// Unknown is set (and Value empty) when the variable's value cannot be
	// known without running something (rcjail -R): the reason, with the
	// file:line of what would run.
	Unknown string
}

// Where says where the value came from: "file:line", "file", "default",
// "set" (set, origin unknown) or "unset".
func (s Setting) Where() string {
	switch {
	case s.Unknown != "":
		return "unknown (" + s.Unknown + ")"
	case s.Default:
		return "default"
	case s.File != "" && s.Line > 0:
		return s.File + ":" + strconv.Itoa(s.Line)
	case s.File != "":
		return s.File
	case s.Value != "" || s.SetEmpty:
		return "set"
	}
	return "unset"
}

// resolver reads rc.conf variables with the 8.x rules: empty means unset.
type resolver struct {
	v Vars
	o Origins  // nil when v does not know origins
	u Unknowns // nil when v has no unknown values
	// unknowns collects every unknown setting read since the builder last
	// took them (a jail needing one is refused).
	unknowns []Setting
}

func newResolver(v Vars) *resolver {
	r := &resolver{v: v}
	if o, ok := v.(Origins); ok {
		r.o = o
	}
	if u, ok := v.(Unknowns); ok {
		r.u = u
	}
	return r
}

// lookup returns the setting of one variable, or ok=false when it is unset or
// empty. An unknown value (rcjail -R, something would have to run) counts as
// set: its Setting carries the reason and no value.
func (r *resolver) lookup(knob, name string) (Setting, bool) {
	if r.u != nil {
		if why, ok := r.u.Unknown(name); ok {
			s := Setting{Knob: knob, Var: name, Unknown: why}
			if r.o != nil {
				if f, l, ok := r.o.Origin(name); ok {
					s.File, s.Line = f, l
				}
			}
			r.unknowns = append(r.unknowns, s)
			return s, true
		}
	}
	val, ok := r.v.Get(name)
	if !ok || val == "" {
		return Setting{Knob: knob, Var: name}, false
	}
	s := Setting{Knob: knob, Var: name, Value: val}
	if r.o != nil {
		if f, l, ok := r.o.Origin(name); ok {
			s.File, s.Line = f, l
		}
	}
	return s, true
}

// host reads a host-wide variable with a default.
func (r *resolver) host(name, def string) Setting {
	if s, ok := r.lookup(name, name); ok {
		return s
	}
	if def == "" {
		return Setting{Knob: name, Var: name}
	}
	return Setting{Knob: name, Var: name, Value: def, Default: true}
}

// perJail reads jail_<jv>_<knob> only (rootdir, hostname, ip, ip_multiN, exec).
func (r *resolver) perJail(jv, knob string) Setting {
	s, _ := r.lookup(knob, "jail_"+jv+"_"+knob)
	return s
}

// both reads jail_<jv>_<knob>, then jail_<knob>, then the default ("" = none).
func (r *resolver) both(jv, knob, def string) Setting {
	if s, ok := r.lookup(knob, "jail_"+jv+"_"+knob); ok {
		return s
	}
	if s, ok := r.lookup(knob, "jail_"+knob); ok {
		return s
	}
	s := Setting{Knob: knob, Var: "jail_" + jv + "_" + knob}
	if def != "" {
		s.Value, s.Default = def, true
	}
	return s
}

// bothSetDefault is [resolver.both] for a knob whose default lives in
// /etc/defaults/rc.conf (the skeleton lists, SPEC §1): the built-in default
// stands in for that file's line, so it applies only when no file of the
// chain sets the global variable. A global set to "" is empty, not the
// default (jail_skel_romounts="" mounts no read-only entries); an empty
// per-jail value still falls back to the global, as ${a:-$b} does.
func (r *resolver) bothSetDefault(jv, knob, def string) Setting {
	s := r.both(jv, knob, def)
	if !s.Default {
		return s
	}
	if set, ok := r.setEmpty(knob, "jail_"+knob); ok {
		return set
	}
	return s
}

// setEmpty returns the setting of a variable that is set to "" (ok false
// when it is unset or not empty).
func (r *resolver) setEmpty(knob, name string) (Setting, bool) {
	val, ok := r.v.Get(name)
	if !ok || val != "" {
		return Setting{}, false
	}
	s := Setting{Knob: knob, Var: name, SetEmpty: true}
	if r.o != nil {
		if f, l, ok := r.o.Origin(name); ok {
			s.File, s.Line = f, l
		}
	}
	return s, true
}

// numbered reads a numbered list (exec_prestart0, exec_prestart1, …) from
// index first, per-jail then global for each index, stopping at the first
// index where neither is set, as the script's loops do.
func (r *resolver) numbered(jv, knob string, first int, global bool) []Setting {
	var out []Setting
	for i := first; ; i++ {
		k := knob + strconv.Itoa(i)
		var s Setting
		if global {
			s = r.both(jv, k, "")
		} else {
			s = r.perJail(jv, k)
		}
		if s.Value == "" && s.Unknown == "" {
			return out
		}
		out = append(out, s)
	}
}
