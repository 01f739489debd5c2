package mount

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

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
// one Session) under the race of TestRaceSwapTargetForSymlink: the
// remembered statx changes nothing; at least 500 mounts, never one
// anywhere but the target.
func TestSessionRaceMkdirThenMount(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		var s Session
		defer s.Close()
		swapRace(t, func(r Request) (*Mounted, error) {
			if _, err := s.MkdirAll(r.Root, r.Target, 0o755); err != nil {
				return nil, err
			}
			return s.Mount(r)
		}, s.Unmount)
	})
}
