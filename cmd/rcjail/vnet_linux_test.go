//go:build linux

package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"rcjail/mount/mounttest"
)

// A VNET jail on Linux (jail_<j>_vnet_interface, SPEC §1 "Modern
// additions"): the jail gets a network namespace of its own, with the named
// interface moved into it, out of the host's. The interface is one end of a
// veth pair made in the test's private network namespace; a jail with an
// address beside it stays on the host's network.
func TestVNetJailLinux(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Fatalf("ip(8) is needed to make the veth pair: %v", err)
	}
	if out, err := exec.Command(ip, "link", "add", "vj0", "type", "veth", "peer", "name", "vh0").CombinedOutput(); err != nil {
		t.Fatalf("ip link add: %v\n%s", err, out)
	}
	work := t.TempDir()
	root := filepath.Join(work, "root")
	for _, d := range []string{"root/etc", "root/var/run", "root/var/log", "jails/vt/etc", "jails/plain/etc"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Skeleton jails of the host's own base system, whose /etc/rc leaves a
	// daemon (a jail whose start command leaves nothing goes away).
	ro := []string{"usr/bin", "usr/sbin", "usr/lib"}
	if fi, err := os.Lstat("/usr/lib64"); err == nil && fi.IsDir() {
		ro = append(ro, "usr/lib64")
	}
	rc := `jail_enable="YES"
jail_list="vt plain"
jail_skel_enable="YES"
jail_skel_root="/"
jail_skel_romounts="` + strings.Join(ro, " ") + `"
jail_vt_rootdir="` + work + `/jails/vt"
jail_vt_hostname="vt.example.org"
jail_vt_vnet_interface="vj0"
jail_plain_rootdir="` + work + `/jails/plain"
jail_plain_hostname="plain.example.org"
jail_plain_ip="127.0.0.1"
`
	if err := os.WriteFile(filepath.Join(root, "etc/rc.conf"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, j := range []string{"vt", "plain"} {
		jr := filepath.Join(work, "jails", j)
		for _, l := range []string{"bin", "sbin", "lib", "lib64"} {
			if _, err := os.Stat("/usr/" + l); err == nil {
				if err := os.Symlink("usr/"+l, filepath.Join(jr, l)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := os.WriteFile(filepath.Join(jr, "etc", "rc"), []byte("setsid -f sleep 3600\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out0, err0 bytes.Buffer
	if st := run(context.Background(), []string{"-R", root, "prepare", "vt", "plain"}, &out0, &err0); st != 0 {
		t.Fatalf("prepare: %d\n%s%s", st, out0.String(), err0.String())
	}
	rcjail := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		st := run(context.Background(), append([]string{"-R", root, "-b", "native"}, args...), &out, &errb)
		return st, out.String() + errb.String()
	}
	st, out := rcjail("start")
	if st != 0 {
		t.Fatalf("start: %d\n%s", st, out)
	}
	t.Logf("start:\n%s", out)
	jid := func(j string) string {
		b, err := os.ReadFile(filepath.Join(root, "var/run/jail_"+j+".id"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	netns := func(pid string) string {
		l, err := os.Readlink("/proc/" + pid + "/ns/net")
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	self := netns("self")
	if got := netns(jid("vt")); got == self {
		t.Errorf("VNET jail vt is in the host's network namespace %s", got)
	}
	if got := netns(jid("plain")); got != self {
		t.Errorf("jail plain (with an address) is in network namespace %s, not the host's %s", got, self)
	}
	dev, err := os.ReadFile("/proc/" + jid("vt") + "/net/dev")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dev), "vj0:") {
		t.Errorf("vj0 is not in the VNET jail's network namespace:\n%s", dev)
	}
	if _, err := net.InterfaceByName("vj0"); err == nil {
		t.Errorf("vj0 is still on the host after the start")
	}
	if _, err := net.InterfaceByName("vh0"); err != nil {
		t.Errorf("the host end vh0 is gone: %v", err)
	}
	vt := jid("vt")
	if st, out := rcjail("stop"); st != 0 {
		t.Fatalf("stop: %d\n%s", st, out)
	}
	if _, err := os.Stat("/proc/" + vt); err == nil {
		t.Errorf("the VNET jail's init %s still runs after stop", vt)
	}
}
