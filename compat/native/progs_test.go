//go:build linux || freebsd

package native

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rcjail/compat"
)

// fakeProgs is a stand-in for the FreeBSD programs: every name runs one
// sh script that appends its name and arguments to $FAKE/trace, and
// emulates just what the tests look at:
//
//	jail      prints $FAKE/jail.out, or fails printing $FAKE/jail.fail
//	jls       exits 0 when $FAKE/jail.<jid> exists; with "path", prints it
//	killall   -KILL removes $FAKE/jail.<jid>
//	sysctl -n prints $FAKE/sysctl.<mib>, or fails as an unknown oid
//	setfib    -F N runs the rest (a stand-in, never a real program)
//	jexec     hangs while $FAKE/jexec.hang exists; prints $FAKE/jexec.out;
//	          fails (3) printing $FAKE/jexec.fail to stderr
const fakeProg = `#!/bin/sh
PATH=/usr/bin:/bin
n=${0##*/}
{ printf '%s' "$n"; for a in "$@"; do printf ' %s' "$a"; done; echo; } >>"$FAKE/trace"
case $n in
jail)
	if [ -f "$FAKE/jail.fail" ]; then cat "$FAKE/jail.fail"; exit 1; fi
	cat "$FAKE/jail.out" ;;
jls)
	[ -f "$FAKE/jail.$2" ] || { echo "jls: jail \"$2\" not found" >&2; exit 1; }
	if [ "$3" = path ]; then cat "$FAKE/jail.$2"; fi ;;
killall)
	if [ "$3" = -KILL ]; then rm -f "$FAKE/jail.$2"; fi ;;
sysctl)
	if [ "$1" = -n ]; then cat "$FAKE/sysctl.$2" 2>/dev/null || { echo "sysctl: unknown oid '$2'" >&2; exit 1; }; fi ;;
env)
	echo "stop output" ;;
jexec)
	if [ -f "$FAKE/jexec.hang" ]; then sleep 60; fi
	if [ -f "$FAKE/jexec.out" ]; then cat "$FAKE/jexec.out"; fi
	if [ -f "$FAKE/jexec.fail" ]; then cat "$FAKE/jexec.fail" >&2; exit 3; fi ;;
setfib)
	shift 2; p=$1; shift; exec "$FAKE/bin/$p" "$@" ;;
esac
exit 0
`

// withFakeProgs puts the stand-ins alone on PATH and returns freebsdProgs
// running them, the directory, and a reader of the trace.
func withFakeProgs(t *testing.T) (*freebsdProgs, string, func() []string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "prog"), []byte(fakeProg), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"jail", "jls", "jexec", "env", "killall", "sleep", "ifconfig", "sysctl", "devfs", "mount", "setfib"} {
		if err := os.Symlink("../prog", filepath.Join(bin, n)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin) // nothing real runs
	t.Setenv("FAKE", dir)
	o := Options{Root: dir}
	o.defaults()
	p := newFreeBSDProgs(o)
	return p, dir, func() []string {
		b, _ := os.ReadFile(filepath.Join(dir, "trace"))
		s := strings.TrimSuffix(string(b), "\n")
		os.Remove(filepath.Join(dir, "trace"))
		if s == "" {
			return nil
		}
		return strings.Split(s, "\n")
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func wantTrace(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s ran:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestFreeBSDProgsTimeouts(t *testing.T) {
	o := Options{CommandTimeout: 7 * time.Second, StartTimeout: 11 * time.Second}
	o.defaults()
	p := newFreeBSDProgs(o)
	if p.cmd.Timeout != 7*time.Second || p.start.Timeout != 11*time.Second {
		t.Errorf("timeouts: programs %v, jail(8) %v; want 7s, 11s", p.cmd.Timeout, p.start.Timeout)
	}
	if p.cmd.Root != "/" || p.start.Root != "/" {
		t.Errorf("state root %q/%q, want /", p.cmd.Root, p.start.Root)
	}
}

func TestFreeBSDProgsStartJail(t *testing.T) {
	p, dir, trace := withFakeProgs(t)
	ctx := context.Background()
	s := compat.StartJail{Jail: "www", J: "www", Fib: "2", Flags: []string{"-l", "-U", "root"}, Root: "/jails/www",
		Hostname: "www.example.org", IPs: []string{"192.0.2.10"}, Command: []string{"/bin/sh", "/etc/rc"}}

	write(t, dir+"/jail.out", "7\nconsole line 1\nconsole line 2\n")
	jid, out, err := p.startJail(ctx, s)
	if err != nil || jid != 7 || string(out) != "console line 1\nconsole line 2\n" {
		t.Fatalf("startJail = %d, %q, %v; want 7 and the console lines", jid, out, err)
	}
	wantTrace(t, "startJail", trace(), "setfib -F 2 jail -l -U root -i /jails/www www.example.org 192.0.2.10 /bin/sh /etc/rc",
		"jail -l -U root -i /jails/www www.example.org 192.0.2.10 /bin/sh /etc/rc")

	// jail(8) fails: its message comes back, and ErrJailFailed once.
	write(t, dir+"/jail.fail", "jail: /jails/www: No such file or directory\n")
	_, _, err = p.startJail(ctx, s)
	if !errors.Is(err, compat.ErrJailFailed) || !strings.Contains(err.Error(), "No such file or directory") {
		t.Errorf("failing jail(8): err = %v, want ErrJailFailed with its message", err)
	}
	os.Remove(dir + "/jail.fail")

	// A first line that is not a jid: refused, the jail named as possibly running.
	write(t, dir+"/jail.out", "www\n")
	if _, _, err := p.startJail(ctx, s); !errors.Is(err, compat.ErrJailFailed) || !strings.Contains(err.Error(), "may be running") {
		t.Errorf("non-numeric jid: err = %v", err)
	}
	trace()
}

func TestFreeBSDProgsJails(t *testing.T) {
	p, dir, trace := withFakeProgs(t)
	ctx := context.Background()
	write(t, dir+"/jail.7", "/jails/www\n")

	if root, ok := p.jailRoot(ctx, 7); !ok || root != "/jails/www" {
		t.Errorf("jailRoot(7) = %q, %v; want /jails/www", root, ok)
	}
	if root, ok := p.jailRoot(ctx, 8); ok {
		t.Errorf("jailRoot(8) = %q, true for a jail that does not exist", root)
	}
	wantTrace(t, "jailRoot", trace(), "jls -j 7 path", "jls -j 8 path")

	for _, tc := range []struct {
		jid  string
		want bool
	}{{"7", true}, {"8", false}} {
		if got, err := p.jailRunning(ctx, tc.jid); got != tc.want || err != nil {
			t.Errorf("jailRunning(%s) = %v, %v; want %v", tc.jid, got, err, tc.want)
		}
	}
	wantTrace(t, "jailRunning", trace(), "jls -j 7", "jls -j 8")
	// An id file's garbage never reaches jls (where it could be an option).
	for _, jid := range []string{"-h", "", "0", "7 8", "x"} {
		if got, err := p.jailRunning(ctx, jid); got || err != nil {
			t.Errorf("jailRunning(%q) = %v, %v; want false", jid, got, err)
		}
	}
	wantTrace(t, "jailRunning(garbage)", trace())

	if err := p.jexec(ctx, compat.Jexec{Jail: "www", JID: "", Argv: []string{"/bin/sh", "-c", "echo a b"}}, 7); err != nil {
		t.Fatalf("jexec: %v", err)
	}
	wantTrace(t, "jexec", trace(), "jexec 7 /bin/sh -c echo a b")

	// The stop command: clean environment, output appended to the console
	// log under the state root.
	if err := os.MkdirAll(dir+"/var/log", 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir+"/var/log/jail_www_console.log", "started\n")
	if err := p.jexec(ctx, compat.Jexec{Jail: "www", Argv: []string{"/bin/sh", "/etc/rc.shutdown"}, CleanEnv: true, AppendLog: "/var/log/jail_www_console.log"}, 7); err != nil {
		t.Fatalf("jexec (stop): %v", err)
	}
	wantTrace(t, "jexec (stop)", trace(), "env -i /usr/sbin/jexec 7 /bin/sh /etc/rc.shutdown")
	if b, _ := os.ReadFile(dir + "/var/log/jail_www_console.log"); string(b) != "started\nstop output\n" {
		t.Errorf("console log = %q", b)
	}

	if err := p.stopJail(ctx, 7); err != nil {
		t.Fatalf("stopJail: %v", err)
	}
	wantTrace(t, "stopJail", trace(), "killall -j 7 -TERM", "sleep 1", "killall -j 7 -KILL")
	if _, ok := p.jailRoot(ctx, 7); ok {
		t.Error("jail still there after stopJail")
	}
	trace()
}

func TestFreeBSDProgsAliases(t *testing.T) {
	p, _, trace := withFakeProgs(t)
	ctx := context.Background()
	on := map[string]bool{"em0 192.0.2.1": true}
	var asked []string
	p.present = func(a compat.Addr) (bool, error) {
		asked = append(asked, a.Iface+" "+a.Addr)
		if a.Iface == "bad0" {
			return false, errors.New("interface bad0: no such network interface")
		}
		return on[a.Iface+" "+a.Addr], nil
	}
	fresh := compat.Addr{Iface: "em0", Addr: "192.0.2.10", Mask: "/32"}
	there := compat.Addr{Iface: "em0", Addr: "192.0.2.1", Mask: "/24"}
	v6 := compat.Addr{Iface: "em0", Addr: "2001:db8::10", Mask: "/128"}

	if added, err := p.aliasAdd(ctx, fresh); !added || err != nil {
		t.Errorf("aliasAdd(new address) = %v, %v; want added", added, err)
	}
	if added, err := p.aliasAdd(ctx, there); added || err != nil {
		t.Errorf("aliasAdd(address already there) = %v, %v; want not added, no error", added, err)
	}
	if added, err := p.aliasAdd(ctx, v6); !added || err != nil {
		t.Errorf("aliasAdd(v6) = %v, %v", added, err)
	}
	if _, err := p.aliasAdd(ctx, compat.Addr{Iface: "bad0", Addr: "192.0.2.3"}); err == nil {
		t.Error("aliasAdd on a missing interface succeeded")
	}
	wantTrace(t, "aliasAdd", trace(), "ifconfig em0 inet 192.0.2.10/32 alias", "ifconfig em0 inet6 2001:db8::10/128 alias")

	if err := p.aliasRemove(ctx, fresh); err != nil {
		t.Errorf("aliasRemove(address not there) = %v, want nil", err)
	}
	if err := p.aliasRemove(ctx, there); err != nil {
		t.Errorf("aliasRemove = %v", err)
	}
	wantTrace(t, "aliasRemove", trace(), "ifconfig em0 inet 192.0.2.1 -alias")
	if len(asked) != 6 {
		t.Errorf("presence asked %d times (%v), want once per call", len(asked), asked)
	}
}

func TestFreeBSDProgsSysctlDevfsFstabJailConf(t *testing.T) {
	p, dir, trace := withFakeProgs(t)
	ctx := context.Background()
	write(t, dir+"/sysctl.security.jail.sysvipc_allowed", "0\n")
	if v, err := p.sysctlGet(ctx, "security.jail.sysvipc_allowed"); v != "0" || err != nil {
		t.Errorf("sysctlGet = %q, %v", v, err)
	}
	if _, err := p.sysctlGet(ctx, "no.such.oid"); err == nil {
		t.Error("sysctlGet(unknown) succeeded")
	}
	if err := p.sysctlSet(ctx, "security.jail.sysvipc_allowed", "1"); err != nil {
		t.Errorf("sysctlSet: %v", err)
	}
	wantTrace(t, "sysctl", trace(), "sysctl -n security.jail.sysvipc_allowed", "sysctl -n no.such.oid", "sysctl security.jail.sysvipc_allowed=1")

	for _, s := range []compat.Step{
		compat.DevfsRule{Ruleset: 4, Args: []string{"add", "hide"}},
		compat.DevfsRuleset{Jail: "www", Dir: "/jails/www/dev", Ruleset: 4},
		compat.DevfsApply{Jail: "www", Dir: "/jails/www/dev"},
	} {
		if err := p.devfs(ctx, s); err != nil {
			t.Errorf("devfs(%T): %v", s, err)
		}
	}
	if err := p.devfs(ctx, compat.Exec{Argv: []string{"true"}}); err == nil {
		t.Error("devfs(a hook) succeeded")
	}
	wantTrace(t, "devfs", trace(), "devfs rule -s 4 add hide", "devfs -m /jails/www/dev ruleset 4", "devfs -m /jails/www/dev rule applyset")

	// An fstab the mount package makes line by line runs nothing; one
	// with a ufs line goes to mount -a -F whole, the file under the root.
	mapped := compat.FstabMount{Jail: "www", Fstab: "/etc/fstab.www", Root: "/jails/www", Entries: []compat.FstabEntry{
		{Device: "/usr/ports", MountPoint: "/jails/www/usr/ports", FSType: "nullfs", Options: "ro", Line: 1}}}
	if byProgram, err := p.fstab(ctx, mapped); byProgram || err != nil {
		t.Errorf("fstab(mapped) = %v, %v; want not by program", byProgram, err)
	}
	wantTrace(t, "fstab(mapped)", trace())
	mixed := mapped
	mixed.Entries = append(mixed.Entries, compat.FstabEntry{Device: "/dev/md0", MountPoint: "/jails/www/data", FSType: "ufs", Options: "rw", Line: 2})
	if byProgram, err := p.fstab(ctx, mixed); !byProgram || err != nil {
		t.Errorf("fstab(mixed) = %v, %v; want by program", byProgram, err)
	}
	wantTrace(t, "fstab(mixed)", trace(), "mount -a -F "+filepath.Join(dir, "etc/fstab.www"))

	if err := p.jailConf(ctx, compat.JailConf{Jail: "db", File: "/etc/jail.conf", J: "db"}); err != nil {
		t.Errorf("jailConf: %v", err)
	}
	if err := p.jailConf(ctx, compat.JailConf{Jail: "db", File: "/etc/jail.conf", J: "db", Remove: true}); err != nil {
		t.Errorf("jailConf(remove): %v", err)
	}
	wantTrace(t, "jailConf", trace(), "jail -f "+filepath.Join(dir, "etc/jail.conf")+" -c db", "jail -f "+filepath.Join(dir, "etc/jail.conf")+" -r db")
}
