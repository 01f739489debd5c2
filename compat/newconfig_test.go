package compat

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// C1: the plain jail resolves to the 8.x defaults.
func TestNewConfigPlainJail(t *testing.T) {
	c := mustConfig(t, rc(base...), nil)
	got := c.Jails["www"]
	want := &Jail{
		Name: "www", J: "www", JV: "www",
		RootDir: "/jails/www", Hostname: "www.example.org",
		IPs:           []Addr{{Family: "inet", Addr: "192.0.2.10", Mask: "/32"}},
		Flags:         []string{"-l", "-U", "root"},
		ExecStart:     []string{"/bin/sh", "/etc/rc"},
		ExecStop:      []string{"/bin/sh", "/etc/rc.shutdown"},
		ConsoleLog:    "/var/log/jail_www_console.log",
		DevfsRuleset:  "devfsrules_jail",
		DevfsRulesetN: -1,
		Fstab:         "/etc/fstab.www",
		Skel:          Skel{Root: "/", Mode: "nullfs", Basedir: "basejail"},
	}
	if d := cmp.Diff(want, got, cmpIgnoreSettings); d != "" {
		t.Errorf("jail www (-want +got):\n%s", d)
	}
	if !c.Enable || c.ParallelStart || c.ReverseStop || c.JailConf != "/etc/jail.conf" || c.Backend != "" {
		t.Errorf("host knobs: %+v", c)
	}
	if d := cmp.Diff([]string{"www"}, c.List); d != "" {
		t.Errorf("List: %s", d)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
}

// The precedence of every knob that has a global fallback: per-jail beats
// global beats default, and an empty value counts as unset.
func TestKnobPrecedence(t *testing.T) {
	type tc struct {
		knob   string // variable suffix
		extra  []string
		get    func(j *Jail) any
		perVal string
		glVal  string
		per    any // field value with the per-jail variable
		gl     any // with the global only
		dflt   any // with neither
		// emptyGl is the value with the global set to "": the default,
		// except for a knob whose default stands in for defaults/rc.conf's
		// line (SPEC §1): then "" is empty (issue 10 item 12).
		emptyGl    any
		emptyGlSet bool
	}
	words := func(j *Jail) any { return j.Flags }
	cases := []tc{
		{knob: "interface", get: func(j *Jail) any { return j.Interface }, perVal: "em1", glVal: "em0", per: "em1", gl: "em0", dflt: ""},
		{knob: "fib", get: func(j *Jail) any { return j.Fib }, perVal: "2", glVal: "1", per: "2", gl: "1", dflt: ""},
		{knob: "flags", get: words, perVal: "-l -U www", glVal: "-U nobody", per: []string{"-l", "-U", "www"}, gl: []string{"-U", "nobody"}, dflt: []string{"-l", "-U", "root"}},
		{knob: "consolelog", get: func(j *Jail) any { return j.ConsoleLog }, perVal: "/var/log/w.log", glVal: "/var/log/g.log", per: "/var/log/w.log", gl: "/var/log/g.log", dflt: "/var/log/jail_www_console.log"},
		{knob: "exec_start", get: func(j *Jail) any { return j.ExecStart }, perVal: "/bin/a", glVal: "/bin/b", per: []string{"/bin/a"}, gl: []string{"/bin/b"}, dflt: []string{"/bin/sh", "/etc/rc"}},
		{knob: "devfs_enable", get: func(j *Jail) any { return j.Devfs }, perVal: "NO", glVal: "YES", per: false, gl: true, dflt: false},
		{knob: "fdescfs_enable", get: func(j *Jail) any { return j.Fdescfs }, perVal: "yes", glVal: "off", per: true, gl: false, dflt: false},
		{knob: "procfs_enable", get: func(j *Jail) any { return j.Procfs }, perVal: "on", glVal: "true", per: true, gl: true, dflt: false},
		{knob: "mount_enable", get: func(j *Jail) any { return j.MountEnable }, perVal: "0", glVal: "1", per: false, gl: true, dflt: false},
		{knob: "devfs_ruleset", get: func(j *Jail) any { return j.DevfsRuleset }, perVal: "5", glVal: "myrules", per: "5", gl: "myrules", dflt: "devfsrules_jail"},
		{knob: "fstab", get: func(j *Jail) any { return j.Fstab }, perVal: "/etc/fstab.w", glVal: "/etc/fstab.g", per: "/etc/fstab.w", gl: "/etc/fstab.g", dflt: "/etc/fstab.www"},
		{knob: "skel_enable", get: func(j *Jail) any { return j.Skel.Enable }, perVal: "NO", glVal: "YES", per: false, gl: true, dflt: false},
		{knob: "skel_root", get: func(j *Jail) any { return j.Skel.Root }, perVal: "/skel/a", glVal: "/skel/g", per: "/skel/a", gl: "/skel/g", dflt: "/"},
		{knob: "skel_mode", get: func(j *Jail) any { return string(j.Skel.Mode) }, perVal: "symlink", glVal: "nullfs", per: "symlink", gl: "nullfs", dflt: "nullfs"},
		{knob: "exec_stop", get: func(j *Jail) any { return j.ExecStop }, perVal: "/bin/a", glVal: "/bin/b x", per: []string{"/bin/a"}, gl: []string{"/bin/b", "x"}, dflt: []string{"/bin/sh", "/etc/rc.shutdown"}},
		{knob: "skel_romounts", extra: []string{"jail_skel_enable=YES", "jail_skel_root=/skel"}, get: func(j *Jail) any { return skelPaths(j.Skel, false) },
			perVal: "bin", glVal: "lib usr/lib", per: []string{"bin"}, gl: []string{"lib", "usr/lib"}, dflt: strings.Fields(defaultSkelRO),
			emptyGl: []string(nil), emptyGlSet: true},
		{knob: "skel_rwmounts", extra: []string{"jail_skel_enable=YES", "jail_skel_root=/skel"}, get: func(j *Jail) any { return skelPaths(j.Skel, true) },
			perVal: "home", glVal: "var/tmp", per: []string{"home"}, gl: []string{"var/tmp"}, dflt: []string(nil)},
		{knob: "skel_basedir", get: func(j *Jail) any { return j.Skel.Basedir }, perVal: "b1", glVal: "b2", per: "b1", gl: "b2", dflt: "basejail"},
	}
	for _, c := range cases {
		if !c.emptyGlSet {
			c.emptyGl = c.dflt
		}
		t.Run(c.knob, func(t *testing.T) {
			// mount_enable=1 needs an fstab; give every variant one.
			fsys := mapFS{"/etc/fstab.www": "", "/etc/fstab.w": "", "/etc/fstab.g": "", "/etc/defaults/devfs.rules": testRules}
			for _, v := range []struct {
				name   string
				assign []string
				want   any
			}{
				{"per-jail wins", []string{"jail_www_" + c.knob + "=" + c.perVal, "jail_" + c.knob + "=" + c.glVal}, c.per},
				{"global", []string{"jail_" + c.knob + "=" + c.glVal}, c.gl},
				{"empty per-jail falls back", []string{"jail_www_" + c.knob + "=", "jail_" + c.knob + "=" + c.glVal}, c.gl},
				{"default", nil, c.dflt},
				{"empty both", []string{"jail_www_" + c.knob + "=", "jail_" + c.knob + "="}, c.emptyGl},
				{"empty global", []string{"jail_" + c.knob + "="}, c.emptyGl},
			} {
				j := mustConfig(t, with(append(append([]string(nil), c.extra...), v.assign...)...), fsys).Jails["www"]
				if len(j.Errors) != 0 {
					t.Errorf("%s: errors %q", v.name, errStrings(j))
				}
				if d := cmp.Diff(v.want, c.get(j)); d != "" {
					t.Errorf("%s: (-want +got)\n%s", v.name, d)
				}
			}
		})
	}
}

// Per-jail-only knobs ignore a global variable of the same name.
func TestPerJailOnly(t *testing.T) {
	c := mustConfig(t, rc("jail_list=www", "jail_rootdir=/jails/g", "jail_hostname=g.example.org",
		"jail_ip=192.0.2.1", "jail_exec=/bin/g", "jail_ip_multi0=192.0.2.2"), nil)
	j := c.Jails["www"]
	if j.IPs != nil || j.RootDir != "" || j.Hostname != "" {
		t.Errorf("global per-jail-only knobs were used: %+v", j)
	}
	if d := cmp.Diff([]string{"/bin/sh", "/etc/rc"}, j.ExecStart); d != "" {
		t.Errorf("global jail_exec was used: %s", d)
	}
	// Unset variables have no origin: no file in the message.
	want := []string{
		`jail www: jail_www_rootdir="": no root directory has been defined`,
		`jail www: jail_www_hostname="": no hostname has been defined`,
	}
	if d := cmp.Diff(want, errStrings(j)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
}

// exec_start / exec_stop defaulting (8.x): stop is defaulted only when start
// was; legacy exec is the start command and leaves no stop command.
func TestExecDefaulting(t *testing.T) {
	for _, tc := range []struct {
		name        string
		assign      []string
		start, stop []string
	}{
		{"both default", nil, []string{"/bin/sh", "/etc/rc"}, []string{"/bin/sh", "/etc/rc.shutdown"}},
		{"start set: no stop", []string{"jail_www_exec_start=/usr/local/bin/mydaemon -f"}, []string{"/usr/local/bin/mydaemon", "-f"}, nil},
		{"global start set: no stop", []string{"jail_exec_start=/bin/sh /etc/rc.custom"}, []string{"/bin/sh", "/etc/rc.custom"}, nil},
		{"start set, stop set", []string{"jail_www_exec_start=/a", "jail_exec_stop=/b x"}, []string{"/a"}, []string{"/b", "x"}},
		{"start default, stop set", []string{"jail_www_exec_stop=/b"}, []string{"/bin/sh", "/etc/rc"}, []string{"/b"}},
		{"legacy exec", []string{"jail_www_exec=/bin/sh /etc/rc", "jail_www_exec_start=/x", "jail_www_exec_stop=/y"}, []string{"/bin/sh", "/etc/rc"}, nil},
	} {
		j := mustConfig(t, with(tc.assign...), nil).Jails["www"]
		if d := cmp.Diff(tc.start, j.ExecStart); d != "" {
			t.Errorf("%s: start (-want +got)\n%s", tc.name, d)
		}
		if d := cmp.Diff(tc.stop, j.ExecStop); d != "" {
			t.Errorf("%s: stop (-want +got)\n%s", tc.name, d)
		}
		if len(j.Errors) != 0 {
			t.Errorf("%s: errors %q", tc.name, errStrings(j))
		}
	}
}

// C14: addresses, interface fallback, hooks and fib.
func TestC14(t *testing.T) {
	v := with(
		"jail_interface=em0",
		"jail_www_ip=192.0.2.10,lo1|10.1.1.1/24",
		"jail_www_ip_multi0=2001:db8::10",
		"jail_www_exec_prestart0=/usr/local/bin/pre0 www",
		"jail_www_exec_prestart1=/usr/local/bin/pre1 www",
		"jail_www_exec_afterstart1=/bin/sh /etc/after1",
		"jail_www_exec_poststart0=/usr/local/bin/post0 www",
		"jail_www_exec_prestop0=/usr/local/bin/prestop0 www",
		"jail_www_exec_poststop0=/usr/local/bin/poststop0 www",
		"jail_www_fib=1",
	)
	j := mustConfig(t, v, nil).Jails["www"]
	if len(j.Errors) > 0 {
		t.Fatalf("errors: %q", errStrings(j))
	}
	wantIPs := []Addr{
		{Iface: "em0", Family: "inet", Addr: "192.0.2.10", Mask: "/32"},
		{Iface: "lo1", Family: "inet", Addr: "10.1.1.1", Mask: "/24"},
		{Iface: "em0", Family: "inet6", Addr: "2001:db8::10", Mask: "/128"},
	}
	if d := cmp.Diff(wantIPs, j.IPs); d != "" {
		t.Errorf("IPs (-want +got)\n%s", d)
	}
	hooks := map[string][2][][]string{
		"prestart":   {{{"/usr/local/bin/pre0", "www"}, {"/usr/local/bin/pre1", "www"}}, j.PreStart},
		"afterstart": {{{"/bin/sh", "/etc/after1"}}, j.AfterStart},
		"poststart":  {{{"/usr/local/bin/post0", "www"}}, j.PostStart},
		"prestop":    {{{"/usr/local/bin/prestop0", "www"}}, j.PreStop},
		"poststop":   {{{"/usr/local/bin/poststop0", "www"}}, j.PostStop},
	}
	for k, h := range hooks {
		if d := cmp.Diff(h[0], h[1]); d != "" {
			t.Errorf("%s (-want +got)\n%s", k, d)
		}
	}
	if j.Fib != "1" {
		t.Errorf("fib %q", j.Fib)
	}
}

// Numbered lists stop at the first unset index; afterstart starts at 1;
// per-jail and global entries mix index by index.
func TestNumberedLists(t *testing.T) {
	v := with(
		"jail_www_exec_prestart0=/a",
		"jail_exec_prestart1=/g1",
		"jail_www_exec_prestart3=/never",
		"jail_www_exec_afterstart0=/ignored",
		"jail_www_exec_afterstart1=/after1",
		"jail_www_ip_multi0=192.0.2.20",
		"jail_www_ip_multi2=192.0.2.22",
		"jail_ip_multi1=192.0.2.21",
	)
	j := mustConfig(t, v, nil).Jails["www"]
	if d := cmp.Diff([][]string{{"/a"}, {"/g1"}}, j.PreStart); d != "" {
		t.Errorf("prestart (-want +got)\n%s", d)
	}
	if d := cmp.Diff([][]string{{"/after1"}}, j.AfterStart); d != "" {
		t.Errorf("afterstart (-want +got)\n%s", d)
	}
	// ip_multi is per-jail only: the global ip_multi1 is not a fallback, so
	// the list stops at index 1.
	want := []Addr{{Family: "inet", Addr: "192.0.2.10", Mask: "/32"}, {Family: "inet", Addr: "192.0.2.20", Mask: "/32"}}
	if d := cmp.Diff(want, j.IPs); d != "" {
		t.Errorf("IPs (-want +got)\n%s", d)
	}
}

// C16 and command-line selection: names replace jail_list, in order.
func TestListSelection(t *testing.T) {
	v := rc("jail_list=a b c",
		"jail_a_rootdir=/j/a", "jail_a_hostname=a", "jail_b_rootdir=/j/b", "jail_b_hostname=b",
		"jail_c_rootdir=/j/c", "jail_c_hostname=c")
	c := mustConfig(t, v, nil)
	if d := cmp.Diff([]string{"a", "b", "c"}, c.List); d != "" {
		t.Errorf("jail_list: %s", d)
	}
	c = mustConfig(t, v, nil, "c", "a")
	if d := cmp.Diff([]string{"c", "a"}, c.List); d != "" {
		t.Errorf("names: %s", d)
	}
	if _, ok := c.Jails["b"]; ok {
		t.Errorf("b resolved though not selected")
	}
	c = mustConfig(t, rc("jail_list="), nil)
	if len(c.List) != 0 || len(c.Jails) != 0 {
		t.Errorf("empty jail_list: %+v", c)
	}
}

var cmpIgnoreSettings = cmp.FilterPath(func(p cmp.Path) bool {
	return p.Last().String() == ".Settings"
}, cmp.Ignore())

// BenchmarkNewConfig resolves a 500-jail configuration with devfs, skeleton
// and hooks (security.md row 48: huge jail_list).
func BenchmarkNewConfig(b *testing.B) {
	assign := []string{"jail_devfs_enable=YES", "jail_skel_enable=YES", "jail_skel_root=/skel", "jail_exec_prestart0=/bin/true x"}
	var list []string
	for i := 0; i < 500; i++ {
		n := "j" + strconv.Itoa(i)
		list = append(list, n)
		assign = append(assign, "jail_"+n+"_rootdir=/jails/"+n, "jail_"+n+"_hostname="+n+".example.org", "jail_"+n+"_ip=192.0.2.1,2001:db8::1")
	}
	assign = append(assign, "jail_list="+strings.Join(list, " "))
	v := rc(assign...)
	fsys := mapFS{"/etc/defaults/devfs.rules": testRules}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := NewConfig(v, fsys, nil)
		if err != nil || len(c.Jails) != 500 || len(c.Jails["j499"].Errors) != 0 {
			b.Fatalf("%v %d", err, len(c.Jails))
		}
	}
}

// C15: global defaults apply to every jail unless a per-jail value says
// otherwise; C6: legacy exec and per-jail flags.
func TestC15C6(t *testing.T) {
	v := rc("jail_list=a b", "jail_devfs_enable=YES", "jail_procfs_enable=YES",
		"jail_exec_start=/bin/sh /etc/rc.custom", "jail_a_procfs_enable=NO",
		"jail_a_rootdir=/j/a", "jail_a_hostname=a", "jail_b_rootdir=/j/b", "jail_b_hostname=b",
		"jail_b_exec=/bin/sh /etc/rc", "jail_b_flags=-l -U nobody")
	c := mustConfig(t, v, mapFS{"/etc/defaults/devfs.rules": testRules})
	a, b := c.Jails["a"], c.Jails["b"]
	if !a.Devfs || a.Procfs || !b.Devfs || !b.Procfs {
		t.Errorf("mounts: a devfs %v procfs %v, b devfs %v procfs %v", a.Devfs, a.Procfs, b.Devfs, b.Procfs)
	}
	if d := cmp.Diff([]string{"/bin/sh", "/etc/rc.custom"}, a.ExecStart); d != "" || a.ExecStop != nil {
		t.Errorf("a: start %s stop %q", d, a.ExecStop)
	}
	if d := cmp.Diff([]string{"/bin/sh", "/etc/rc"}, b.ExecStart); d != "" || b.ExecStop != nil {
		t.Errorf("b: start %s stop %q", d, b.ExecStop)
	}
	if d := cmp.Diff([]string{"-l", "-U", "nobody"}, b.Flags); d != "" {
		t.Errorf("b flags %s", d)
	}
	if a.DevfsRulesetN != 4 || b.DevfsRulesetN != 4 {
		t.Errorf("rulesets %d %d", a.DevfsRulesetN, b.DevfsRulesetN)
	}
}
