package mount

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"rcjail/mount/mounttest"
)

// forEachAPI runs f twice, each in its own private namespace: once with the
// new mount API (open_tree/fsmount + move_mount) and once with mount(2) on
// /proc/thread-self/fd paths, the fallback for kernels without it.
func forEachAPI(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for _, mode := range []string{"newapi", "mount2"} {
		t.Run(mode, func(t *testing.T) {
			if !mounttest.InNamespace(t) {
				return
			}
			useNewMountAPI.Store(mode == "newapi")
			f(t)
		})
	}
}

// tree is a scratch layout: a skeleton, a jail root and a directory outside
// the root that no mount may ever reach.
type tree struct {
	dir, skel, root, outside string
}

// roLib is the request most tests mount: the skeleton's usr/lib, read-only,
// on the jail root's usr/lib.
func (tr tree) roLib() Request {
	return Request{FSType: NullFS, Source: filepath.Join(tr.skel, "usr/lib"), Root: tr.root, Target: "usr/lib", ReadOnly: true}
}

func newTree(t *testing.T) tree {
	t.Helper()
	d := t.TempDir()
	tr := tree{dir: d, skel: filepath.Join(d, "skel"), root: filepath.Join(d, "root"), outside: filepath.Join(d, "outside")}
	for _, p := range []string{"skel/usr/lib", "skel/bin", "root/usr/lib", "root/bin", "outside"} {
		if err := os.MkdirAll(filepath.Join(d, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(tr.skel, "usr/lib/libc.so"), "libc")
	writeFile(t, filepath.Join(tr.outside, "secret"), "host data")
	return tr
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mountsUnder lists the kernel's mount points at or below dir.
func mountsUnder(t *testing.T, dir string) []string {
	t.Helper()
	tab, err := Table()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range Under(tab, dir) {
		out = append(out, e.Target)
	}
	return out
}

// listTree lists every path below dir (symlinks not followed), to prove that
// nothing was created outside the root.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBindRoundTrip(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		m, err := Mount(tr.roLib())
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(tr.root, "usr/lib")
		if m.Target != target || m.ID == 0 || len(m.Created) != 0 {
			t.Fatalf("Mounted = %+v", m)
		}
		if b, err := os.ReadFile(filepath.Join(target, "libc.so")); err != nil || string(b) != "libc" {
			t.Fatalf("read through the mount: %q, %v", b, err)
		}
		err = os.WriteFile(filepath.Join(target, "new"), nil, 0o644)
		if !errors.Is(err, syscall.EROFS) {
			t.Fatalf("write to a read-only entry: %v, want EROFS", err)
		}
		e := entryByID(t, m.ID)
		if e == nil || e.Target != target || !e.ReadOnly || !strings.Contains(e.Options, "nosuid") || !strings.Contains(e.Options, "nodev") {
			t.Fatalf("mount table entry for id %d: %+v", m.ID, e)
		}
		if err := Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
		if got := mountsUnder(t, tr.root); len(got) != 0 {
			t.Fatalf("mounts left after unmount: %v", got)
		}
		if err := Unmount(m.Expect()); !errors.Is(err, ErrNotMounted) {
			t.Fatalf("second unmount: %v, want ErrNotMounted", err)
		}

		// Read-write: writes reach the skeleton.
		m, err = Mount(Request{FSType: NullFS, Source: filepath.Join(tr.skel, "usr/lib"), Root: tr.root, Target: "usr/lib"})
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(target, "rw"), "x")
		if _, err := os.Stat(filepath.Join(tr.skel, "usr/lib/rw")); err != nil {
			t.Fatalf("rw write did not reach the source: %v", err)
		}
		if err := Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestReadOnlyFailureLeavesNothing(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		before := mountsUnder(t, "/")
		testHookReadOnly = func() error { return syscall.EIO }
		defer func() { testHookReadOnly = nil }()
		_, err := Mount(tr.roLib())
		if !errors.Is(err, syscall.EIO) {
			t.Fatalf("Mount = %v, want the injected EIO", err)
		}
		var me *Error
		if !errors.As(err, &me) || (me.Op != "set read-only" && me.Op != "remount-ro") {
			t.Fatalf("error %v does not name the read-only step", err)
		}
		if after := mountsUnder(t, "/"); !slices.Equal(before, after) {
			t.Fatalf("mount table changed by a failed read-only mount:\nbefore %v\nafter  %v", before, after)
		}
		// The target is still the plain directory: writable, empty.
		writeFile(t, filepath.Join(tr.root, "usr/lib/probe"), "x")
		if _, err := os.Stat(filepath.Join(tr.skel, "usr/lib/probe")); err == nil {
			t.Fatal("a write to the target reached the skeleton: a rw mount was left behind")
		}
	})
}

// Security.md §7 case 1: symlinked mount targets never escape.
func TestSymlinkTargetsRefused(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tests := []struct {
			name   string
			link   string // relative to root
			to     string // "$OUT" is replaced by the outside directory
			req    Request
			create bool
		}{
			{name: "usr/lib -> /", link: "usr/lib", to: "/", req: Request{FSType: NullFS, Target: "usr/lib"}},
			{name: "usr/lib -> ../../outside", link: "usr/lib", to: "../../outside", req: Request{FSType: NullFS, Target: "usr/lib"}},
			{name: "dev -> /dev", link: "dev", to: "/dev", req: Request{FSType: DevFS, Target: "dev"}},
			{name: "proc -> outside", link: "proc", to: "$OUT", req: Request{FSType: ProcFS, Target: "proc"}},
			{name: "usr -> outside, create usr/lib/x", link: "usr", to: "$OUT", req: Request{FSType: TmpFS, Target: "usr/lib/x", Create: true}},
			{name: "final link with create", link: "usr/lib", to: "$OUT", req: Request{FSType: NullFS, Target: "usr/lib", Create: true}},
		}
		for _, tt := range tests {
			t.Run(strings.ReplaceAll(tt.name, "/", "_"), func(t *testing.T) {
				tr := newTree(t)
				link := filepath.Join(tr.root, tt.link)
				if err := os.RemoveAll(link); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(strings.ReplaceAll(tt.to, "$OUT", tr.outside), link); err != nil {
					t.Fatal(err)
				}
				req := tt.req
				req.Root = tr.root
				if req.FSType == NullFS {
					req.Source = filepath.Join(tr.skel, "usr/lib")
				}
				before, outBefore := mountsUnder(t, "/"), listTree(t, tr.outside)
				_, err := Mount(req)
				if !errors.Is(err, ErrSymlink) {
					t.Fatalf("Mount = %v, want ErrSymlink", err)
				}
				t.Logf("refused: %v", err)
				if !strings.Contains(err.Error(), link) {
					t.Errorf("error %q does not name the symlink %s", err, link)
				}
				if after := mountsUnder(t, "/"); !slices.Equal(before, after) {
					t.Errorf("mount table changed:\nbefore %v\nafter  %v", before, after)
				}
				if after := listTree(t, tr.outside); !slices.Equal(outBefore, after) {
					t.Errorf("files created outside the root: %v", after)
				}
				if b, err := os.ReadFile(filepath.Join(tr.outside, "secret")); err != nil || string(b) != "host data" {
					t.Errorf("host file changed: %q %v", b, err)
				}
			})
		}
	})
}

func TestSymlinkInRootOrSource(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		// A root reached through a symlink is refused: the check is on the
		// path the caller gave, which must be the canonical one.
		alias := filepath.Join(tr.dir, "alias")
		if err := os.Symlink(tr.root, alias); err != nil {
			t.Fatal(err)
		}
		_, err := Mount(Request{FSType: TmpFS, Root: alias, Target: "usr/lib"})
		if !errors.Is(err, ErrSymlink) {
			t.Fatalf("root through a symlink: %v, want ErrSymlink", err)
		}
		// A source symlink is refused without SourceRoot, followed with it
		// when it stays inside, refused when it leaves.
		if err := os.Symlink("usr/lib", filepath.Join(tr.skel, "lib")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(tr.outside, filepath.Join(tr.skel, "abs")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../outside", filepath.Join(tr.skel, "up")); err != nil {
			t.Fatal(err)
		}
		req := Request{FSType: NullFS, Source: filepath.Join(tr.skel, "lib"), Root: tr.root, Target: "usr/lib", ReadOnly: true}
		if _, err := Mount(req); !errors.Is(err, ErrSymlink) {
			t.Fatalf("symlinked source without SourceRoot: %v, want ErrSymlink", err)
		}
		req.SourceRoot = tr.skel
		m, err := Mount(req)
		if err != nil {
			t.Fatalf("in-tree relative source symlink with SourceRoot: %v", err)
		}
		if _, err := os.Stat(filepath.Join(tr.root, "usr/lib/libc.so")); err != nil {
			t.Fatalf("mounted the wrong source: %v", err)
		}
		if err := Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
		for _, src := range []string{"abs", "up"} {
			req.Source = filepath.Join(tr.skel, src)
			if _, err := Mount(req); !errors.Is(err, unix.EXDEV) {
				t.Errorf("source %s leaving SourceRoot: %v, want EXDEV", src, err)
			}
		}
		if got := mountsUnder(t, tr.dir); len(got) != 0 {
			t.Fatalf("mounts left: %v", got)
		}
	})
}

func TestCreateMissingTargets(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		old := unix.Umask(0o077) // the mode must not depend on the umask
		defer unix.Umask(old)
		_, err := Mount(Request{FSType: TmpFS, Root: tr.root, Target: "var/db/x"})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("missing target without Create: %v, want ErrNotExist", err)
		}
		m, err := Mount(Request{FSType: TmpFS, Root: tr.root, Target: "var/db/x", Create: true})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{filepath.Join(tr.root, "var"), filepath.Join(tr.root, "var/db"), filepath.Join(tr.root, "var/db/x")}
		if !slices.Equal(m.Created, want) {
			t.Fatalf("Created = %v, want %v", m.Created, want)
		}
		if err := Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
		for _, p := range want {
			fi, err := os.Lstat(p)
			if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755 {
				t.Errorf("%s: %v %v, want a 0755 directory", p, fi.Mode(), err)
			}
		}
	})
}

// Security.md §7 case 2: stop never unmounts through a symlink.
func TestUnmountRefusesPlantedSymlink(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		// A host mount the jail would like us to remove.
		hostMnt := filepath.Join(tr.outside, "hostmnt")
		if err := os.Mkdir(hostMnt, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := unix.Mount("tmpfs", hostMnt, "tmpfs", 0, ""); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Unmount(hostMnt, unix.MNT_DETACH) })
		m, err := Mount(Request{FSType: DevFS, Root: tr.root, Target: "dev", Create: true})
		if err != nil {
			t.Fatal(err)
		}
		// The mount goes away behind our back (a reboot), and the jail
		// replaces its dev with a symlink to the host mount.
		if err := unix.Unmount(m.Target, 0); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(m.Target); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(hostMnt, m.Target); err != nil {
			t.Fatal(err)
		}
		for _, e := range []Expect{m.Expect(), {FSType: DevFS, Root: tr.root, Target: "dev"}} {
			err = Unmount(e)
			if !errors.Is(err, ErrSymlink) {
				t.Fatalf("Unmount(%+v) through a symlink = %v, want ErrSymlink", e, err)
			}
			if !slices.Contains(mountsUnder(t, tr.dir), hostMnt) {
				t.Fatal("the host mount behind the symlink was unmounted")
			}
		}
		// Same through an intermediate component: usr -> outside, where
		// outside/lib is a host mount.
		hostLib := filepath.Join(tr.outside, "lib")
		if err := os.Mkdir(hostLib, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := unix.Mount("tmpfs", hostLib, "tmpfs", 0, ""); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Unmount(hostLib, unix.MNT_DETACH) })
		if err := os.RemoveAll(filepath.Join(tr.root, "usr")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(tr.outside, filepath.Join(tr.root, "usr")); err != nil {
			t.Fatal(err)
		}
		if err := Unmount(Expect{FSType: TmpFS, Root: tr.root, Target: "usr/lib"}); !errors.Is(err, ErrSymlink) {
			t.Fatalf("Unmount through a symlinked parent = %v, want ErrSymlink", err)
		}
		if !slices.Contains(mountsUnder(t, tr.dir), hostLib) {
			t.Fatal("the host mount behind the symlinked parent was unmounted")
		}
	})
}

func TestUnmountRefusesForeignMount(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		m, err := Mount(tr.roLib())
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			e    Expect
		}{
			{"other id", Expect{ID: m.ID + 1000, FSType: NullFS, Source: m.Source, Root: tr.root, Target: "usr/lib"}},
			{"other source", Expect{FSType: NullFS, Source: filepath.Join(tr.skel, "bin"), Root: tr.root, Target: "usr/lib"}},
			{"other type", Expect{ID: m.ID, FSType: ProcFS, Root: tr.root, Target: "usr/lib"}},
		}
		for _, tt := range tests {
			if err := Unmount(tt.e); !errors.Is(err, ErrNotOurs) {
				t.Errorf("%s: Unmount = %v, want ErrNotOurs", tt.name, err)
			}
		}
		if !slices.Contains(mountsUnder(t, tr.root), m.Target) {
			t.Fatal("a refused unmount removed the mount")
		}
		// Without an id (crash recovery), the source identifies it.
		if err := Unmount(Expect{FSType: NullFS, Source: m.Source, Root: tr.root, Target: "usr/lib"}); err != nil {
			t.Fatal(err)
		}
		// Not a mount point, and not there at all.
		if err := Unmount(m.Expect()); !errors.Is(err, ErrNotMounted) {
			t.Errorf("Unmount of a plain directory = %v, want ErrNotMounted", err)
		}
		if err := Unmount(Expect{FSType: TmpFS, Root: tr.root, Target: "no/such"}); !errors.Is(err, ErrNotMounted) {
			t.Errorf("Unmount of a missing path = %v, want ErrNotMounted", err)
		}
		if err := Unmount(Expect{FSType: TmpFS, Root: filepath.Join(tr.dir, "gone"), Target: "dev"}); !errors.Is(err, ErrNotMounted) {
			t.Errorf("Unmount below a missing root = %v, want ErrNotMounted", err)
		}
	})
}

func TestNeverStacks(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		m, err := Mount(Request{FSType: TmpFS, Root: tr.root, Target: "bin"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Mount(Request{FSType: TmpFS, Root: tr.root, Target: "bin"})
		if !errors.Is(err, syscall.EBUSY) || !strings.Contains(err.Error(), "already a mount point") {
			t.Fatalf("second mount on the same target = %v, want EBUSY", err)
		}
		if got := mountsUnder(t, tr.root); len(got) != 1 {
			t.Fatalf("mounts under the root: %v", got)
		}
		if err := Unmount(m.Expect()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestUnmountBusy(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		m, err := Mount(Request{FSType: TmpFS, Root: tr.root, Target: "bin"})
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(m.Target, "held"))
		if err != nil {
			t.Fatal(err)
		}
		err = Unmount(m.Expect())
		if !errors.Is(err, syscall.EBUSY) {
			t.Fatalf("Unmount with an open file = %v, want EBUSY", err)
		}
		if !strings.Contains(err.Error(), "UMOUNT_NOFOLLOW") || !strings.Contains(err.Error(), m.Target) {
			t.Errorf("busy error %q does not name flags and target", err)
		}
		// Force (lazy detach) takes it away at once; the open file still works.
		e := m.Expect()
		e.Force = true
		if err := Unmount(e); err != nil {
			t.Fatalf("forced unmount: %v", err)
		}
		if got := mountsUnder(t, tr.root); len(got) != 0 {
			t.Fatalf("mounts left after a forced unmount: %v", got)
		}
		if _, err := f.Write([]byte("x")); err != nil {
			t.Errorf("write to a file of a detached mount: %v", err)
		}
		f.Close()
	})
}

func TestDevfsAndProcfs(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		dev, err := Mount(Request{FSType: DevFS, Root: tr.root, Target: "dev", Create: true})
		if err != nil {
			t.Fatal(err)
		}
		proc, err := Mount(Request{FSType: ProcFS, Root: tr.root, Target: "proc", Create: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tr.root, "dev/null"), []byte("discard"), 0); err != nil {
			t.Fatalf("write dev/null: %v", err)
		}
		f, err := os.Open(filepath.Join(tr.root, "dev/zero"))
		if err != nil {
			t.Fatal(err)
		}
		buf := []byte{1, 2, 3}
		if _, err := f.Read(buf); err != nil || !bytes.Equal(buf, []byte{0, 0, 0}) {
			t.Fatalf("read dev/zero: %v %v", buf, err)
		}
		f.Close()
		for _, n := range []string{"null", "zero", "full", "random", "urandom", "tty"} {
			fi, err := os.Lstat(filepath.Join(tr.root, "dev", n))
			if err != nil || fi.Mode()&fs.ModeCharDevice == 0 || fi.Mode().Perm() != 0o666 {
				t.Errorf("dev/%s: %v %v", n, fi.Mode(), err)
			}
		}
		if l, err := os.Readlink(filepath.Join(tr.root, "dev/fd")); err != nil || l != "/proc/self/fd" {
			t.Errorf("dev/fd -> %q, %v", l, err)
		}
		if _, err := os.Stat(filepath.Join(tr.root, "proc/self/status")); err != nil {
			t.Errorf("proc not mounted: %v", err)
		}
		if err := os.WriteFile(filepath.Join(tr.root, "dev/x"), nil, 0o755); err != nil {
			t.Errorf("devfs is not writable: %v", err)
		}
		for _, m := range []*Mounted{proc, dev} {
			if err := Unmount(m.Expect()); err != nil {
				t.Fatal(err)
			}
		}
		if got := mountsUnder(t, tr.root); len(got) != 0 {
			t.Fatalf("mounts left: %v", got)
		}
	})
}

func TestTableDecodesEscapedNames(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		for _, name := range []string{"with space", "new\nline", "tab\there", `back\slash`} {
			m, err := Mount(Request{FSType: TmpFS, Root: tr.root, Target: name, Create: true})
			if err != nil {
				t.Fatalf("%q: %v", name, err)
			}
			if !slices.Contains(mountsUnder(t, tr.root), filepath.Join(tr.root, name)) {
				t.Errorf("%q: mount table does not show %q: %v", name, m.Target, mountsUnder(t, tr.root))
			}
			if err := Unmount(m.Expect()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestFdescfsUnsupported(t *testing.T) {
	_, err := Mount(Request{FSType: FdescFS, Root: t.TempDir(), Target: "dev/fd"})
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("fdescfs on Linux = %v, want ErrUnsupported", err)
	}
}

// A skeleton whose root is the host's "/": SourceRoot "/" works, and a
// merged-/usr link (bin -> usr/bin) in it is followed because it stays
// inside; the mount shows the real directory's files.
func TestHostRootSkeleton(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		for _, entry := range []string{"usr/lib", "bin"} {
			m, err := Mount(Request{FSType: NullFS, Source: "/" + entry, SourceRoot: "/", Root: tr.root, Target: entry, ReadOnly: true})
			if err != nil {
				t.Fatalf("%s: %v", entry, err)
			}
			want, _ := os.ReadDir("/" + entry)
			got, err := os.ReadDir(m.Target)
			if err != nil || len(got) != len(want) || len(got) == 0 {
				t.Fatalf("%s: %d entries through the mount, %d in the source (%v)", entry, len(got), len(want), err)
			}
			if err := Unmount(m.Expect()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// statmount(2) is read with a hand-written layout; it must agree with the
// mountinfo line of the same mount, and verify must work without it.
func TestStatmountAgreesWithMountinfo(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	tr := newTree(t)
	m, err := Mount(tr.roLib())
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(m.Target, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sm, err := statmount(fd)
	unix.Close(fd) // an open fd would pin the mount (EBUSY below)
	if errors.Is(err, unix.ENOSYS) {
		t.Skip("kernel without statmount(2)")
	}
	if err != nil {
		t.Fatal(err)
	}
	mi := entryByID(t, m.ID)
	if mi == nil {
		t.Fatalf("mount %d not in mountinfo", m.ID)
	}
	if sm.ID != mi.ID || sm.Parent != mi.Parent || sm.Target != mi.Target || sm.FSType != mi.FSType || sm.ReadOnly != mi.ReadOnly {
		t.Fatalf("statmount %+v\nmountinfo %+v", *sm, *mi)
	}
	if err := Unmount(m.Expect()); err != nil {
		t.Fatal(err)
	}
	// The mountinfo path of verify, as on a kernel before 6.8.
	useStatmount.Store(false)
	defer useStatmount.Store(true)
	m, err = Mount(tr.roLib())
	if err != nil {
		t.Fatal(err)
	}
	if err := Unmount(m.Expect()); err != nil {
		t.Fatal(err)
	}
}

// Read-only stand-ins keep their other flags (devfs noexec, tmpfs nodev).
func TestReadOnlyStandIns(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		tr := newTree(t)
		want := map[string][]string{DevFS: {"ro", "nosuid", "noexec"}, TmpFS: {"ro", "nosuid", "nodev"}, ProcFS: {"ro", "nosuid", "nodev", "noexec"}}
		for _, fstype := range []string{DevFS, TmpFS, ProcFS} {
			m, err := Mount(Request{FSType: fstype, Root: tr.root, Target: fstype, Create: true, ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			tab, _ := Table()
			found := false
			for _, e := range tab {
				if e.ID != m.ID {
					continue
				}
				found = true
				opts := strings.Split(e.Options, ",")
				for _, o := range want[fstype] {
					if !slices.Contains(opts, o) {
						t.Errorf("%s: options %q lack %s", fstype, e.Options, o)
					}
				}
			}
			if !found {
				t.Fatalf("%s: mount %d not in the table", fstype, m.ID)
			}
			if fstype == DevFS {
				if err := os.WriteFile(filepath.Join(m.Target, "null"), []byte("x"), 0); err != nil {
					t.Errorf("read-only devfs: dev/null not writable: %v", err)
				}
			}
			if err := Unmount(m.Expect()); err != nil {
				t.Fatal(err)
			}
		}
	})
}
