package native

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rcjail/compat"
	"rcjail/mount/mounttest"
)

// TestSourcesSharedAcrossJails: the jails of one run take their skeleton
// binds from one set of open sources (each skeleton directory held open
// once, not once per jail), which is closed before any program runs (a
// hook could mount over the skeleton, which an open source would not see)
// and when a jail is released, like the jails' sessions.
func TestSourcesSharedAcrossJails(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	ctx := context.Background()
	e := newEnv(t)
	skel := t.TempDir()
	ents := []string{"bin", "usr/lib"}
	for _, d := range ents {
		if err := os.MkdirAll(filepath.Join(skel, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	x := e.executor(nil)
	defer x.Close()
	start := func(jail string) string {
		t.Helper()
		root := filepath.Join(e.root, jail)
		if err := os.MkdirAll(root, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, d := range ents {
			p := filepath.Join(root, d)
			if _, err := x.Mkdir(ctx, compat.Mkdir{Jail: jail, Root: root, Path: p}); err != nil {
				t.Fatal(err)
			}
			if err := x.Mount(ctx, compat.Mount{Jail: jail, FSType: compat.FSNullfs, Source: filepath.Join(skel, d), Target: p, ReadOnly: true, Root: root}); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	for _, j := range []string{"a", "b", "c"} {
		start(j)
	}
	// Each entry's source held open exactly once for the three jails.
	for _, d := range ents {
		src := filepath.Join(skel, d)
		n := 0
		for _, f := range fdsUnder(t, src) {
			if strings.HasSuffix(f, " -> "+src) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("after three jails %s is held open %d times, want once: %v", src, n, fdsUnder(t, skel))
		}
	}
	if mounts := mountsUnder(t, e.root); len(mounts) != 3*len(ents) {
		t.Fatalf("mounts under the jail roots: %v", mounts)
	}

	// A hook runs: nothing of ours is open under the skeleton meanwhile.
	if err := x.Exec(ctx, compat.Exec{Jail: "a", Var: "exec_prestart0", Argv: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
	if got := fdsUnder(t, skel); len(got) != 0 {
		t.Fatalf("a program ran with the skeleton held open: %v", got)
	}

	// The next jail opens them again; its release closes them.
	start("d")
	if got := fdsUnder(t, skel); len(got) == 0 {
		t.Fatal("the sources are not held open while a jail is mounted: not shared")
	}
	x.Release("d")
	if got := fdsUnder(t, skel); len(got) != 0 {
		t.Fatalf("after Release the skeleton is still held open: %v", got)
	}
	for _, j := range []string{"a", "b", "c", "d"} {
		root := filepath.Join(e.root, j)
		for i := len(ents) - 1; i >= 0; i-- {
			if err := x.Unmount(ctx, compat.Unmount{Jail: j, FSType: compat.FSNullfs, Target: filepath.Join(root, ents[i]), Root: root}); err != nil {
				t.Fatal(err)
			}
		}
		if err := x.FinishStop(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	if mounts := mountsUnder(t, e.root); len(mounts) != 0 {
		t.Fatalf("mounts left: %v", mounts)
	}
}
