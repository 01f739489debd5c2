package mount

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/mount/mounttest"
)

// defaultByNameUses is byNameUses as the package has it; init sets it to 1
// for the tests, which exercise each tier after the fewest uses
// (TestSourcesByNameUntilThreshold checks the default).
var defaultByNameUses = byNameUses

func init() { byNameUses = 1 }

// mountTmpfs mounts a tmpfs on p outside any session: someone else's mount.
func mountTmpfs(t *testing.T, p string) {
	t.Helper()
	if err := unix.Mount("tmpfs", p, "tmpfs", 0, "size=64k"); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", p, err)
	}
}

// A mount appearing on the target between Session.MkdirAll (whose statx
// the following Mount reuses) and the Mount is never stacked on: the
// remembered statx said "not a mount point", the attach lands on top of
// the newcomer, and verify's parent-mount check refuses and detaches it.
func TestMkdirHintStaleTargetNeverStacks(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		var s Session
		defer s.Close()
		if _, err := s.MkdirAll(tr.root, "usr/lib", 0o755); err != nil {
			t.Fatal(err)
		}
		lib := filepath.Join(tr.root, "usr/lib")
		mountTmpfs(t, lib)
		writeFile(t, filepath.Join(lib, "theirs"), "x")
		if !s.c.hint.ok {
			t.Fatal("MkdirAll of an existing directory remembered no statx: the test would test nothing")
		}
		// One attempt, as Session.Mount's first: ErrEscaped, not EBUSY.
		// The remembered statx was used (a fresh one sees the tmpfs and
		// refuses before attaching), and verify caught what it could
		// not see.
		_, err := s.c.mount(tr.roLib())
		if !errors.Is(err, ErrEscaped) {
			t.Fatalf("mount after a mount appeared on the target: %v, want ErrEscaped", err)
		}
		if got := mountsUnder(t, tr.dir); len(got) != 1 || got[0] != lib {
			t.Fatalf("mounts: %v, want only the tmpfs on %s", got, lib)
		}
		// The whole Session.Mount (its retry after a failure through
		// cached directories looks again: EBUSY), again after MkdirAll.
		if _, err := s.MkdirAll(tr.root, "usr/lib", 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Mount(tr.roLib()); !errors.Is(err, syscall.EBUSY) && !errors.Is(err, ErrEscaped) {
			t.Fatalf("Session.Mount after a mount appeared on the target: %v, want EBUSY or ErrEscaped", err)
		}
		if got := mountsUnder(t, tr.dir); len(got) != 1 || got[0] != lib {
			t.Fatalf("mounts: %v, want only the tmpfs on %s", got, lib)
		}
		if _, err := os.Stat(filepath.Join(lib, "theirs")); err != nil {
			t.Fatalf("the tmpfs is hidden: %v", err)
		}
		if err := unix.Unmount(lib, 0); err != nil {
			t.Fatal(err)
		}
	})
}

// The statx Session.MkdirAll remembers serves only a Mount of the same
// root and target that comes next: for any other target, or after any
// other call of the session, the Mount looks again and refuses a mount
// point with EBUSY (a stale remembered statx would say "not a mount
// point" and the attach would be caught only after the fact, ErrEscaped).
// The last mount is one attempt (c.mount): Session.Mount's retry after a
// failure through cached directories looks again, which would hide which
// statx the first attempt used.
func TestMkdirHintOnlyForTheNextMountOfTheSameTarget(t *testing.T) {
	cases := []struct {
		name string
		// between runs after MkdirAll(root, "usr/lib"); it returns the
		// request to mount, whose target then holds someone else's
		// mount.
		between func(t *testing.T, s *Session, tr tree) Request
	}{
		{"other target", func(t *testing.T, s *Session, tr tree) Request {
			mountTmpfs(t, filepath.Join(tr.root, "bin"))
			return Request{FSType: NullFS, Source: filepath.Join(tr.skel, "bin"), Root: tr.root, Target: "bin", ReadOnly: true}
		}},
		{"other root", func(t *testing.T, s *Session, tr tree) Request {
			other := filepath.Join(tr.dir, "root2")
			if err := os.MkdirAll(filepath.Join(other, "usr/lib"), 0o755); err != nil {
				t.Fatal(err)
			}
			mountTmpfs(t, filepath.Join(other, "usr/lib"))
			r := tr.roLib()
			r.Root = other
			return r
		}},
		{"another MkdirAll", func(t *testing.T, s *Session, tr tree) Request {
			if _, err := s.MkdirAll(tr.root, "bin", 0o755); err != nil {
				t.Fatal(err)
			}
			mountTmpfs(t, filepath.Join(tr.root, "usr/lib"))
			return tr.roLib()
		}},
		{"an unmount", func(t *testing.T, s *Session, tr tree) Request {
			m, err := s.Mount(Request{FSType: NullFS, Source: filepath.Join(tr.skel, "bin"), Root: tr.root, Target: "bin"})
			if err != nil {
				t.Fatal(err)
			}
			// That Mount took the statx; make a new one, then unmount.
			if _, err := s.MkdirAll(tr.root, "usr/lib", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := s.Unmount(m.Expect()); err != nil {
				t.Fatal(err)
			}
			mountTmpfs(t, filepath.Join(tr.root, "usr/lib"))
			return tr.roLib()
		}},
		{"a failed mount", func(t *testing.T, s *Session, tr tree) Request {
			if _, err := s.Mount(Request{FSType: NullFS, Source: filepath.Join(tr.skel, "missing"), Root: tr.root, Target: "usr/lib"}); err == nil {
				t.Fatal("mount of a missing source succeeded")
			}
			mountTmpfs(t, filepath.Join(tr.root, "usr/lib"))
			return tr.roLib()
		}},
		// Calls whose arguments are refused before they reach the
		// cache are calls all the same: the remembered statx goes.
		{"a refused mount", func(t *testing.T, s *Session, tr tree) Request {
			if _, err := s.Mount(Request{FSType: NullFS, Source: filepath.Join(tr.skel, "bin"), Root: tr.root, Target: "../bin"}); err == nil {
				t.Fatal("mount of an unclean target succeeded")
			}
			mountTmpfs(t, filepath.Join(tr.root, "usr/lib"))
			return tr.roLib()
		}},
		{"a refused unmount", func(t *testing.T, s *Session, tr tree) Request {
			if err := s.Unmount(Expect{FSType: NullFS, Source: filepath.Join(tr.skel, "bin"), Root: tr.root, Target: "/bin"}); err == nil {
				t.Fatal("unmount of an absolute target succeeded")
			}
			mountTmpfs(t, filepath.Join(tr.root, "usr/lib"))
			return tr.roLib()
		}},
		{"a refused MkdirAll", func(t *testing.T, s *Session, tr tree) Request {
			if _, err := s.MkdirAll(tr.root, "usr/../lib", 0o755); err == nil {
				t.Fatal("MkdirAll of an unclean path succeeded")
			}
			mountTmpfs(t, filepath.Join(tr.root, "usr/lib"))
			return tr.roLib()
		}},
		{"Close", func(t *testing.T, s *Session, tr tree) Request {
			s.Close()
			mountTmpfs(t, filepath.Join(tr.root, "usr/lib"))
			return tr.roLib()
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forEachAPI(t, func(t *testing.T) {
				tr := newTree(t)
				var s Session
				defer s.Close()
				if _, err := s.MkdirAll(tr.root, "usr/lib", 0o755); err != nil {
					t.Fatal(err)
				}
				req := c.between(t, &s, tr)
				before := mountsUnder(t, tr.dir)
				_, err := s.c.mount(req)
				if !errors.Is(err, syscall.EBUSY) {
					t.Fatalf("Mount on someone else's mount: %v, want EBUSY", err)
				}
				if after := mountsUnder(t, tr.dir); len(after) != len(before) {
					t.Fatalf("mounts %v, were %v", after, before)
				}
				for i := len(before) - 1; i >= 0; i-- {
					if err := unix.Unmount(before[i], 0); err != nil {
						t.Fatal(err)
					}
				}
			})
		})
	}
}

// The executor's sequence (MkdirAll, then Mount of the same target, through
// one Session sharing Sources) under the race of
// TestRaceSwapTargetForSymlink: the remembered statx and the cached source
// change nothing; at least 500 mounts, never one anywhere but the target.
func TestSessionRaceMkdirThenMount(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		var src Sources
		defer src.Close()
		var s Session
		defer s.Close()
		s.ShareSources(&src)
		swapRace(t, func(r Request) (*Mounted, error) {
			if _, err := s.MkdirAll(r.Root, r.Target, 0o755); err != nil {
				return nil, err
			}
			return s.Mount(r)
		}, s.Unmount)
	})
}

// inode returns p's inode, not following a symlink at p.
func inode(t *testing.T, p string) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

// A cached source is used only while its path still names it: swapped for
// a symlink to a host directory after it was cached, the next mount
// through the sharing sessions sees the symlink, as a direct bind would,
// and refuses it (outside SourceRoot, or any symlink at all); it never
// binds the symlink's target, nor the renamed-away original. Both with and
// without SourceRoot. (Before the Sources were kept across programs this
// test asserted the opposite, that the cache pinned the original.)
func TestSourcesSeeSwapForSymlink(t *testing.T) {
	for _, withRoot := range []bool{false, true} {
		name := "no SourceRoot"
		if withRoot {
			name = "SourceRoot"
		}
		t.Run(name, func(t *testing.T) {
			forEachAPI(t, func(t *testing.T) {
				tr := newTree(t)
				root2 := filepath.Join(tr.dir, "root2")
				if err := os.MkdirAll(filepath.Join(root2, "usr/lib"), 0o755); err != nil {
					t.Fatal(err)
				}
				req := tr.roLib()
				if withRoot {
					req.SourceRoot = tr.skel
				}
				var src Sources
				defer src.Close()
				var s1, s2 Session
				defer s1.Close()
				defer s2.Close()
				s1.ShareSources(&src)
				s2.ShareSources(&src)
				// The first use clones the source by name and caches
				// nothing (Sources.byNameLocked): the caching starts
				// with the second, which opens it.
				warm := req
				warm.Root = filepath.Join(tr.dir, "root0")
				if err := os.MkdirAll(filepath.Join(warm.Root, "usr/lib"), 0o755); err != nil {
					t.Fatal(err)
				}
				m0, err := s1.Mount(warm)
				if err != nil {
					t.Fatal(err)
				}
				if err := s1.Unmount(m0.Expect()); err != nil {
					t.Fatal(err)
				}
				m1, err := s1.Mount(req)
				if err != nil {
					t.Fatal(err)
				}
				lib := filepath.Join(tr.skel, "usr/lib")
				orig := inode(t, lib)
				if err := os.Rename(lib, lib+".old"); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(tr.outside, lib); err != nil {
					t.Fatal(err)
				}
				req2 := req
				req2.Root = root2
				if m2, err := s2.Mount(req2); err == nil {
					t.Fatalf("mount through the cached source of a path swapped for a symlink: %+v (inode %d; original %d)", m2, inode(t, filepath.Join(root2, "usr/lib")), orig)
				}
				if _, err := Mount(req2); err == nil {
					t.Fatal("a direct bind of the symlink succeeded")
				}
				if err := s1.Unmount(m1.Expect()); err != nil {
					t.Fatal(err)
				}
				if m := mountsUnder(t, tr.dir); len(m) != 0 {
					t.Fatalf("mounts left: %v", m)
				}
			})
		})
	}
}

// A session that mounts on or above a cached source drops it (a bind
// through the fd would show the covered directory), also when the source
// was reached through a symlink inside SourceRoot; and one that unmounts
// the file system a cached source is on drops it first (it would keep the
// unmount busy).
func TestSourcesDroppedWhenCoveredOrUnmounted(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		// skel/lib -> usr/lib, followed only inside SourceRoot.
		if err := os.Symlink("usr/lib", filepath.Join(tr.skel, "lib")); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(tr.root, "lib"), 0o755); err != nil {
			t.Fatal(err)
		}
		var src Sources
		defer src.Close()
		var s Session
		defer s.Close()
		s.ShareSources(&src)
		viaLink := Request{FSType: NullFS, Source: filepath.Join(tr.skel, "lib"), SourceRoot: tr.skel, Root: tr.root, Target: "lib", ReadOnly: true}
		// Twice each: the second use makes the detached copy too.
		for _, r := range []Request{tr.roLib(), viaLink, tr.roLib(), viaLink} {
			m, err := s.Mount(r)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Unmount(m.Expect()); err != nil {
				t.Fatal(err)
			}
		}
		// Cover skel/usr (where both cached sources really are) with a
		// tmpfs, through the session: neither may be bound any more.
		usr, err := s.Mount(Request{FSType: TmpFS, Root: tr.skel, Target: "usr"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []Request{tr.roLib(), viaLink} {
			if m, err := s.Mount(r); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("mount of %s with skel/usr covered: %+v, %v; want ENOENT (the covered directory must not be bound)", r.Source, m, err)
			}
		}
		// A source inside that tmpfs, cached by a mount; then the tmpfs
		// is unmounted through the session: not busy.
		if err := os.MkdirAll(filepath.Join(tr.skel, "usr/lib"), 0o755); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			m, err := s.Mount(tr.roLib())
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Unmount(m.Expect()); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Unmount(usr.Expect()); err != nil {
			t.Fatalf("unmount of the file system a cached source was on: %v", err)
		}
		if m := mountsUnder(t, tr.dir); len(m) != 0 {
			t.Fatalf("mounts left: %v", m)
		}
	})
}

// From its third use on, a shared source is bound by cloning a detached
// copy of it (see Sources.lookupLocked). Such a bind must be what a bind
// of the source itself is: the same directory and file system, read-only,
// without the mount that sits inside the source in the skeleton
// (non-recursive, as nullfs), and the kernel's table must say the same of
// it as of the first bind (cloned by name) and the second (from the
// source fd).
func TestSourcesCloneFromCopyLikeDirectBind(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	tr := newTree(t)
	if err := os.Mkdir(filepath.Join(tr.skel, "usr/lib/sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	mountTmpfs(t, filepath.Join(tr.skel, "usr/lib/sub"))
	t.Cleanup(func() { unix.Unmount(filepath.Join(tr.skel, "usr/lib/sub"), 0) })
	writeFile(t, filepath.Join(tr.skel, "usr/lib/sub/inner"), "submount")
	var src Sources
	defer src.Close()
	var s Session
	defer s.Close()
	s.ShareSources(&src)
	var ents []*Entry
	var ms []*Mounted
	for i := range 3 {
		r := tr.roLib()
		r.Root = filepath.Join(tr.dir, "j"+strconv.Itoa(i))
		if err := os.MkdirAll(filepath.Join(r.Root, "usr/lib"), 0o755); err != nil {
			t.Fatal(err)
		}
		m, err := s.Mount(r)
		if err != nil {
			t.Fatalf("jail %d: %v", i, err)
		}
		ms = append(ms, m)
		e := entryByID(t, m.ID)
		if e == nil {
			t.Fatalf("jail %d: mount %d not in the table", i, m.ID)
		}
		ents = append(ents, e)
		got := filepath.Join(r.Root, "usr/lib")
		if b, err := os.ReadFile(filepath.Join(got, "libc.so")); err != nil || string(b) != "libc" {
			t.Fatalf("jail %d: read: %q, %v", i, b, err)
		}
		if _, err := os.Stat(filepath.Join(got, "sub/inner")); err == nil {
			t.Fatalf("jail %d: the skeleton's submount shows through", i)
		}
		if err := os.WriteFile(filepath.Join(got, "probe"), nil, 0o644); !errors.Is(err, syscall.EROFS) {
			t.Fatalf("jail %d: write: %v, want EROFS", i, err)
		}
	}
	if src.ents[0].tree < 0 {
		t.Fatal("no detached copy after three uses: the test would not test it")
	}
	for i, e := range ents[1:] {
		if e.Root != ents[0].Root || e.Source != ents[0].Source || e.FSType != ents[0].FSType || e.Options != ents[0].Options || e.ReadOnly != ents[0].ReadOnly {
			t.Errorf("jail %d's bind %+v differs from the first %+v", i+1, e, ents[0])
		}
	}
	for _, m := range ms {
		if err := s.Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
	}
}

// A kernel that refuses to clone from a detached mount (before Linux
// 6.15) must cost nothing but the attempt: the mount is made from the
// source fd, and no later one tries again. The refusal is provoked with a
// copy the kernel refuses on any version (EINVAL, as an older kernel
// refuses a detached mount): an unbindable mount.
func TestSourcesCloneRefusedFallsBack(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	defer treeClone.Store(true)
	tr := newTree(t)
	unbindable := filepath.Join(tr.dir, "unbindable")
	if err := os.Mkdir(unbindable, 0o755); err != nil {
		t.Fatal(err)
	}
	mountTmpfs(t, unbindable)
	if err := unix.Mount("", unbindable, "", unix.MS_UNBINDABLE, ""); err != nil {
		t.Fatal(err)
	}
	var src Sources
	defer src.Close()
	var s Session
	defer s.Close()
	s.ShareSources(&src)
	// The first use clones by name and opens nothing (see
	// Sources.byNameLocked); the uses below are the second to fourth.
	m0, err := s.Mount(tr.roLib())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unmount(m0.Expect()); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var m *Mounted
		var err error
		if i < 2 {
			m, err = s.Mount(tr.roLib())
		} else {
			// One attempt (Session.Mount would retry a failure
			// through cached directories with fresh ones, which
			// would hide a fallback that does not work).
			src.mu.Lock()
			m, err = s.c.mount(tr.roLib())
			src.mu.Unlock()
		}
		if err != nil {
			t.Fatalf("mount %d: %v", i, err)
		}
		if i == 1 {
			// The copy exists now; put a foreign directory in its place.
			e := &src.ents[0]
			if e.tree < 0 {
				t.Fatal("no detached copy after two uses")
			}
			e.tf.Close()
			fd, err := unix.Open(unbindable, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			e.tree, e.tf = fd, os.NewFile(uintptr(fd), unbindable)
		}
		if i == 2 {
			if treeClone.Load() {
				t.Error("the refusal was not remembered")
			}
			if src.ents[0].tree >= 0 {
				t.Error("the refused copy is still kept")
			}
		}
		if b, err := os.ReadFile(filepath.Join(tr.root, "usr/lib/libc.so")); err != nil || string(b) != "libc" {
			t.Fatalf("mount %d: read: %q, %v", i, b, err)
		}
		if err := s.Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
	}
	src.Close()
	if err := unix.Unmount(unbindable, 0); err != nil {
		t.Fatal(err)
	}
}

// A shared source's first use clones the bind by name from the source's
// parent and keeps no fd (byNameLocked; byNameUses is 1 in these tests,
// see init below); the second opens and caches it,
// the third clones from a detached copy. Each bind is the skeleton's
// directory, read-only, and the first is verified like any other (the
// kernel's record puts it on the target).
func TestSourcesFirstUseClonesByName(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	tr := newTree(t)
	var src Sources
	defer src.Close()
	var s Session
	defer s.Close()
	s.ShareSources(&src)
	orig := inode(t, filepath.Join(tr.skel, "usr/lib"))
	for i := range 3 {
		r := tr.roLib()
		r.Root = filepath.Join(tr.dir, "j"+strconv.Itoa(i))
		if err := os.MkdirAll(filepath.Join(r.Root, "usr/lib"), 0o755); err != nil {
			t.Fatal(err)
		}
		m, err := s.Mount(r)
		if err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
		got := filepath.Join(r.Root, "usr/lib")
		if ino := inode(t, got); ino != orig {
			t.Errorf("use %d: bound inode %d, want the source's %d", i+1, ino, orig)
		}
		if e := entryByID(t, m.ID); e == nil || e.Target != got || !e.ReadOnly {
			t.Errorf("use %d: kernel entry %+v, want a read-only mount on %s", i+1, e, got)
		}
		if len(src.ents) != 1 {
			t.Fatalf("use %d: %d cached sources, want 1", i+1, len(src.ents))
		}
		e := src.ents[0]
		switch i {
		case 0:
			if e.fd >= 0 || e.f != nil {
				t.Errorf("first use opened the source (fd %d)", e.fd)
			}
		case 1:
			if e.fd < 0 || e.tree >= 0 {
				t.Errorf("second use: fd %d, copy %d; want the source open, no copy yet", e.fd, e.tree)
			}
		case 2:
			if e.fd < 0 || (e.tree < 0 && treeClone.Load()) {
				t.Errorf("third use: fd %d, copy %d; want both", e.fd, e.tree)
			}
		}
		if err := s.Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
	}
	// Closed, the next use is a first use again.
	src.Close()
	m, err := s.Mount(tr.roLib())
	if err != nil {
		t.Fatal(err)
	}
	if len(src.ents) != 1 || src.ents[0].fd >= 0 {
		t.Errorf("after Close: %+v, want one first-use mark", src.ents)
	}
	if err := s.Unmount(m.Expect()); err != nil {
		t.Fatal(err)
	}
	if got := mountsUnder(t, tr.dir); len(got) != 0 {
		t.Fatalf("mounts left: %v", got)
	}
}

// cloneByName must attach nothing but a directory. A symlink at the
// source's name is cloned as a symlink (open_tree does not follow it); on
// a directory target move_mount refuses it, but on a symlink (one swapped
// in at the target after it was looked at) it would not. The type check
// before the attach is what stops a symlink source there.
func TestCloneByNameAttachesOnlyDirectories(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	tr := newTree(t)
	if err := os.Symlink(tr.outside, filepath.Join(tr.skel, "lnk")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(tr.skel, "file"), "x")
	for _, target := range []string{"tlnk", "bin"} {
		if target == "tlnk" {
			if err := os.Symlink(tr.outside, filepath.Join(tr.root, "tlnk")); err != nil {
				t.Fatal(err)
			}
		}
		for _, source := range []string{"lnk", "file"} {
			var c fdCache
			pfd, err := c.dir("test", tr.root, ".")
			if err != nil {
				t.Fatal(err)
			}
			r := Request{FSType: NullFS, Source: filepath.Join(tr.skel, source), Root: tr.root, Target: target, ReadOnly: true}
			var stx unix.Statx_t
			if mfd, ok := c.cloneByName(r, pfd, target, &stx); ok {
				unix.Close(mfd)
				t.Errorf("source %s on target %s: attached", source, target)
			}
			c.close()
			if got := mountsUnder(t, tr.dir); len(got) != 0 {
				t.Fatalf("source %s on target %s: mounts left: %v", source, target, got)
			}
		}
	}
	// The same call on a real directory does attach (the test above is
	// not vacuous).
	var c fdCache
	defer c.close()
	pfd, err := c.dir("test", tr.root, ".")
	if err != nil {
		t.Fatal(err)
	}
	var stx unix.Statx_t
	mfd, ok := c.cloneByName(Request{FSType: NullFS, Source: filepath.Join(tr.skel, "bin"), Root: tr.root, Target: "bin", ReadOnly: true}, pfd, "bin", &stx)
	if !ok {
		t.Fatal("a directory source was not attached")
	}
	unix.Close(mfd)
	if err := unix.Unmount(filepath.Join(tr.root, "bin"), 0); err != nil {
		t.Fatal(err)
	}
}

// optionalFields returns the optional fields of mount id's line in
// /proc/self/mountinfo (shared:N, master:N …: its propagation).
func optionalFields(t *testing.T, id uint64) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 7 || f[0] != strconv.FormatUint(id, 10) {
			continue
		}
		var opt []string
		for _, x := range f[6:] {
			if x == "-" {
				break
			}
			opt = append(opt, x)
		}
		return strings.Join(opt, " ")
	}
	t.Fatalf("mount %d not in mountinfo", id)
	return ""
}

// A detached copy is a snapshot of the source's mount: remounted (now
// read-only and nosuid), made private, or lazily unmounted after the copy
// was made, the mount the source is on no longer looks like the copy, and
// a bind cloned from the copy would keep the old flags and peers (a
// read-write bind of a skeleton the admin made read-only) or bind a
// skeleton that is gone. A bind through a shared source must be what a
// bind of the source made now is: the same options and propagation as a
// direct bind, or the same failure.
func TestSourcesCopyFollowsTheSourceMount(t *testing.T) {
	cases := []struct {
		name   string
		change func(skelfs string) error
		gone   bool // the source's mount is detached: no bind at all
	}{
		{"remounted read-only and nosuid", func(p string) error {
			return unix.Mount("", p, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|unix.MS_NOSUID, "")
		}, false},
		{"made private", func(p string) error { return unix.Mount("", p, "", unix.MS_PRIVATE, "") }, false},
		{"lazily unmounted", func(p string) error { return unix.Unmount(p, unix.MNT_DETACH) }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !mounttest.InNamespace(t) {
				return
			}
			tr := newTree(t)
			skelfs := filepath.Join(tr.dir, "skelfs")
			if err := os.Mkdir(skelfs, 0o755); err != nil {
				t.Fatal(err)
			}
			mountTmpfs(t, skelfs)
			t.Cleanup(func() { unix.Unmount(skelfs, unix.MNT_DETACH) })
			if err := unix.Mount("", skelfs, "", unix.MS_SHARED, ""); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(skelfs, "usr/lib"), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(skelfs, "usr/lib/libc.so"), "libc")
			var src Sources
			defer src.Close()
			var s Session
			defer s.Close()
			s.ShareSources(&src)
			req := func(jail string) Request {
				r := Request{FSType: NullFS, Source: filepath.Join(skelfs, "usr/lib"), Root: filepath.Join(tr.dir, jail), Target: "usr/lib"}
				if err := os.MkdirAll(filepath.Join(r.Root, r.Target), 0o755); err != nil {
					t.Fatal(err)
				}
				return r
			}
			// Three uses: the third makes the copy.
			for i := range 3 {
				m, err := s.Mount(req("warm"))
				if err != nil {
					t.Fatalf("use %d: %v", i+1, err)
				}
				if err := s.Unmount(m.Expect()); err != nil {
					t.Fatal(err)
				}
			}
			if len(src.ents) != 1 || src.ents[0].tree < 0 {
				if !treeClone.Load() {
					t.Skip("kernel does not clone detached mounts")
				}
				t.Fatalf("no detached copy after three uses: %+v", src.ents)
			}
			if err := c.change(skelfs); err != nil {
				t.Fatal(err)
			}
			m, err := s.Mount(req("shared"))
			if c.gone {
				if err == nil {
					t.Fatalf("bound %+v from a source whose mount is gone", m)
				}
				if got := mountsUnder(t, tr.dir); len(got) != 0 {
					t.Fatalf("mounts left: %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			direct, err := Mount(req("direct"))
			if err != nil {
				t.Fatal(err)
			}
			got, want := entryByID(t, m.ID), entryByID(t, direct.ID)
			if got.Options != want.Options || got.ReadOnly != want.ReadOnly {
				t.Errorf("bind through the shared source: options %q, a direct bind's %q", got.Options, want.Options)
			}
			if g, w := optionalFields(t, m.ID), optionalFields(t, direct.ID); g != w {
				t.Errorf("bind through the shared source: propagation %q, a direct bind's %q", g, w)
			}
			if err := s.Unmount(m.Expect()); err != nil {
				t.Fatal(err)
			}
			if err := Unmount(direct.Expect()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// detachUnder lazily unmounts everything at or below dir, deepest first.
func detachUnder(dir string) {
	tab, _ := Table()
	for _, e := range Under(tab, dir) {
		unix.Unmount(e.Target, unix.MNT_DETACH)
	}
}

// bindSig is what tells two binds apart as a jail sees them: the kernel's
// record of the mount (file system, root within it, per-mount options,
// propagation) and the directory at its root (device and inode).
func bindSig(t *testing.T, m *Mounted) string {
	t.Helper()
	e := entryByID(t, m.ID)
	if e == nil {
		t.Fatalf("mount %d of %s not in the table", m.ID, m.Target)
	}
	var st unix.Stat_t
	if err := unix.Stat(m.Target, &st); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("fs %s %s root %q options %q ro %v propagation %q dev %d ino %d",
		e.FSType, e.Source, e.Root, e.Options, e.ReadOnly, optionalFields(t, m.ID), st.Dev, st.Ino)
}

// The Sources outlive the programs a start runs (the executor keeps them
// across hooks and jails), so whatever such a program does to a skeleton
// between two jails' mounts must be seen: after it, a bind through the
// shared, cached source is exactly what a direct bind of the path gives
// now (or refused when a direct bind is). Each change is tried at the
// second tier (a cached fd) and the third (a detached copy), with and
// without SourceRoot. Without the check of the path at each use, the
// cached fd or copy binds the old directory (a tmpfs put over it or over
// its parent, a replacement, a symlink swapped in are not seen) or keeps
// the old mount flags.
func TestSourcesSeeChangesBetweenUses(t *testing.T) {
	changes := []struct {
		name   string
		change func(t *testing.T, skelfs string)
		refuse bool // a direct bind fails: so must the shared one
		cached bool // nothing changed: the cache must still serve
	}{
		{"nothing", func(*testing.T, string) {}, false, true},
		{"tmpfs over the source", func(t *testing.T, p string) {
			mountTmpfs(t, filepath.Join(p, "usr/lib"))
			writeFile(t, filepath.Join(p, "usr/lib/libc.so"), "new")
		}, false, false},
		{"tmpfs over its parent", func(t *testing.T, p string) {
			mountTmpfs(t, filepath.Join(p, "usr"))
			if err := os.Mkdir(filepath.Join(p, "usr/lib"), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(p, "usr/lib/libc.so"), "new")
		}, false, false},
		{"renamed away and replaced", func(t *testing.T, p string) {
			lib := filepath.Join(p, "usr/lib")
			if err := os.Rename(lib, lib+".old"); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(lib, 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(lib, "libc.so"), "new")
		}, false, false},
		{"swapped for a symlink out", func(t *testing.T, p string) {
			lib := filepath.Join(p, "usr/lib")
			if err := os.Rename(lib, lib+".old"); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("/etc", lib); err != nil {
				t.Fatal(err)
			}
		}, true, false},
		{"remounted read-only, noexec", func(t *testing.T, p string) {
			if err := unix.Mount("", p, "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|unix.MS_NOEXEC, ""); err != nil {
				t.Fatal(err)
			}
		}, false, false},
	}
	for _, withRoot := range []bool{false, true} {
		for _, uses := range []int{2, 3} {
			for _, c := range changes {
				name := fmt.Sprintf("%s/after %d uses/SourceRoot %v", c.name, uses, withRoot)
				t.Run(name, func(t *testing.T) {
					forEachAPI(t, func(t *testing.T) {
						tr := newTree(t)
						t.Cleanup(func() { detachUnder(tr.dir) })
						skelfs := filepath.Join(tr.dir, "skelfs")
						if err := os.Mkdir(skelfs, 0o755); err != nil {
							t.Fatal(err)
						}
						mountTmpfs(t, skelfs)
						if err := os.MkdirAll(filepath.Join(skelfs, "usr/lib"), 0o755); err != nil {
							t.Fatal(err)
						}
						writeFile(t, filepath.Join(skelfs, "usr/lib/libc.so"), "orig")
						req := func(jail string) Request {
							r := Request{FSType: NullFS, Source: filepath.Join(skelfs, "usr/lib"), Root: filepath.Join(tr.dir, jail), Target: "usr/lib"}
							if withRoot {
								r.SourceRoot = skelfs
							}
							if err := os.MkdirAll(filepath.Join(r.Root, r.Target), 0o755); err != nil {
								t.Fatal(err)
							}
							return r
						}
						var src Sources
						defer src.Close()
						// One session per jail, closed before the
						// "program" runs, as the executor does.
						for i := range uses {
							var s Session
							s.ShareSources(&src)
							if _, err := s.Mount(req(fmt.Sprintf("warm%d", i))); err != nil {
								t.Fatal(err)
							}
							s.Close()
						}
						if len(src.ents) != 1 || src.ents[0].fd < 0 {
							t.Fatalf("after %d uses: %+v, want one cached source", uses, src.ents)
						}
						cachedFd := src.ents[0].fd
						c.change(t, skelfs)
						var s Session
						defer s.Close()
						s.ShareSources(&src)
						m, err := s.Mount(req("next"))
						direct, derr := Mount(req("direct"))
						if c.refuse {
							if derr == nil {
								t.Fatalf("a direct bind succeeded: %+v", direct)
							}
							if err == nil {
								t.Fatalf("the shared bind succeeded where a direct one fails (%v): %s", derr, bindSig(t, m))
							}
							return
						}
						if derr != nil {
							t.Fatal(derr)
						}
						if err != nil {
							t.Fatalf("shared bind: %v", err)
						}
						if got, want := bindSig(t, m), bindSig(t, direct); got != want {
							t.Errorf("shared bind  %s\n\t\twant (direct) %s", got, want)
						}
						b, _ := os.ReadFile(filepath.Join(m.Target, "libc.so"))
						want, _ := os.ReadFile(filepath.Join(direct.Target, "libc.so"))
						if string(b) != string(want) {
							t.Errorf("shared bind shows libc.so %q, a direct bind %q", b, want)
						}
						if c.cached && (len(src.ents) != 1 || src.ents[0].fd != cachedFd) {
							t.Errorf("nothing changed, yet the cached source was dropped: %+v", src.ents)
						}
					})
				})
			}
		}
	}
}

// With the package's own threshold, the first byNameUses uses of a shared
// source are cloned by name and keep no fd, the next opens and keeps it,
// the one after makes the detached copy; every bind is the source's
// directory, read-only.
func TestSourcesByNameUntilThreshold(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	byNameUses = defaultByNameUses
	defer func() { byNameUses = 1 }()
	tr := newTree(t)
	t.Cleanup(func() { detachUnder(tr.dir) })
	var src Sources
	defer src.Close()
	orig := inode(t, filepath.Join(tr.skel, "usr/lib"))
	n := defaultByNameUses + 2
	for i := 1; i <= n; i++ {
		var s Session
		s.ShareSources(&src)
		r := tr.roLib()
		r.Root = filepath.Join(tr.dir, "j"+strconv.Itoa(i))
		if err := os.MkdirAll(filepath.Join(r.Root, "usr/lib"), 0o755); err != nil {
			t.Fatal(err)
		}
		m, err := s.Mount(r)
		s.Close()
		if err != nil {
			t.Fatalf("use %d: %v", i, err)
		}
		if ino := inode(t, m.Target); ino != orig {
			t.Errorf("use %d: bound inode %d, want the source's %d", i, ino, orig)
		}
		if e := entryByID(t, m.ID); e == nil || !e.ReadOnly {
			t.Errorf("use %d: kernel entry %+v, want read-only", i, e)
		}
		if len(src.ents) != 1 {
			t.Fatalf("use %d: %d sources, want 1", i, len(src.ents))
		}
		e := src.ents[0]
		switch {
		case i <= defaultByNameUses:
			if e.fd >= 0 || e.uses != i {
				t.Errorf("use %d: fd %d, %d uses by name; want none open, %d", i, e.fd, e.uses, i)
			}
		case i == defaultByNameUses+1:
			if e.fd < 0 || e.tree >= 0 {
				t.Errorf("use %d: fd %d, copy %d; want the source open, no copy yet", i, e.fd, e.tree)
			}
		default:
			if e.fd < 0 || (e.tree < 0 && treeClone.Load()) {
				t.Errorf("use %d: fd %d, copy %d; want the source open and its copy", i, e.fd, e.tree)
			}
		}
	}
}
