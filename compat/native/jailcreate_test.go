//go:build linux || freebsd

package native

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rcjail/compat"
)

// The FreeBSD native start's pure parts (jailcreate.go), on Linux: what
// jail_set(2) is given, what runs, in which order, and what a failure at
// each point leaves. The system calls themselves (jailset_freebsd.go) run
// only on a FreeBSD kernel.

func oldStyle() compat.StartJail {
	return compat.StartJail{Jail: "www", J: "www", Flags: []string{"-l", "-U", "root"}, Root: "/jails/www",
		Hostname: "www.example.org", IPs: []string{"192.0.2.10"}, Command: []string{"/bin/sh", "/etc/rc"}}
}

func TestNativeCreateMapsTheOldStyleLine(t *testing.T) {
	s := oldStyle()
	s.Fib = "2"
	s.Flags = []string{"-i", "-lUroot", "-s", "3"}
	s.IPs = []string{"192.0.2.10,2001:db8::1", "::ffff:192.0.2.11", "192.0.2.12"}
	c, why := nativeCreate(s)
	if why != "" {
		t.Fatalf("nativeCreate: falls back to jail(8): %s", why)
	}
	want := []jailParam{
		{"path", []byte("/jails/www\x00")},
		{"host.hostname", []byte("www.example.org\x00")},
		{"securelevel", intParam("securelevel", 3).Value},
		{"ip4.addr", []byte{192, 0, 2, 10, 192, 0, 2, 12}},
		{"ip6.addr", []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 11}},
	}
	if d := cmp.Diff(want, c.Params); d != "" {
		t.Errorf("params (-want +got):\n%s", d)
	}
	if n := len(intParam("securelevel", 3).Value); n != 4 {
		t.Errorf("securelevel is %d bytes, want the kernel's int (4)", n)
	}
	wantArgv := []string{"setfib", "-F", "2", "jexec", "-l", "-U", "root", "7", "/bin/sh", "/etc/rc"}
	if d := cmp.Diff(wantArgv, c.startArgv(7)); d != "" {
		t.Errorf("start argv (-want +got):\n%s", d)
	}

	// The script's default flags, no fib, no address, -u: the host's user.
	s = oldStyle()
	s.IPs, s.Flags = nil, []string{"-u", "jailer"}
	c, why = nativeCreate(s)
	if why != "" {
		t.Fatalf("nativeCreate (-u): %s", why)
	}
	if len(c.Params) != 2 {
		t.Errorf("no address: params %v, want path and host.hostname only", c.Params)
	}
	if d := cmp.Diff([]string{"jexec", "-u", "jailer", "12", "/bin/sh", "/etc/rc"}, c.startArgv(12)); d != "" {
		t.Errorf("start argv (-want +got):\n%s", d)
	}
}

// Whatever only jail(8) does exactly stays with jail(8): the start runs as
// before (the jid known late) rather than differently.
func TestNativeCreateLeavesTheRestToJail8(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*compat.StartJail)
		why  string
	}{
		{"modern parameters", func(s *compat.StartJail) { s.Params = []string{"allow.raw_sockets=1"} }, "parameters"},
		{"no command", func(s *compat.StartJail) { s.Command = nil }, "no start command"},
		{"-h", func(s *compat.StartJail) { s.Flags = []string{"-h"} }, "option -h"},
		{"-J", func(s *compat.StartJail) { s.Flags = []string{"-J", "/tmp/j"} }, "option -J"},
		{"-n", func(s *compat.StartJail) { s.Flags = []string{"-n", "www"} }, "option -n"},
		{"-c", func(s *compat.StartJail) { s.Flags = []string{"-c"} }, "option -c"},
		{"-l alone", func(s *compat.StartJail) { s.Flags = []string{"-l"} }, "-l without"},
		{"-u and -U", func(s *compat.StartJail) { s.Flags = []string{"-u", "a", "-U", "b"} }, "twice"},
		{"-U without user", func(s *compat.StartJail) { s.Flags = []string{"-l", "-U"} }, "without its argument"},
		{"-s twice", func(s *compat.StartJail) { s.Flags = []string{"-s1", "-s", "2"} }, "-s twice"},
		{"bad securelevel", func(s *compat.StartJail) { s.Flags = []string{"-s", "high"} }, `securelevel "high"`},
		{"not an option", func(s *compat.StartJail) { s.Flags = []string{"root"} }, `argument "root"`},
		{"--", func(s *compat.StartJail) { s.Flags = []string{"--"} }, `argument "--"`},
		{"interface|address", func(s *compat.StartJail) { s.IPs = []string{"em0|192.0.2.1"} }, "address"},
		{"netmask", func(s *compat.StartJail) { s.IPs = []string{"192.0.2.1/24"} }, "address"},
		{"zone", func(s *compat.StartJail) { s.IPs = []string{"fe80::1%em0"} }, "address"},
		{"empty between commas", func(s *compat.StartJail) { s.IPs = []string{"192.0.2.1,,192.0.2.2"} }, `address ""`},
		{"leading zero", func(s *compat.StartJail) { s.IPs = []string{"192.0.2.01"} }, "address"},
	} {
		s := oldStyle()
		tc.edit(&s)
		c, why := nativeCreate(s)
		if !strings.Contains(why, tc.why) {
			t.Errorf("%s: why = %q, want it to contain %q", tc.name, why, tc.why)
		}
		if c.Params != nil || c.Command != nil {
			t.Errorf("%s: a fallback still returned a spec: %+v", tc.name, c)
		}
	}
}

func TestAllowParamsAsJail8(t *testing.T) {
	vals := map[string]uint32{
		"security.jail.jailed":                  0,
		"security.jail.set_hostname_allowed":    1,
		"security.jail.sysvipc_allowed":         0,
		"security.jail.allow_raw_sockets":       0,
		"security.jail.chflags_allowed":         0,
		"security.jail.socket_unixiproute_only": 1,
		// mount_allowed missing from this kernel: no parameter.
	}
	get := func(n string) (uint32, error) {
		v, ok := vals[n]
		if !ok {
			return 0, fmt.Errorf("sysctl %s: %w", n, syscall.ENOENT)
		}
		return v, nil
	}
	var got []string
	for _, p := range allowParams(get) {
		if p.Value != nil {
			t.Errorf("%s has a value; allow.* are flags", p.Name)
		}
		got = append(got, p.Name)
	}
	want := []string{"allow.set_hostname", "allow.nosysvipc", "allow.noraw_sockets", "allow.nochflags", "allow.nosocket_af"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("allow params (-want +got):\n%s", d)
	}
	vals["security.jail.socket_unixiproute_only"] = 0
	if ps := allowParams(get); ps[len(ps)-1].Name != "allow.socket_af" {
		t.Errorf("unixiproute_only=0: last param %q, want allow.socket_af", ps[len(ps)-1].Name)
	}
	// rcjail in a jail: jail(8) adds none, and neither do we.
	vals["security.jail.jailed"] = 1
	if ps := allowParams(get); ps != nil {
		t.Errorf("jailed: %v, want none", ps)
	}
	delete(vals, "security.jail.jailed")
	if ps := allowParams(get); ps != nil {
		t.Errorf("jailed unreadable: %v, want none", ps)
	}
}

func TestIovecPartsAndKernelMessage(t *testing.T) {
	got := iovecParts([]jailParam{strParam("path", "/j"), {Name: "persist"}, intParam("jid", 258)})
	want := [][]byte{[]byte("path\x00"), []byte("/j\x00"), []byte("persist\x00"), nil, []byte("jid\x00"), {2, 1, 0, 0}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("iovec parts (-want +got):\n%s", d)
	}
	b := make([]byte, jailErrmsgLen)
	if m := kernelMessage(b); m != "" {
		t.Errorf("empty buffer: %q", m)
	}
	copy(b, "jail 3 already exists\x00junk")
	if m := kernelMessage(b); m != "jail 3 already exists" {
		t.Errorf("message %q", m)
	}
}

// fakeKernel records a native start's calls in order; fail makes the
// named call fail.
type fakeKernel struct {
	calls   []string
	fail    map[string]error
	out     string
	created bool // created ran before run: the order the record needs
	progs   *freebsdProgs
}

func (k *fakeKernel) set(ps []jailParam, flags int) (int, error) {
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	op := "create"
	if flags == jailUpdate {
		op = "update"
	}
	k.calls = append(k.calls, op+" "+strings.Join(names, ","))
	if err := k.fail[op]; err != nil {
		return 0, err
	}
	return 7, nil
}

func (k *fakeKernel) remove(jid int) error {
	k.calls = append(k.calls, fmt.Sprintf("remove %d", jid))
	return k.fail["remove"]
}

func (k *fakeKernel) run(ctx context.Context, argv []string) ([]byte, error) {
	k.calls = append(k.calls, fmt.Sprintf("run created=%v %s", k.created, strings.Join(argv, " ")))
	if k.progs != nil {
		return k.progs.startCommand(ctx, argv)
	}
	return []byte(k.out), k.fail["run"]
}

func (k *fakeKernel) createdFn() func(int) error {
	return func(jid int) error {
		k.calls = append(k.calls, fmt.Sprintf("created %d", jid))
		k.created = true
		return k.fail["created"]
	}
}

func TestCreateAndStartRecordsTheJidBeforeTheCommand(t *testing.T) {
	c, why := nativeCreate(oldStyle())
	if why != "" {
		t.Fatal(why)
	}
	k := &fakeKernel{out: "rc output\n"}
	jid, out, err := createAndStart(context.Background(), k, "www", c, []jailParam{{Name: "allow.nomount"}}, k.createdFn())
	if err != nil || jid != 7 || string(out) != "rc output\n" {
		t.Fatalf("createAndStart = %d, %q, %v", jid, out, err)
	}
	want := []string{
		"create path,host.hostname,ip4.addr,allow.nomount,persist",
		"created 7",
		"run created=true jexec -l -U root 7 /bin/sh /etc/rc",
		"update jid,nopersist",
	}
	if d := cmp.Diff(want, k.calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
}

// A failure once the jail exists removes it, and the error names the
// jail, its jid, the operation and the cause; before, nothing is removed.
func TestCreateAndStartFailureRemovesTheJail(t *testing.T) {
	c, _ := nativeCreate(oldStyle())
	cause := errors.New("the cause")
	for _, tc := range []struct {
		fail  string
		calls []string
		msg   string
	}{
		{"create", []string{"create"}, "jail www: create in /jails/www (jail_set): the cause"},
		{"created", []string{"create", "created 7", "remove 7"}, "jail www (jid 7): record its jid: the cause (the jail was removed)"},
		{"run", []string{"create", "created 7", "run", "remove 7"}, "jail www (jid 7): start command: the cause (the jail was removed)"},
		{"update", []string{"create", "created 7", "run", "update", "remove 7"}, "jail www (jid 7): clear persist (jail_set nopersist): the cause (the jail was removed)"},
	} {
		k := &fakeKernel{fail: map[string]error{tc.fail: cause}, out: "half\n"}
		jid, out, err := createAndStart(context.Background(), k, "www", c, nil, k.createdFn())
		if jid != 0 || err == nil || err.Error() != tc.msg || !errors.Is(err, cause) {
			t.Errorf("%s fails: jid %d, err %v; want 0 and %q", tc.fail, jid, err, tc.msg)
		}
		if errors.Is(err, compat.ErrJailFailed) {
			t.Errorf("%s fails: wraps ErrJailFailed, so the runner would name a jail(8) line never run", tc.fail)
		}
		var got []string
		for _, call := range k.calls {
			got = append(got, strings.Fields(call)[0]+map[bool]string{true: " 7"}[strings.HasPrefix(call, "remove") || strings.HasPrefix(call, "created")])
		}
		if d := cmp.Diff(tc.calls, got); d != "" {
			t.Errorf("%s fails: calls (-want +got):\n%s", tc.fail, d)
		}
		if (tc.fail == "run" || tc.fail == "update") != (string(out) == "half\n") {
			t.Errorf("%s fails: output %q; the start command's output is kept when it ran", tc.fail, out)
		}
	}

	// The removal fails too: both causes are named.
	rmErr := errors.New("jail_remove 7: operation not permitted")
	k := &fakeKernel{fail: map[string]error{"run": cause, "remove": rmErr}}
	_, _, err := createAndStart(context.Background(), k, "www", c, nil, k.createdFn())
	if !errors.Is(err, cause) || !errors.Is(err, rmErr) || !strings.Contains(err.Error(), "remove the jail") {
		t.Errorf("remove fails too: %v", err)
	}
}

// The start command through the real program runner (stand-ins on PATH):
// setfib in front, jexec's options before the jid, stdout and stderr
// together for the console log, and a failing command's exit status and
// first line in the error.
func TestCreateAndStartRunsJexec(t *testing.T) {
	p, dir, trace := withFakeProgs(t)
	s := oldStyle()
	s.Fib = "2"
	c, why := nativeCreate(s)
	if why != "" {
		t.Fatal(why)
	}
	k := &fakeKernel{progs: p}
	write(t, dir+"/jexec.out", "Starting sshd.\n")
	jid, out, err := createAndStart(context.Background(), k, "www", c, nil, k.createdFn())
	if err != nil || jid != 7 || string(out) != "Starting sshd.\n" {
		t.Fatalf("createAndStart = %d, %q, %v", jid, out, err)
	}
	wantTrace(t, "start", trace(), "setfib -F 2 jexec -l -U root 7 /bin/sh /etc/rc", "jexec -l -U root 7 /bin/sh /etc/rc")

	write(t, dir+"/jexec.fail", "/etc/rc: cannot open\n")
	k = &fakeKernel{progs: p}
	_, out, err = createAndStart(context.Background(), k, "www", c, nil, k.createdFn())
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "/etc/rc: cannot open") ||
		!strings.Contains(err.Error(), "jexec -l -U root 7 /bin/sh /etc/rc") {
		t.Errorf("failing start command: %v", err)
	}
	if string(out) != "Starting sshd.\n/etc/rc: cannot open\n" {
		t.Errorf("failing start command: output %q, want stdout and stderr", out)
	}
	if last := k.calls[len(k.calls)-1]; last != "remove 7" {
		t.Errorf("failing start command: last call %q, want remove 7", last)
	}
	trace()
	os.Remove(dir + "/jexec.fail")
}

// A start command that outlives StartTimeout is killed (its process
// group, as jail(8) would be), and the jail it ran in is removed.
func TestCreateAndStartTimeoutRemovesTheJail(t *testing.T) {
	p, dir, trace := withFakeProgs(t)
	p.start.Timeout = 300 * time.Millisecond
	c, _ := nativeCreate(oldStyle())
	write(t, dir+"/jexec.hang", "")
	k := &fakeKernel{progs: p}
	jid, _, err := createAndStart(context.Background(), k, "www", c, nil, k.createdFn())
	if jid != 0 || err == nil || !strings.Contains(err.Error(), "start command") || !strings.Contains(err.Error(), "killed") {
		t.Errorf("hanging start command: jid %d, err %v; want the kill named", jid, err)
	}
	if last := k.calls[len(k.calls)-1]; last != "remove 7" {
		t.Errorf("hanging start command: last call %q, want remove 7", last)
	}
	trace()
}
