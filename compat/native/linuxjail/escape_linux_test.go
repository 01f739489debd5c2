package linuxjail

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"rcjail/mount/mounttest"
)

// TestEscapeSuite: from inside a running jail, as its root user, every
// escape of EscapeChecks fails with the exact errno; the host's hostname is
// untouched; and the jail, whose only process was the probe, goes away by
// itself. Run as root (CI), in a private mount and network namespace.
func TestEscapeSuite(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	res, err := EscapeChecks(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2*len(escapes)+2 {
		t.Errorf("%d results, want %d", len(res), 2*len(escapes)+2)
	}
	for _, r := range res {
		if !r.OK() {
			t.Errorf("escape: %v", r)
		} else {
			t.Logf("%v", r)
		}
	}
}

// TestCapsMapping: FreeBSD's allow.* defaults (off) give the base set;
// allow.raw_sockets, allow.chflags, allow.mlock and allow.read_msgbuf add
// their Linux capability; allow.mount (and allow.mount.*) and the others
// without an equivalent are reported, never granted.
func TestCapsMapping(t *testing.T) {
	base, un := Caps(nil)
	if len(un) != 0 || !slices.Equal(base, func() []int { b := slices.Clone(baseCaps); slices.Sort(b); return b }()) {
		t.Fatalf("Caps(nil) = %v, %v", base, un)
	}
	for _, forbidden := range []int{21 /* SYS_ADMIN */, 16, 27, 17, 25, 22, 12, 19, 29, 30, 37, 32, 33, 34, 13, 2 /* DAC_READ_SEARCH */, 31, 8, 39, 38} {
		if slices.Contains(base, forbidden) {
			t.Errorf("capability %d kept by default", forbidden)
		}
	}
	keep, un := Caps([]string{"-l", "-U", "root", "allow.raw_sockets", "allow.chflags=1", "allow.mlock=0", "allow.mount.devfs", "allow.set_hostname=true", "allow.read_msgbuf=true"})
	for _, c := range []int{capNetRaw, capLinuxImmutable, capSyslog} {
		if !slices.Contains(keep, c) {
			t.Errorf("capability %d not kept: %v", c, keep)
		}
	}
	if slices.Contains(keep, capIpcLock) {
		t.Error("allow.mlock=0 granted CAP_IPC_LOCK")
	}
	want := []string{
		"allow.mount.devfs: mounting needs CAP_SYS_ADMIN, which is never granted",
		"allow.set_hostname: sethostname needs CAP_SYS_ADMIN, which is never granted",
	}
	if !slices.Equal(un, want) {
		t.Errorf("unmapped = %q, want %q", un, want)
	}
}

// TestNonPersistent: a jail whose start command leaves nothing behind goes
// away by itself (FreeBSD's non-persistent jail); one that leaves a daemon
// stays until the daemon exits.
func TestNonPersistent(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	root := mkroot(t)
	jid, err := Start(context.Background(), Spec{Root: root, Hostname: "np", Command: []string{"/bin/true"}})
	if err != nil {
		t.Fatal(err)
	}
	if !waitGone(jid, root, 5*time.Second) {
		t.Error("an empty jail is still running")
	}
	mark := root + "/tmp/go"
	jid, err = Start(context.Background(), Spec{Root: root, Hostname: "np",
		Command: []string{"/bin/sh", "-c", "(while [ ! -e /tmp/go ]; do sleep 0.1; done) </dev/null >/dev/null 2>&1 & exit 0"}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if !Running(jid, root) {
		t.Fatal("a jail with a daemon left went away")
	}
	if err := os.WriteFile(mark, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !waitGone(jid, root, 5*time.Second) {
		t.Error("the jail is still running after its last process exited")
	}
}
