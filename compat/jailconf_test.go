package compat

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// C8 and issue 6: a jail rc.conf does not define may come from a jail.conf
// file, searched in the modern script's order; otherwise the usual errors.
func TestJailConfDefined(t *testing.T) {
	for _, tc := range []struct {
		name   string
		assign []string
		files  []string
		want   string
	}{
		{"per-jail conf variable", []string{"jail_bad_conf=/usr/local/etc/bad.conf"}, []string{"/usr/local/etc/bad.conf", "/etc/jail.conf"}, "/usr/local/etc/bad.conf"},
		{"jail.<j>.conf", nil, []string{"/etc/jail.bad.conf", "/etc/jail.conf.d/bad.conf", "/etc/jail.conf"}, "/etc/jail.bad.conf"},
		{"jail.conf.d", nil, []string{"/etc/jail.conf.d/bad.conf", "/etc/jail.conf"}, "/etc/jail.conf.d/bad.conf"},
		{"jail_conf", []string{"jail_conf=/etc/jails.conf"}, []string{"/etc/jails.conf"}, "/etc/jails.conf"},
		{"default jail_conf", nil, []string{"/etc/jail.conf"}, "/etc/jail.conf"},
		{"per-jail conf variable missing", []string{"jail_bad_conf=/nope"}, []string{"/etc/jail.conf.d/bad.conf"}, "/etc/jail.conf.d/bad.conf"},
	} {
		fsys := mapFS{}
		for _, f := range tc.files {
			fsys[f] = "bad { path = /j/bad; }\n"
		}
		v := rc(append([]string{"jail_list=bad", "jail_bad_hostname=bad.example.org"}, tc.assign...)...)
		j := mustConfig(t, v, fsys).Jails["bad"]
		if j.JailConfFile != tc.want || len(j.Errors) != 0 {
			t.Errorf("%s: file %q errors %q, want %q", tc.name, j.JailConfFile, errStrings(j), tc.want)
		}
	}
	// A hostname that is set is still checked.
	j0 := mustConfig(t, rc("jail_list=bad", "jail_bad_hostname=a;b"), mapFS{"/etc/jail.conf": "x"}).Jails["bad"]
	if d := cmp.Diff([]string{`/etc/rc.conf:2: jail bad: jail_bad_hostname="a;b": hostname contains ";", which a shell would interpret`}, errStrings(j0)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	// No file: the usual errors.
	j := mustConfig(t, rc("jail_list=bad", "jail_bad_hostname=bad.example.org"), mapFS{}).Jails["bad"]
	want := []string{`jail bad: jail_bad_rootdir="": no root directory has been defined`}
	if d := cmp.Diff(want, errStrings(j)); d != "" || j.JailConfFile != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	// A jail rc.conf defines fully is not looked up in jail.conf.
	j = mustConfig(t, rc(base...), mapFS{"/etc/jail.conf": "x"}).Jails["www"]
	if j.JailConfFile != "" {
		t.Errorf("rc.conf jail taken from %s", j.JailConfFile)
	}
}

func TestDescribe(t *testing.T) {
	c := mustConfig(t, with("jail_devfs_enable=YES", "jail_www_exec_prestart0=/bin/pre"), mapFS{"/etc/defaults/devfs.rules": testRules})
	got := map[string]Setting{}
	for _, s := range c.Describe("www") {
		got[s.Knob] = s
	}
	for _, w := range []Setting{
		{Knob: "rootdir", Var: "jail_www_rootdir", Value: "/jails/www", File: "/etc/rc.conf", Line: 3},
		{Knob: "devfs_enable", Var: "jail_devfs_enable", Value: "YES", File: "/etc/rc.conf", Line: 6},
		{Knob: "flags", Var: "jail_www_flags", Value: "-l -U root", Default: true},
		{Knob: "consolelog", Var: "jail_www_consolelog", Value: "/var/log/jail_www_console.log", Default: true},
		{Knob: "exec_prestart0", Var: "jail_www_exec_prestart0", Value: "/bin/pre", File: "/etc/rc.conf", Line: 7},
		{Knob: "exec_stop", Var: "jail_www_exec_stop", Value: "/bin/sh /etc/rc.shutdown", Default: true},
		{Knob: "interface", Var: "jail_www_interface"},
	} {
		if d := cmp.Diff(w, got[w.Knob]); d != "" {
			t.Errorf("%s (-want +got)\n%s", w.Knob, d)
		}
	}
	for k, w := range map[string]string{"rootdir": "/etc/rc.conf:3", "flags": "default", "interface": "unset"} {
		if got[k].Where() != w {
			t.Errorf("%s: Where %q, want %q", k, got[k].Where(), w)
		}
	}
	if c.Describe("nosuch") != nil {
		t.Errorf("unknown jail described")
	}
}
