package compat

import (
	"strings"
	"testing"
)

// TestStepArgv pins the command the command backend runs (and -n prints)
// for each kind of step.
func TestStepArgv(t *testing.T) {
	root := UnderRoot("/r")
	for _, tc := range []struct {
		s    Step
		want string
	}{
		{SysctlSet{MIB: "security.jail.sysvipc_allowed", Value: "1"}, "sysctl 'security.jail.sysvipc_allowed=1'"},
		{AliasAdd{Addr: Addr{Iface: "em0", Family: "inet", Addr: "192.0.2.10", Mask: "/32"}}, "ifconfig em0 inet 192.0.2.10/32 alias"},
		{AliasAdd{Addr: Addr{Iface: "em0", Family: "inet", Addr: "10.0.0.1", Mask: " netmask 255.255.255.0"}}, "ifconfig em0 inet 10.0.0.1 netmask 255.255.255.0 alias"},
		{AliasRemove{Addr: Addr{Iface: "em0", Family: "inet6", Addr: "2001:db8::10", Mask: "/128"}}, "ifconfig em0 inet6 2001:db8::10 -alias"},
		{Mount{FSType: FSNullfs, Source: "/skel/bin", Target: "/j/bin", ReadOnly: true}, "mount_nullfs -o ro /skel/bin /j/bin"},
		{Mount{FSType: FSNullfs, Source: "/skel/usr/local", Target: "/j/usr/local"}, "mount_nullfs /skel/usr/local /j/usr/local"},
		{Mount{FSType: FSDevfs, Target: "/j/dev"}, "mount -t devfs dev /j/dev"},
		{Mount{FSType: FSFdescfs, Target: "/j/dev/fd"}, "mount -t fdescfs fdesc /j/dev/fd"},
		{Mount{FSType: FSProcfs, Target: "/j/proc"}, "mount -t procfs proc /j/proc"},
		{Unmount{Target: "/j/bin"}, "umount -f /j/bin"},
		{FstabMount{Fstab: "/etc/fstab.www"}, "mount -a -F /r/etc/fstab.www"},
		{DevfsRule{Ruleset: 4, Args: []string{"add", "include", "1"}}, "devfs rule -s 4 add include 1"},
		{DevfsRuleset{Dir: "/j/dev", Ruleset: 4}, "devfs -m /j/dev ruleset 4"},
		{DevfsApply{Dir: "/j/dev"}, "devfs -m /j/dev rule applyset"},
		{Symlink{Target: "../var/run/log", Path: "/j/dev/log"}, "ln -sf ../var/run/log /j/dev/log"},
		{Exec{Argv: []string{"/usr/local/bin/pre0", "a b"}}, "/usr/local/bin/pre0 'a b'"},
		{StartJail{Fib: "1", Flags: []string{"-l", "-U", "root"}, Root: "/j", Hostname: "h", IPs: []string{"1.2.3.4", "::1"}, Command: []string{"/bin/sh", "/etc/rc"}},
			"setfib -F 1 jail -l -U root -i /j h 1.2.3.4,::1 /bin/sh /etc/rc"},
		{Jexec{JID: "7", Argv: []string{"/bin/sh", "/etc/after1"}}, "jexec 7 /bin/sh /etc/after1"},
		{Jexec{JID: "7", Argv: []string{"/bin/sh", "/etc/rc.shutdown"}, CleanEnv: true}, "env -i /usr/sbin/jexec 7 /bin/sh /etc/rc.shutdown"},
		{KillJail{JID: "7"}, "killall -j 7 -TERM; sleep 1; killall -j 7 -KILL"},
		{JailConf{File: "/etc/jail.conf", J: "www"}, "jail -f /r/etc/jail.conf -c www"},
		{JailConf{File: "/etc/jail.conf", J: "www", Remove: true}, "jail -f /r/etc/jail.conf -r www"},
		{Mkdir{Root: "/j", Path: "/j/bin"}, ""},
		{WriteFile{Path: "/var/run/jail_www.id"}, ""},
	} {
		var lines []string
		for _, a := range StepArgv(tc.s, root) {
			lines = append(lines, QuoteArgv(a))
		}
		if got := strings.Join(lines, "; "); got != tc.want {
			t.Errorf("%T: %q, want %q", tc.s, got, tc.want)
		}
	}
}

// TestUndo: every effect that leaves something behind knows its inverse.
func TestUndo(t *testing.T) {
	a := Addr{Iface: "em0", Addr: "192.0.2.1"}
	if u := (AliasAdd{Jail: "w", Addr: a}).Undo(); len(u) != 1 || u[0] != (AliasRemove{Jail: "w", Addr: a}) {
		t.Errorf("AliasAdd undo: %v", u)
	}
	if u := (Mount{Jail: "w", FSType: FSNullfs, Target: "/j/bin", Root: "/j"}).Undo(); len(u) != 1 || u[0] != (Unmount{Jail: "w", FSType: FSNullfs, Target: "/j/bin", Root: "/j"}) {
		t.Errorf("Mount undo: %v", u)
	}
	fs := FstabMount{Jail: "w", Entries: []FstabEntry{{MountPoint: "/j/a"}, {MountPoint: "/j/b"}}}
	if u := fs.Undo(); len(u) != 2 || u[0].(Unmount).Target != "/j/b" || u[1].(Unmount).Target != "/j/a" {
		t.Errorf("FstabMount undo is not reverse file order: %v", u)
	}
	if u := (WriteFile{Jail: "w", Path: "/var/run/jail_w.id", IDFile: true}).Undo(); len(u) != 1 || u[0] != (RemoveFile{Jail: "w", Path: "/var/run/jail_w.id"}) {
		t.Errorf("id file undo: %v", u)
	}
	if u := (WriteFile{Jail: "w", Path: "/var/log/c.log"}).Undo(); u != nil {
		t.Errorf("console log undo: %v", u)
	}
	if u := (JailConf{Jail: "w", File: "/etc/jail.conf", J: "w"}).Undo(); len(u) != 1 || !u[0].(JailConf).Remove {
		t.Errorf("jail.conf start undo: %v", u)
	}
}

func TestJailConfJailPlans(t *testing.T) {
	j := plainJail()
	j.JailConfFile = "/etc/jail.conf"
	if got := planText(PlanStart(j, StartFacts{})); got != "jail -f /etc/jail.conf -c www\n" {
		t.Errorf("start: %q", got)
	}
	// The id file the start wrote (from jls) goes with the jail.
	if got := planText(PlanStop(j, StopFacts{})); got != "jail -f /etc/jail.conf -r www\n# compat.RemoveFile {www /var/run/jail_www.id}\n" {
		t.Errorf("stop: %q", got)
	}
}

func TestParseInvocation(t *testing.T) {
	for arg, want := range map[string]Invocation{
		"start":      {Arg: "start", Verb: "start"},
		"onestart":   {Arg: "onestart", Prefix: "one", Verb: "start"},
		"faststop":   {Arg: "faststop", Prefix: "fast", Verb: "stop"},
		"forcestop":  {Arg: "forcestop", Prefix: "force", Verb: "stop"},
		"quietrcvar": {Arg: "quietrcvar", Prefix: "quiet", Verb: "rcvar"},
		"fastfoo":    {Arg: "fastfoo", Verb: "fastfoo"},
		"onestatus":  {Arg: "onestatus", Prefix: "one", Verb: "status"},
	} {
		if got := ParseInvocation(arg); got != want {
			t.Errorf("%s: %+v, want %+v", arg, got, want)
		}
	}
	if !ParseInvocation("faststart").Quiet() || ParseInvocation("onestart").Quiet() || !ParseInvocation("forcestart").Forced() {
		t.Errorf("prefix semantics")
	}
}
