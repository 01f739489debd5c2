package compat

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestYesNo(t *testing.T) {
	for _, tc := range []struct {
		in      string
		val, ok bool
	}{
		{"YES", true, true}, {"yes", true, true}, {"Yes", true, true}, {"TRUE", true, true}, {"on", true, true}, {"1", true, true},
		{"NO", false, true}, {"no", false, true}, {"False", false, true}, {"OFF", false, true}, {"0", false, true},
		{"y", false, false}, {"2", false, false}, {" yes", false, false}, {"enable", false, false},
	} {
		val, ok := yesNo(tc.in)
		if val != tc.val || ok != tc.ok {
			t.Errorf("yesNo(%q) = %v, %v", tc.in, val, ok)
		}
	}
}

// checkyesno warnings name the variable actually read, once each; a value
// that is neither yes nor no counts as no.
func TestCheckyesnoWarnings(t *testing.T) {
	v := rc("jail_enable=maybe", "jail_list=a b",
		"jail_a_rootdir=/j/a", "jail_a_hostname=a", "jail_b_rootdir=/j/b", "jail_b_hostname=b",
		"jail_devfs_enable=sure", "jail_b_procfs_enable=yess", "jail_b_devfs_enable=YES")
	c := mustConfig(t, v, mapFS{"/etc/defaults/devfs.rules": "[devfsrules_jail=4]\nadd hide\n"})
	want := []string{
		"$jail_devfs_enable is not set properly - see rc.conf(5).",
		"$jail_b_procfs_enable is not set properly - see rc.conf(5).",
	}
	if d := cmp.Diff(want, c.Warnings); d != "" {
		t.Errorf("warnings (-want +got)\n%s", d)
	}
	// jail_enable's warning is the gate's, printed only where rc.subr
	// prints it (see TestEnableGarbageGate).
	if c.EnableWarning != "$jail_enable is not set properly - see rc.conf(5)." || c.EnableRaw != "maybe" {
		t.Errorf("EnableWarning %q EnableRaw %q", c.EnableWarning, c.EnableRaw)
	}
	if c.Enable || c.Jails["a"].Devfs || !c.Jails["b"].Devfs || c.Jails["b"].Procfs {
		t.Errorf("values: enable %v a.devfs %v b.devfs %v b.procfs %v", c.Enable, c.Jails["a"].Devfs, c.Jails["b"].Devfs, c.Jails["b"].Procfs)
	}
}

// The "Configuring jails:" knobs: yes → "1", no or garbage (with a warning,
// as set_sysctl's checkyesno) → "0", unset → "" (leave the sysctl alone).
func TestSysctls(t *testing.T) {
	c := mustConfig(t, rc("jail_set_hostname_allow=NO", "jail_sysvipc_allow=YES", "jail_socket_unixiproute_only=perhaps"), nil)
	want := []SysctlKnob{
		{Label: "set_hostname_allow", MIB: "security.jail.set_hostname_allowed", Var: "jail_set_hostname_allow", Want: "0"},
		{Label: "unixiproute_only", MIB: "security.jail.socket_unixiproute_only", Var: "jail_socket_unixiproute_only", Want: "0",
			Warning: "$jail_socket_unixiproute_only is not set properly - see rc.conf(5)."},
		{Label: "sysvipc_allow", MIB: "security.jail.sysvipc_allowed", Var: "jail_sysvipc_allow", Want: "1"},
	}
	if d := cmp.Diff(want, c.Sysctls); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings %q: set_sysctl's warnings belong to start's block", c.Warnings)
	}
	// Set to "" over defaults/rc.conf's line (issue 10 item 12): checkyesno
	// sees "", warns, and the sysctl goes to 0.
	c = mustConfig(t, rc("jail_set_hostname_allow="), nil)
	if k := c.Sysctls[0]; k.Want != "0" || k.Warning != "$jail_set_hostname_allow is not set properly - see rc.conf(5)." {
		t.Errorf("set to empty: %+v", k)
	}
	c = mustConfig(t, rc(), nil)
	for _, s := range c.Sysctls {
		if s.Want != "" {
			t.Errorf("unset %s: Want %q", s.Var, s.Want)
		}
	}
}

func TestHostKnobs(t *testing.T) {
	c := mustConfig(t, rc("jail_enable=yes", "jail_parallel_start=YES", "jail_reverse_stop=on", "jail_conf=/usr/local/etc/jail.conf"), nil)
	if !c.Enable || !c.ParallelStart || !c.ReverseStop || c.JailConf != "/usr/local/etc/jail.conf" {
		t.Errorf("%+v", c)
	}
}

func TestHostSettings(t *testing.T) {
	c := mustConfig(t, rc("jail_enable=YES", "jail_list=a"), nil)
	got := map[string]string{}
	for _, s := range c.Host {
		got[s.Var] = s.Where() + " " + s.Value
	}
	want := map[string]string{
		"jail_enable": "/etc/rc.conf:1 YES", "jail_list": "/etc/rc.conf:2 a",
		"jail_parallel_start": "unset ", "jail_reverse_stop": "unset ", "jail_conf": "default /etc/jail.conf",
		"rcjail_backend": "unset ", "jail_set_hostname_allow": "unset ", "jail_socket_unixiproute_only": "unset ",
		"jail_sysvipc_allow": "unset ",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}
