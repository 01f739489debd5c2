package native

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/compat"
	"rcjail/compat/native/linuxjail"
	"rcjail/mount"
	"rcjail/mount/mounttest"
)

// The host API the engine builds on (compat.Result.Dirs and Mounts,
// compat.Unmount.Expect, compat.StartJail.Created), asserted against the
// kernel's mount table in a private mount namespace.

// hostExecutor is a native host whose warnings land in warn.
func (e *env) hostExecutor(warn *bytes.Buffer) *Executor {
	e.t.Helper()
	x, err := New(Options{Root: e.state, Stderr: warn, StopTimeout: 2 * time.Second, CommandTimeout: 5 * time.Second, BusyTimeout: 300 * time.Millisecond})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { x.Close() })
	return x
}

// tableByID returns the kernel's entry for mount id id.
func tableByID(t *testing.T, id uint64) (mount.Entry, bool) {
	t.Helper()
	tbl, err := mount.Table()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range tbl {
		if m.ID == id {
			return m, true
		}
	}
	return mount.Entry{}, false
}

// bindAt makes dir under e.root and bind-mounts src there through the
// host, returning the identity Apply reports.
func (e *env) bindAt(x *Executor, jail, rel, src string) compat.MountID {
	e.t.Helper()
	ctx := context.Background()
	p := filepath.Join(e.root, rel)
	if _, err := compat.Apply(ctx, x, compat.Mkdir{Jail: jail, Root: e.root, Path: p}); err != nil {
		e.t.Fatal(err)
	}
	r, err := compat.Apply(ctx, x, compat.Mount{Jail: jail, FSType: compat.FSNullfs, Source: src, Target: p, ReadOnly: true, Root: e.root})
	if err != nil || len(r.Mounts) != 1 {
		e.t.Fatalf("mount %s: %+v %v", p, r.Mounts, err)
	}
	return r.Mounts[0]
}

// TestResultDirsAndMounts: Mkdir reports every directory it made, parents
// first; Mount and FstabMount report the kernel's identity of each mount
// (the mount table's id at that mount point, the requested type, source
// and root); Linux's fdescfs, which is no mount, reports none.
func TestResultDirsAndMounts(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	base := mountinfo(t)
	e := newEnv(t)
	ctx := context.Background()
	var warn bytes.Buffer
	x := e.hostExecutor(&warn)
	lib := filepath.Join(e.root, "usr/lib")
	r, err := compat.Apply(ctx, x, compat.Mkdir{Jail: "h", Root: e.root, Path: lib})
	if err != nil || !r.Created || !slices.Equal(r.Dirs, []string{e.root + "/usr", lib}) {
		t.Fatalf("Mkdir: %+v %v", r, err)
	}
	if r, err := compat.Apply(ctx, x, compat.Mkdir{Jail: "h", Root: e.root, Path: lib}); err != nil || r.Created || r.Dirs != nil {
		t.Errorf("Mkdir of an existing directory: %+v %v", r, err)
	}
	r, err = compat.Apply(ctx, x, compat.Mount{Jail: "h", FSType: compat.FSNullfs, Source: "/usr/lib", SourceRoot: "/", Target: lib, ReadOnly: true, Root: e.root})
	if err != nil || len(r.Mounts) != 1 {
		t.Fatalf("Mount: %+v %v", r.Mounts, err)
	}
	want := compat.MountID{Target: lib, FSType: compat.FSNullfs, Source: "/usr/lib", Root: e.root, ID: r.Mounts[0].ID, UniqueID: r.Mounts[0].UniqueID}
	if r.Mounts[0] != want || want.ID == 0 {
		t.Errorf("Mount identity = %+v, want %+v with an id", r.Mounts[0], want)
	}
	if m, ok := tableByID(t, want.ID); !ok || m.Target != lib {
		t.Errorf("the kernel's mount %d is %+v (%v), want it on %s", want.ID, m, ok, lib)
	}
	dev := filepath.Join(e.root, "dev")
	r, err = compat.Apply(ctx, x, compat.Mount{Jail: "h", FSType: compat.FSDevfs, Target: dev, Root: e.root})
	if err != nil || len(r.Mounts) != 1 || r.Mounts[0].Target != dev || r.Mounts[0].FSType != compat.FSDevfs {
		t.Fatalf("devfs Mount: %+v %v", r.Mounts, err)
	}
	if m, ok := tableByID(t, r.Mounts[0].ID); !ok || m.Target != dev || m.FSType != "tmpfs" {
		t.Errorf("the kernel's devfs stand-in %d is %+v (%v)", r.Mounts[0].ID, m, ok)
	}
	if r, err := compat.Apply(ctx, x, compat.Mount{Jail: "h", FSType: compat.FSFdescfs, Target: dev + "/fd", Root: e.root}); err != nil || r.Mounts != nil {
		t.Errorf("fdescfs Mount (no mount on Linux): %+v %v", r.Mounts, err)
	}
	for _, d := range []string{"proc", "opt"} {
		if err := os.Mkdir(filepath.Join(e.root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fst := compat.FstabMount{Jail: "h", Fstab: "/etc/fstab.h", Root: e.root, Entries: []compat.FstabEntry{
		{Line: 1, Device: "proc", MountPoint: e.root + "/proc", FSType: "procfs", Options: "rw"},
		{Line: 2, Device: "/usr/share", MountPoint: e.root + "/opt", FSType: "nullfs", Options: "ro"},
	}}
	r, err = compat.Apply(ctx, x, fst)
	if err != nil || len(r.Mounts) != 2 {
		t.Fatalf("FstabMount: %+v %v", r.Mounts, err)
	}
	for i, kt := range []string{"proc", ""} {
		got := r.Mounts[i]
		m, ok := tableByID(t, got.ID)
		if !ok || m.Target != fst.Entries[i].MountPoint || got.Target != m.Target || got.Root != e.root || (kt != "" && m.FSType != kt) {
			t.Errorf("fstab line %d: identity %+v, kernel %+v (%v)", i+1, got, m, ok)
		}
	}
	if r.Mounts[1].Source != "/usr/share" || r.Mounts[1].FSType != compat.FSNullfs {
		t.Errorf("fstab nullfs identity = %+v", r.Mounts[1])
	}
	// Everything goes by its identity; the table is the baseline again.
	for _, p := range []string{e.root + "/opt", e.root + "/proc", dev, lib} {
		if err := x.Unmount(ctx, compat.Unmount{Jail: "h", Target: p, Root: e.root}); err != nil {
			t.Error(err)
		}
	}
	if got := mountinfo(t); got != base {
		t.Errorf("mount table not back to the baseline:\n%s", got)
	}
}

// TestUnmountExpectMoved: a recorded mount whose parent directory was
// renamed (inside the root, and out of it) is unmounted where it is now,
// the move reported; the same Expect once more is ErrNotMounted.
func TestUnmountExpectMoved(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	base := mountinfo(t)
	for _, out := range []bool{false, true} {
		e := newEnv(t)
		var warn bytes.Buffer
		x := e.hostExecutor(&warn)
		id := e.bindAt(x, "mv", "usr/lib", "/usr/lib")
		// A neighbour that must stay: the same source elsewhere.
		other := e.bindAt(x, "mv", "opt/lib", "/usr/lib")
		moved := filepath.Join(e.root, "usr.moved")
		if out {
			moved = filepath.Join(t.TempDir(), "usr.out")
		}
		if err := os.Rename(filepath.Join(e.root, "usr"), moved); err != nil {
			t.Fatal(err)
		}
		u := compat.Unmount{Jail: "mv", FSType: compat.FSNullfs, Target: id.Target, Root: e.root, Expect: &id}
		if err := x.Unmount(context.Background(), u); err != nil {
			t.Fatalf("outside %v: Unmount of a moved mount: %v", out, err)
		}
		if _, ok := tableByID(t, id.ID); ok {
			t.Errorf("outside %v: mount %d still in the table", out, id.ID)
		}
		if _, ok := tableByID(t, other.ID); !ok {
			t.Errorf("outside %v: the neighbour %d was unmounted", out, other.ID)
		}
		if w := warn.String(); !strings.Contains(w, moved+"/lib") {
			t.Errorf("outside %v: the move is not reported with its new place %s: %q", out, moved+"/lib", w)
		}
		if err := x.Unmount(context.Background(), u); !errors.Is(err, compat.ErrNotMounted) {
			t.Errorf("outside %v: Unmount of a mount already gone: %v, want ErrNotMounted", out, err)
		}
		if err := x.Unmount(context.Background(), compat.Unmount{Jail: "mv", FSType: compat.FSNullfs, Target: other.Target, Root: e.root, Expect: &other}); err != nil {
			t.Error(err)
		}
	}
	if got := mountinfo(t); got != base {
		t.Errorf("mount table not back to the baseline:\n%s", got)
	}
}

// TestUnmountExpectNotOurs: whatever stands where the recorded mount was
// (the admin's tmpfs, a mount of another source, stacked mounts, a target
// the expectation does not name) is reported as ErrNotOurs and left
// mounted; for an intent without an id, nothing there is ErrNotMounted and
// the one matching mount goes.
func TestUnmountExpectNotOurs(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	base := mountinfo(t)
	e := newEnv(t)
	ctx := context.Background()
	var warn bytes.Buffer
	x := e.hostExecutor(&warn)
	id := e.bindAt(x, "no", "usr/lib", "/usr/lib")
	// Gone behind our back, and the admin's tmpfs in its place.
	if err := unix.Unmount(id.Target, 0); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", id.Target, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	u := compat.Unmount{Jail: "no", FSType: compat.FSNullfs, Target: id.Target, Root: e.root, Expect: &id}
	if err := x.Unmount(ctx, u); !errors.Is(err, compat.ErrNotOurs) {
		t.Errorf("Unmount of the admin's tmpfs by our identity: %v, want ErrNotOurs", err)
	}
	// Without an id (an intent never confirmed): the tmpfs is not a bind
	// of /usr/lib either.
	intent := compat.MountID{Target: id.Target, FSType: compat.FSNullfs, Source: "/usr/lib", Root: e.root}
	u.Expect = &intent
	if err := x.Unmount(ctx, u); !errors.Is(err, compat.ErrNotOurs) {
		t.Errorf("Unmount of an intent over the admin's tmpfs: %v, want ErrNotOurs", err)
	}
	if got := mountsUnder(t, e.root); !slices.Equal(got, []string{id.Target}) {
		t.Fatalf("mounts under the root = %v, want the admin's tmpfs alone", got)
	}
	if err := unix.Unmount(id.Target, 0); err != nil {
		t.Fatal(err)
	}
	if err := x.Unmount(ctx, u); !errors.Is(err, compat.ErrNotMounted) {
		t.Errorf("Unmount of an intent where nothing is mounted: %v, want ErrNotMounted", err)
	}
	// Two binds of the right source stacked: which one is ours is not
	// known, neither goes.
	for range 2 {
		if err := unix.Mount("/usr/lib", id.Target, "", unix.MS_BIND, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Unmount(ctx, u); !errors.Is(err, compat.ErrNotOurs) {
		t.Errorf("Unmount of an intent over stacked mounts: %v, want ErrNotOurs", err)
	}
	if n := strings.Count(mountinfo(t), " "+id.Target+" "); n != 2 {
		t.Errorf("%d mounts on %s, want the 2 stacked ones left", n, id.Target)
	}
	if err := unix.Unmount(id.Target, 0); err != nil {
		t.Fatal(err)
	}
	// One bind of the right source: the intent's mount, it goes (read-only
	// or not: a crash may fall between the mount and its remount).
	if err := x.Unmount(ctx, u); err != nil {
		t.Errorf("Unmount of the intent's one mount: %v", err)
	}
	if got := mountsUnder(t, e.root); len(got) != 0 {
		t.Errorf("mounts under the root = %v, want none", got)
	}
	// An expectation that is not the step's (a record entry pointing out
	// of its jail): refused, nothing touched.
	host := filepath.Join(t.TempDir(), "host")
	if err := os.Mkdir(host, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("/usr/lib", host, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(host, unix.MNT_DETACH)
	bad := compat.MountID{Target: host, FSType: compat.FSNullfs, Source: "/usr/lib", Root: e.root}
	if err := x.Unmount(ctx, compat.Unmount{Jail: "no", FSType: compat.FSNullfs, Target: id.Target, Root: e.root, Expect: &bad}); !errors.Is(err, compat.ErrNotOurs) {
		t.Errorf("Unmount with an expectation outside the step: %v, want ErrNotOurs", err)
	}
	if !slices.Contains(mountsUnder(t, filepath.Dir(host)), host) {
		t.Errorf("the host's mount %s was unmounted", host)
	}
	unix.Unmount(host, 0)
	if got := mountinfo(t); got != base {
		t.Errorf("mount table not back to the baseline:\n%s", got)
	}
}

// createdHost sets the runner's Created callback on StartJail, as the
// engine does.
type createdHost struct {
	*Executor
	created func(jid string) error
}

func (h createdHost) StartJail(ctx context.Context, s compat.StartJail) (string, []byte, error) {
	s.Created = h.created
	return h.Executor.StartJail(ctx, s)
}

// TestStartJailCreated: native Linux calls StartJail.Created with the jid
// once the jail's init runs in its root and before the start command runs;
// an error from it removes the jail before its start command ran and fails
// the start, which then rolls back.
func TestStartJailCreated(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	base := mountinfo(t)
	e := newEnv(t)
	j := newJail("cb", e.root)
	j.ExecStart = []string{"/bin/sh", "-c", "touch /tmp/ran; sleep 300 & exit 0"}
	ran := filepath.Join(e.root, "tmp/ran")
	for _, fail := range []bool{false, true} {
		var calls []string
		var out bytes.Buffer
		h := createdHost{Executor: e.executor(nil), created: func(jid string) error {
			calls = append(calls, jid)
			// The init waits for Created: give the start command every
			// chance to run early, then look.
			time.Sleep(200 * time.Millisecond)
			if _, err := os.Stat(ran); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Created(%s) called after the start command ran (%v)", jid, err)
			}
			if ok, _ := h0(jid, e.root); !ok {
				t.Errorf("Created(%s): no jail runs in %s", jid, e.root)
			}
			if fail {
				return errors.New("journal full")
			}
			return nil
		}}
		r := &compat.Runner{Config: config(j), X: h, Stdout: &out, Stderr: &out, Name: "rcjail"}
		st := r.Run(context.Background(), "onestart", []string{"cb"})
		h.Close()
		if len(calls) != 1 {
			t.Fatalf("fail %v: Created called %d times (%v):\n%s", fail, len(calls), calls, out.String())
		}
		if !fail {
			idb, _ := os.ReadFile(filepath.Join(e.state, "var/run/jail_cb.id"))
			if st != 0 || strings.TrimSpace(string(idb)) != calls[0] {
				t.Fatalf("start: %d, id file %q, Created(%s):\n%s", st, idb, calls[0], out.String())
			}
			if st, o := e.run("onestop", nil, j); st != 0 {
				t.Fatalf("stop: %d\n%s", st, o)
			}
			waitNoProcs(t, e.root)
			os.Remove(ran)
			continue
		}
		if st == 0 || !strings.Contains(out.String(), "journal full") {
			t.Errorf("start with a failing Created: status %d:\n%s", st, out.String())
		}
		waitNoProcs(t, e.root)
		if _, err := os.Stat(ran); err == nil {
			t.Errorf("the start command ran though Created failed")
		}
	}
	if got := mountinfo(t); got != base {
		t.Errorf("mount table not back to the baseline:\n%s", got)
	}
}

// h0 asks the kernel whether jid runs in root.
func h0(jid, root string) (bool, error) {
	n, err := strconv.Atoi(jid)
	if err != nil {
		return false, err
	}
	// The init may not have entered its root yet.
	linuxjail.Settle(n, root, 5*time.Second)
	r, ok := linuxjail.Root(n)
	return ok && r == root, nil
}
