package native

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/compat"
	"rcjail/mount"
	"rcjail/mount/mounttest"
)

// warmJails names the jails a test starts before the one it looks at:
// seventeen, as many as once took a source to the last tier of the
// shared-source cache this package no longer has, so the tests still
// cover a run that mounts the same sources many times.
func warmJails() []string {
	var out []string
	for i := 1; i <= 17; i++ {
		out = append(out, fmt.Sprintf("w%02d", i))
	}
	return out
}

// mountSig is what tells the mount on target apart from another as a jail
// sees it: the mountinfo line without the mount's own ids and mount point
// (file system device, root within it, per-mount options, propagation,
// type, source, super options), and the libc.so inside.
func mountSig(t *testing.T, target string) string {
	t.Helper()
	sig := ""
	for _, l := range strings.Split(mountinfo(t), "\n") {
		f := strings.Fields(l)
		if len(f) < 10 || f[4] != target {
			continue
		}
		sig = strings.Join(append(f[2:4:4], f[5:]...), " ") // the last one is on top
	}
	if sig == "" {
		t.Fatalf("nothing mounted on %s", target)
	}
	b, _ := os.ReadFile(filepath.Join(target, "libc.so"))
	return sig + " libc.so=" + string(b)
}

// TestSourcesSeeHookChanges: a hook that changes the skeleton between two
// jails' mounts must be seen: the next jail's bind is exactly what a
// direct bind of the path gives after the hook (or refused, as a direct
// bind of a symlink leaving the skeleton is). Seventeen jails come first:
// nothing of their sources may be kept and reused stale.
func TestSourcesSeeHookChanges(t *testing.T) {
	changes := []struct {
		name, sh string
		refuse   bool
	}{
		{"nothing", `true`, false},
		{"tmpfs over the source", `mount -t tmpfs -o size=64k tmpfs "$0/usr/lib" && echo new >"$0/usr/lib/libc.so"`, false},
		{"tmpfs over its parent", `mount -t tmpfs -o size=64k tmpfs "$0/usr" && mkdir "$0/usr/lib" && echo new >"$0/usr/lib/libc.so"`, false},
		{"renamed away and replaced", `mv "$0/usr/lib" "$0/usr/lib.old" && mkdir "$0/usr/lib" && echo new >"$0/usr/lib/libc.so"`, false},
		{"swapped for a symlink out", `mv "$0/usr/lib" "$0/usr/lib.old" && ln -s /etc "$0/usr/lib"`, true},
		{"skeleton remounted read-only", `mount -o remount,bind,ro,noexec "$0"`, false},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			if !mounttest.InNamespace(t) {
				return
			}
			ctx := context.Background()
			e := newEnv(t)
			skel := t.TempDir()
			t.Cleanup(func() {
				tbl, _ := mount.Table()
				for _, d := range []string{e.root, skel} {
					for _, m := range mount.Under(tbl, d) {
						unix.Unmount(m.Target, unix.MNT_DETACH)
					}
				}
			})
			if err := unix.Mount("tmpfs", skel, "tmpfs", 0, "size=1m"); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(skel, "usr/lib"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(skel, "usr/lib/libc.so"), []byte("orig\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			x := e.executor(nil)
			defer x.Close()
			start := func(jail string) (string, error) {
				t.Helper()
				root := filepath.Join(e.root, jail)
				p := filepath.Join(root, "usr/lib")
				if err := os.MkdirAll(p, 0o755); err != nil {
					t.Fatal(err)
				}
				// Read-write: a skeleton remounted read-only must show.
				_, err := x.Mount(ctx, compat.Mount{Jail: jail, FSType: compat.FSNullfs, Source: filepath.Join(skel, "usr/lib"), SourceRoot: skel, Target: p, Root: root})
				return p, err
			}
			for _, j := range warmJails() {
				if _, err := start(j); err != nil {
					t.Fatal(err)
				}
			}
			if err := x.Exec(ctx, compat.Exec{Jail: "w01", Var: "exec_poststart0", Argv: []string{"/bin/sh", "-c", c.sh, skel}}); err != nil {
				t.Fatal(err)
			}
			got, err := start("d")
			direct := filepath.Join(e.root, "direct")
			if err := os.MkdirAll(filepath.Join(direct, "usr/lib"), 0o755); err != nil {
				t.Fatal(err)
			}
			_, derr := mount.Mount(mount.Request{FSType: mount.NullFS, Source: filepath.Join(skel, "usr/lib"), SourceRoot: skel, Root: direct, Target: "usr/lib"})
			if c.refuse {
				if derr == nil {
					t.Fatal("a direct bind succeeded")
				}
				if err == nil {
					t.Fatalf("the executor bound %s where a direct bind fails (%v)", mountSig(t, got), derr)
				}
				return
			}
			if derr != nil {
				t.Fatal(derr)
			}
			if err != nil {
				t.Fatal(err)
			}
			if g, w := mountSig(t, got), mountSig(t, filepath.Join(direct, "usr/lib")); g != w {
				t.Errorf("after the hook the next jail's bind is\n\t%s\nwant (a direct bind)\n\t%s", g, w)
			}
		})
	}
}

// TestSourcesNotInJail: after a real start of seventeen skeleton jails
// neither rcjail nor any jail process holds a source open: the jail init
// and its daemon have no directory open at all.
func TestSourcesNotInJail(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	e := newEnv(t)
	var js []*compat.Jail
	var names []string
	for _, n := range warmJails() {
		root := filepath.Join(e.root, n)
		if err := os.MkdirAll(filepath.Join(root, "dev"), 0o755); err != nil {
			t.Fatal(err)
		}
		js = append(js, newJail(n, root))
		names = append(names, n)
	}
	x := e.executor(nil)
	var out bytes.Buffer
	r := &compat.Runner{Config: config(js...), X: x, Stdout: &out, Stderr: &out, Name: "rcjail", Rec: e.records()}
	defer r.Rec.Close()
	if st := r.Run(context.Background(), "start", names); st != 0 {
		x.Close()
		t.Fatalf("start: %d\n%s", st, out.String())
	}
	// The sources (the host's /usr and friends, skel_root "/") are not
	// kept open in this process once the jails' programs run.
	if got := fdsUnder(t, "/usr"); slices.ContainsFunc(got, func(f string) bool { return strings.HasSuffix(f, " -> /usr") }) {
		t.Errorf("after the start /usr is held open: %v", got)
	}
	for _, j := range js {
		pids := jailProcs(j.RootDir)
		if len(pids) == 0 {
			t.Errorf("jail %s: no process", j.Name)
		}
		for _, pid := range pids {
			dir := "/proc/" + strconv.Itoa(pid) + "/fd"
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, fe := range ents {
				if st, err := os.Stat(filepath.Join(dir, fe.Name())); err == nil && st.IsDir() {
					// The jail init's own procfs (of its PID
					// namespace, mounted nowhere), with which it
					// counts the jail's processes: not a host
					// directory.
					var sfs unix.Statfs_t
					if unix.Statfs(filepath.Join(dir, fe.Name()), &sfs) == nil && sfs.Type == unix.PROC_SUPER_MAGIC {
						continue
					}
					l, _ := os.Readlink(filepath.Join(dir, fe.Name()))
					t.Errorf("jail %s: process %d holds directory fd %s -> %s", j.Name, pid, fe.Name(), l)
				}
			}
		}
	}
	st := r.Run(context.Background(), "stop", names)
	if err := x.Close(); err != nil {
		t.Error(err)
	}
	if st != 0 {
		t.Fatalf("stop: %d\n%s", st, out.String())
	}
	if got := fdsUnder(t, "/usr"); slices.ContainsFunc(got, func(f string) bool { return strings.HasSuffix(f, " -> /usr") }) {
		t.Errorf("after Close /usr is still held open: %v", got)
	}
}
