package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStubPropertyStartStop drives the real command backend against the
// stub kit with random skeleton configurations: start then stop leaves the
// stub mount table empty with every nullfs mount undone in exactly reverse
// order, and a mount_nullfs failure injected at any entry leaves nothing
// mounted and no id file.
func TestStubPropertyStartStop(t *testing.T) {
	pool := []string{"bin", "sbin", "lib", "usr", "usr/lib", "usr/share", "usr/local", "var/db", "opt", "opt/a"}
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 3))
		perm := r.Perm(len(pool))
		var ro, rw []string
		for _, i := range perm[:2+r.IntN(len(pool)-2)] {
			if r.IntN(3) == 0 {
				rw = append(rw, pool[i])
			} else {
				ro = append(ro, pool[i])
			}
		}
		devfs := r.IntN(2) == 0
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			work := t.TempDir()
			root := filepath.Join(work, "root")
			cfCopyTree(t, "testdata/conformance/_base", root, work)
			for _, d := range []string{"var/run", "var/log"} {
				cfMust(t, os.MkdirAll(filepath.Join(root, d), 0o755))
			}
			for _, e := range pool {
				cfMust(t, os.MkdirAll(filepath.Join(work, "skel", e), 0o755))
			}
			cfMust(t, os.MkdirAll(filepath.Join(work, "jails/www"), 0o755))
			rc := fmt.Sprintf(`jail_enable="YES"
jail_list="www"
jail_www_rootdir="%[1]s/jails/www"
jail_www_hostname="www.example.org"
jail_www_ip="em0|192.0.2.10"
jail_www_devfs_enable="%[2]v"
jail_www_skel_enable="YES"
jail_www_skel_root="%[1]s/skel"
jail_www_skel_romounts="%[3]s"
jail_www_skel_rwmounts="%[4]s"
`, work, map[bool]string{true: "YES", false: "NO"}[devfs], strings.Join(ro, " "), strings.Join(rw, " "))
			cfMust(t, os.WriteFile(filepath.Join(root, "etc/rc.conf"), []byte(rc), 0o644))
			state := filepath.Join(work, "state")
			t.Setenv("PATH", cfStubDir(t))
			t.Setenv("RCJAIL_STUBSTATE", state)
			trace := filepath.Join(work, "trace")
			t.Setenv("RCJAIL_TRACE", trace)
			do := func(verb string) (int, string) {
				var out, errb bytes.Buffer
				st := run(context.Background(), []string{"-R", root, "-b", "command", verb}, &out, &errb)
				return st, errb.String()
			}
			mounts := func() string { b, _ := os.ReadFile(filepath.Join(state, "mounts")); return string(b) }
			if st, e := do("start"); st != 0 {
				t.Fatalf("start: %d %s\n%s", st, e, rc)
			}
			if mounts() == "" {
				t.Fatalf("start mounted nothing")
			}
			if st, e := do("stop"); st != 0 {
				t.Fatalf("stop: %d %s", st, e)
			}
			if m := mounts(); m != "" {
				t.Errorf("left mounted after stop:\n%s", m)
			}
			var mo, um []string
			tr, _ := os.ReadFile(trace)
			for _, line := range strings.Split(string(tr), "\n") {
				f := strings.Split(line, "\t")
				switch {
				case f[0] == "mount_nullfs":
					mo = append(mo, f[len(f)-1])
				case f[0] == "umount" && !strings.Contains(f[len(f)-1], "/dev"):
					um = append(um, f[len(f)-1])
				}
			}
			slices.Reverse(mo)
			if !slices.Equal(mo, um) {
				t.Errorf("unmounts %v are not the reverse of the mounts", um)
			}
			// Fail each nullfs mount in turn: nothing stays behind.
			for _, target := range mo {
				cfMust(t, os.MkdirAll(filepath.Join(state, "fail"), 0o755))
				cfMust(t, os.WriteFile(filepath.Join(state, "fail/mount_nullfs"), []byte(target), 0o644))
				if st, e := do("start"); st != 1 || !strings.Contains(e, "failing on demand") {
					t.Errorf("start failing at %s: %d %s", target, st, e)
				}
				if m := mounts(); m != "" {
					t.Errorf("failure at %s left mounted:\n%s", target, m)
				}
				if _, err := os.Stat(filepath.Join(root, "var/run/jail_www.id")); err == nil {
					t.Errorf("failure at %s left an id file", target)
				}
			}
		})
	}
}
