package compat

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func lintOf(m MapVars, listed ...string) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []string
	for _, f := range Lint(m, names, listed) {
		out = append(out, f.String())
	}
	return out
}

// The typos of issue 16 item 1, each with the closest knob or jail.
func TestLintTypos(t *testing.T) {
	got := lintOf(MapVars{
		"jail_enable":               "YES",
		"jail_list":                 "www db",
		"jail_www_rootdir":          "/jails/www",
		"jail_www_hostnmae":         "www.example.org",
		"jail_www_devfs_rulset":     "4",
		"jail_wwww_rootdir":         "/jails/wwww",
		"jail_www_exec_poststart1":  "/bin/true",
		"jail_db_exec_afterstart0":  "/bin/true",
		"jail_rootdir":              "/jails",
		"jail_devfs_enabel":         "YES",
		"rcjail_bakend":             "command",
		"jail_frobnicate":           "1",
		"jail_www_exec_prestart01":  "/bin/true",
		"jail_www_exec_prestart0":   "/bin/true",
		"jail_exec_poststop1":       "/bin/true",
		"jail_zzzz_hostname":        "z",
		"jail_db_ip_multi":          "192.0.2.1",
		"jail_www_ip_multi0":        "192.0.2.2",
		"jail_www_ip_multi1":        "192.0.2.3",
		"jail_www_vnet_interface":   "epair0b", // modern knobs are never flagged
		"jail_www_parameters":       "allow.raw_sockets",
		"jail_jls":                  "/usr/sbin/jls",
		"jail_db_osrelease":         "13.2-RELEASE",
		"jail_www_exec_afterstart1": "/bin/true",
	})
	want := []string{
		`jail_db_exec_afterstart0: never read: exec_afterstart<N> is read from 1`,
		`jail_db_ip_multi: no knob reads it (did you mean jail_db_ip_multi0?)`,
		`jail_devfs_enabel: no knob reads it (did you mean jail_devfs_enable?)`,
		`jail_exec_poststop1: never read: exec_poststop<N> is read from 0 up to the first index not set, and jail_exec_poststop0 is not set (did you mean jail_exec_poststop0?)`,
		`jail_frobnicate: no knob reads it`,
		`jail_rootdir: rootdir has no global form; set jail_<jail>_rootdir (did you mean jail_db_rootdir?)`,
		`jail_www_devfs_rulset: no knob reads it (did you mean jail_www_devfs_ruleset?)`,
		`jail_www_exec_poststart1: never read: exec_poststart<N> is read from 0 up to the first index not set, and jail_www_exec_poststart0 is not set (did you mean jail_www_exec_poststart0?)`,
		`jail_www_exec_prestart01: never read: the index 01 is read only as 1`,
		`jail_www_hostnmae: no knob reads it (did you mean jail_www_hostname?)`,
		`jail_wwww_rootdir: no jail "wwww" in jail_list: nothing reads it unless the jail is named on the command line (did you mean jail_www_rootdir?)`,
		`jail_zzzz_hostname: no jail "zzzz" in jail_list: nothing reads it unless the jail is named on the command line`,
		`rcjail_bakend: no knob reads it (did you mean rcjail_backend?)`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Lint (-want +got):\n%s", d)
	}
}

// A jail named on the command line (onestart www with no jail_list) is a
// jail: its knobs are read.
func TestLintNamedJail(t *testing.T) {
	m := MapVars{"jail_www_rootdir": "/j", "jail_www_hostname": "h"}
	if got := lintOf(m, "www"); len(got) != 0 {
		t.Errorf("Lint with www named: %q, want nothing", got)
	}
	if got := lintOf(m); len(got) != 2 {
		t.Errorf("Lint with nothing named: %q, want both flagged", got)
	}
}

// Every knob of the table, set for a listed jail (and globally where it has
// a global form), is read: the lint never flags a knob it knows.
func TestLintKnowsEveryKnob(t *testing.T) {
	m := MapVars{}
	for _, k := range Knobs {
		name := k.Name
		if k.Numbered {
			name += "0"
			if k.First == 1 {
				name = k.Name + "1"
			}
		}
		switch k.Scope {
		case Host:
			m[name] = "x"
		case Both:
			m["jail_"+name] = "x"
			m["jail_www_"+name] = "x"
		case PerJail:
			m["jail_www_"+name] = "x"
		}
	}
	m["jail_list"] = "www"
	if got := lintOf(m); len(got) != 0 {
		t.Errorf("Lint flags known knobs:\n%s", strings.Join(got, "\n"))
	}
}

func TestNameKnown(t *testing.T) {
	m := MapVars{"jail_list": "www", "jail_db_rootdir": "/j", "jail_empty_rootdir": ""}
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	for n, want := range map[string]bool{"www": true, "db": true, "empty": false, "wwww": false} {
		if got := NameKnown(m, names, n); got != want {
			t.Errorf("NameKnown(%q) = %v, want %v", n, got, want)
		}
	}
	if got := Closest("wwww", KnownJailNames(m, names)); got != "www" {
		t.Errorf("Closest(wwww, known) = %q", got)
	}
}
