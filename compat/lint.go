package compat

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// LintFinding is one rc.conf variable that no knob of [Knobs] reads: a typo
// (jail_www_hostnmae), a per-jail knob of a jail in no jail_list, a hook
// numbered past a gap (exec_poststart1 without exec_poststart0). The script
// ignored all of these silently; `rcjail check` reports them.
type LintFinding struct {
	Var  string
	File string // where Var was set ("" when unknown)
	Line int
	// Jail is the jail of jail_list the variable was meant for ("" when it
	// is a host variable or names no listed jail).
	Jail string
	Msg  string
}

func (f LintFinding) String() string {
	s := filePrefix(f.File, f.Line)
	return s + f.Var + ": " + f.Msg
}

// Lint checks every variable of names (all the variables rc.conf set; only
// those starting with "jail_" or "rcjail_" are looked at) against the one
// knob table [Knobs]: each must be a knob of a jail in jail_list (or named in
// listed, the jails given on the command line), a host or global knob, and a
// numbered knob must be reachable from its first index without a gap, as the
// script reads them. Knobs of a script rcjail does not replace (the modern
// script's) are known and never flagged.
func Lint(v Vars, names []string, listed []string) []LintFinding {
	o, _ := v.(Origins)
	set := func(n string) bool { s, ok := v.Get(n); return ok && s != "" }

	// The jails: jail_list's words and the names given, by _jv.
	jails := map[string]string{} // jv → name
	var jvs []string
	list, _ := v.Get("jail_list")
	for _, n := range append(strings.Fields(list), listed...) {
		_, jv := jailNames(n)
		if _, dup := jails[jv]; !dup {
			jails[jv] = n
			jvs = append(jvs, jv)
		}
	}
	// reaches reports whether the numbered knob k's index idx is read for
	// jail jv ("" for the global chain alone), and else the first index
	// that is missing.
	reaches := func(k Knob, jv string, idx int) (bool, int) {
		for m := k.First; m < idx; m++ {
			name := k.Name + strconv.Itoa(m)
			if jv != "" && set("jail_"+jv+"_"+name) {
				continue
			}
			if (jv == "" || k.Scope == Both) && set("jail_"+name) {
				continue
			}
			return false, m
		}
		return true, 0
	}

	var out []LintFinding
	for _, n := range names {
		if !strings.HasPrefix(n, "jail_") && !strings.HasPrefix(n, "rcjail_") {
			continue
		}
		f := LintFinding{Var: n}
		if o != nil {
			f.File, f.Line, _ = o.Origin(n)
		}
		k, jv, ok := LookupKnob(n)
		switch {
		case !ok:
			f.Msg = "no knob reads it"
			if rest, _ := strings.CutPrefix(n, "jail_"); knownPerJail(rest) {
				f.Msg = rest + " has no global form; set jail_<jail>_" + rest
			}
			f.Jail = jailOfPrefix(n, jails)
			if s := Closest(n, lintCandidates(n, jvs, f.Jail)); s != "" {
				f.Msg += " (did you mean " + s + "?)"
			}
		case k.Ignored != "":
			continue
		case jv != "" && jails[jv] == "":
			f.Msg = "no jail " + strconv.Quote(jv) + " in jail_list: nothing reads it unless the jail is named on the command line"
			if s := Closest(jv, jvs); s != "" {
				f.Msg += " (did you mean jail_" + s + n[len("jail_")+len(jv):] + "?)"
			}
		case k.Numbered:
			idx := n[strings.LastIndex(n, k.Name)+len(k.Name):]
			i, _ := strconv.Atoi(idx)
			f.Jail = jails[jv]
			switch {
			case idx != strconv.Itoa(i):
				f.Msg = "never read: the index " + idx + " is read only as " + strconv.Itoa(i)
			case i < k.First:
				f.Msg = fmt.Sprintf("never read: %s<N> is read from %d", k.Name, k.First)
			default:
				var gap int
				var ok bool
				if jv != "" {
					ok, gap = reaches(k, jv, i)
				} else {
					ok, gap = reaches(k, "", i)
					for _, j := range jvs {
						if r, _ := reaches(k, j, i); r {
							ok = true
						}
					}
				}
				if ok {
					continue
				}
				fix := strings.TrimSuffix(n, idx) + strconv.Itoa(gap)
				f.Msg = fmt.Sprintf("never read: %s<N> is read from %d up to the first index not set, and %s is not set (did you mean %s?)", k.Name, k.First, fix, fix)
			}
		default:
			continue
		}
		out = append(out, f)
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].File != out[b].File {
			return out[a].File < out[b].File
		}
		return out[a].Line < out[b].Line
	})
	return out
}

// knownPerJail reports whether s is the name of a knob that exists only per
// jail (rootdir, hostname, ip, …).
func knownPerJail(s string) bool {
	for _, k := range Knobs {
		if k.Scope == PerJail && knobMatch(k, s) {
			return true
		}
	}
	return false
}

// jailOfPrefix is the listed jail whose jail_<jv>_ prefix n starts with
// (the longest), or "".
func jailOfPrefix(n string, jails map[string]string) string {
	best, bestJV := "", ""
	for jv, name := range jails {
		if strings.HasPrefix(n, "jail_"+jv+"_") && len(jv) > len(bestJV) {
			best, bestJV = name, jv
		}
	}
	return best
}

// lintCandidates is the variable names a typo n could have meant, kept
// few so that a huge rc.conf full of typos stays cheap (each candidate
// costs an edit distance): for a variable of a listed jail (jail, its
// jail_<jv>_ prefix) that jail's knobs; for a per-jail knob written
// without a jail, that knob of each listed jail; otherwise the host knobs
// and the global forms. A numbered knob is offered with n's own trailing
// index (or its first).
func lintCandidates(n string, jvs []string, jail string) []string {
	idx := n[len(strings.TrimRight(n, "0123456789")):]
	named := func(k Knob) string {
		switch {
		case !k.Numbered:
			return k.Name
		case idx != "":
			return k.Name + idx
		}
		return k.Name + strconv.Itoa(k.First)
	}
	var out []string
	if jail != "" {
		_, jv := jailNames(jail)
		for _, k := range Knobs {
			if k.Scope != Host {
				out = append(out, "jail_"+jv+"_"+named(k))
			}
		}
		return out
	}
	if rest, ok := strings.CutPrefix(n, "jail_"); ok && knownPerJail(rest) {
		for _, jv := range jvs {
			out = append(out, "jail_"+jv+"_"+rest)
		}
		return out
	}
	for _, k := range Knobs {
		switch k.Scope {
		case Host:
			out = append(out, named(k))
		case Both:
			out = append(out, "jail_"+named(k))
		}
	}
	return out
}

// NameKnown reports whether rc.conf says anything about jail name: it is in
// jail_list, or a per-jail variable of it is set (the script starts a jail
// named on the command line from its variables alone). Callers add what
// only the host knows: a jail.conf file, an id file, a record.
func NameKnown(v Vars, names []string, name string) bool {
	list, _ := v.Get("jail_list")
	for _, w := range strings.Fields(list) {
		if w == name {
			return true
		}
	}
	_, jv := jailNames(name)
	for _, n := range names {
		if _, kjv, ok := LookupKnob(n); ok && kjv == jv {
			if s, _ := v.Get(n); s != "" {
				return true
			}
		}
	}
	return false
}

// KnownJailNames is every jail rc.conf mentions (jail_list's words, then
// the _jv of each per-jail variable), for "did you mean".
func KnownJailNames(v Vars, names []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	list, _ := v.Get("jail_list")
	for _, w := range strings.Fields(list) {
		add(w)
	}
	for _, n := range names {
		if _, jv, ok := LookupKnob(n); ok && jv != "" {
			add(jv)
		}
	}
	return out
}
