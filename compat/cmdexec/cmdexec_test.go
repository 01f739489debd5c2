package cmdexec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rcjail/compat"
)

// withStubs puts the stub kit first on PATH with a fresh state and trace,
// and returns a function reading the trace (one "prog arg…" per line).
func withStubs(t *testing.T) (state string, trace func() string) {
	t.Helper()
	bin, err := filepath.Abs("../../testdata/stubs/bin")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	state = filepath.Join(dir, "state")
	tr := filepath.Join(dir, "trace")
	t.Setenv("PATH", bin) // only the stubs: nothing real runs
	t.Setenv("RCJAIL_STUBSTATE", state)
	t.Setenv("RCJAIL_TRACE", tr)
	return state, func() string {
		b, _ := os.ReadFile(tr)
		return strings.ReplaceAll(string(b), "\t", " ")
	}
}

func TestMkdirCreatesAndRefuses(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	x := New("/")
	created, err := x.Mkdir(ctx, compat.Mkdir{Jail: "w", Root: root, Path: root + "/usr/lib"})
	if err != nil || !slices.Equal(created, []string{root + "/usr", root + "/usr/lib"}) {
		t.Fatalf("Mkdir missing: created=%v err=%v", created, err)
	}
	if st, err := os.Lstat(root + "/usr/lib"); err != nil || !st.IsDir() || st.Mode().Perm()&^0o755 != 0 {
		t.Errorf("usr/lib: %v %v", st, err)
	}
	created, err = x.Mkdir(ctx, compat.Mkdir{Jail: "w", Root: root, Path: root + "/usr/lib"})
	if err != nil || created != nil {
		t.Errorf("Mkdir existing: created=%v err=%v", created, err)
	}
	// A symlink planted in the path (the jail's root user can do that)
	// must not be followed: here it points outside the jail root.
	outside := t.TempDir()
	if err := os.Symlink(outside, root+"/lib"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Mkdir(ctx, compat.Mkdir{Jail: "w", Root: root, Path: root + "/lib/x"}); err == nil || !strings.Contains(err.Error(), "is a symlink") {
		t.Errorf("Mkdir through a symlink: %v", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("Mkdir wrote outside the jail root: %v", ents)
	}
	if err := os.WriteFile(root+"/file", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Mkdir(ctx, compat.Mkdir{Jail: "w", Root: root, Path: root + "/file"}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Mkdir on a file: %v", err)
	}
	if _, err := x.Mkdir(ctx, compat.Mkdir{Jail: "w", Root: root, Path: "/etc"}); err == nil {
		t.Errorf("Mkdir outside the root accepted")
	}
	// Rmdir removes only what is an empty directory.
	if err := x.Rmdir(ctx, compat.Rmdir{Jail: "w", Root: root, Path: root + "/usr/lib"}); err != nil {
		t.Errorf("Rmdir: %v", err)
	}
	if err := x.Rmdir(ctx, compat.Rmdir{Jail: "w", Root: root, Path: root + "/lib"}); err == nil {
		t.Errorf("Rmdir removed a symlink")
	}
}

func TestStateFilesNoFollow(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	if err := os.MkdirAll(root+"/var/run", 0o755); err != nil {
		t.Fatal(err)
	}
	x := New(root)
	// The id file goes under the -R root.
	if err := x.WriteFile(ctx, compat.WriteFile{Jail: "w", Path: "/var/run/jail_w.id", Data: []byte("7\n"), IDFile: true}); err != nil {
		t.Fatal(err)
	}
	jid, ok, err := x.ReadIDFile(ctx, "/var/run/jail_w.id")
	if jid != "7" || !ok || err != nil {
		t.Errorf("ReadIDFile: %q %v %v", jid, ok, err)
	}
	// A symlink as the console log (SA-07:01) is refused, its target untouched.
	victim := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(victim, []byte("root\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, root+"/var/run/log"); err != nil {
		t.Fatal(err)
	}
	if err := x.WriteFile(ctx, compat.WriteFile{Jail: "w", Path: "/var/run/log", Data: []byte("x")}); err == nil {
		t.Errorf("WriteFile followed a symlink")
	}
	if b, _ := os.ReadFile(victim); string(b) != "root\n" {
		t.Errorf("symlink target changed: %q", b)
	}
	if _, ok, _ := x.ReadIDFile(ctx, "/var/run/log"); ok {
		t.Errorf("ReadIDFile accepted a symlink")
	}
	if _, ok, err := x.ReadIDFile(ctx, "/var/run/none.id"); ok || err != nil {
		t.Errorf("missing id file: %v %v", ok, err)
	}
	if err := x.RemoveFile(ctx, compat.RemoveFile{Jail: "w", Path: "/var/run/jail_w.id"}); err != nil {
		t.Error(err)
	}
	if err := x.RemoveFile(ctx, compat.RemoveFile{Jail: "w", Path: "/var/run/jail_w.id"}); err != nil {
		t.Errorf("removing a missing file: %v", err)
	}
}

func TestMountedAndMountThroughStubs(t *testing.T) {
	ctx := context.Background()
	_, trace := withStubs(t)
	root := t.TempDir()
	x := New("/")
	for _, d := range []string{"bin", "usr/lib"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if ids, err := x.Mount(ctx, compat.Mount{Jail: "w", FSType: compat.FSNullfs, Source: "/skel/bin", Target: root + "/bin", ReadOnly: true, Root: root}); err != nil || ids != nil {
		t.Fatalf("Mount: %v %v", ids, err)
	}
	for _, tc := range []struct {
		dir, fstype string
		want        bool
	}{
		{root + "/bin", "", true},
		{root + "/bin", compat.FSNullfs, true},
		{root + "/bin", compat.FSDevfs, false},
		{root + "/usr/lib", "", false}, // df answers for "/": not this dir
		{root + "/missing", "", false},
	} {
		got, err := x.Mounted(ctx, tc.dir, tc.fstype)
		if err != nil || got != tc.want {
			t.Errorf("Mounted(%s, %q) = %v, %v; want %v", tc.dir, tc.fstype, got, err, tc.want)
		}
	}
	if err := os.Symlink("/", root+"/link"); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Mount(ctx, compat.Mount{Jail: "w", FSType: compat.FSProcfs, Target: root + "/link/proc", Root: root}); err == nil {
		t.Errorf("Mount through a symlink accepted")
	}
	tr := trace()
	if !strings.HasPrefix(tr, "mount_nullfs -o ro /skel/bin "+root+"/bin\n") || strings.Contains(tr, "procfs") {
		t.Errorf("trace:\n%s", tr)
	}
}

func TestStartJailSplitsOutput(t *testing.T) {
	ctx := context.Background()
	state, _ := withStubs(t)
	x := New("/")
	s := compat.StartJail{Jail: "w", J: "w", Flags: []string{"-l"}, Root: "/j", Hostname: "h", Command: []string{"/bin/sh", "/etc/rc"}}
	jid, out, err := x.StartJail(ctx, s)
	if err != nil || jid != "7" || string(out) != "console line one\nconsole line two\n" {
		t.Errorf("StartJail: %q %q %v", jid, out, err)
	}
	if ok, _ := x.JailRunning(ctx, jid, ""); !ok {
		t.Errorf("jail %s not running after start", jid)
	}
	if err := os.MkdirAll(state+"/fail", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(state+"/fail/jail", []byte("no such path"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, err = x.StartJail(ctx, s)
	if !errors.Is(err, compat.ErrJailFailed) || !strings.Contains(err.Error(), "jail: no such path") || string(out) != "jail: second line of the failure\n" {
		t.Errorf("failing StartJail: %q %v", out, err)
	}
	if err := x.KillJail(ctx, compat.KillJail{Jail: "w", JID: "7"}); err != nil {
		t.Error(err)
	}
	if ok, _ := x.JailRunning(ctx, "7", ""); ok {
		t.Errorf("jail still running after KillJail")
	}
}

func TestCheckLink(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	x := New("/")
	os.MkdirAll(root+"/usr", 0o755)
	os.Symlink("../basejail/usr/lib", root+"/usr/lib")
	os.Symlink("/usr/bin", root+"/usr/bin")
	if err := x.CheckLink(ctx, compat.CheckLink{Jail: "w", Root: root, Path: root + "/usr/lib", Target: "../basejail/usr/lib"}); err != nil {
		t.Errorf("good link: %v", err)
	}
	if err := x.CheckLink(ctx, compat.CheckLink{Jail: "w", Root: root, Path: root + "/usr/bin", Target: "../basejail/usr/bin"}); err == nil {
		t.Errorf("link to a host path accepted")
	}
	if err := x.CheckLink(ctx, compat.CheckLink{Jail: "w", Root: root, Path: root + "/usr", Target: "basejail/usr"}); err == nil {
		t.Errorf("a directory accepted as a link")
	}
}

func TestTimeoutKillsCommand(t *testing.T) {
	if _, err := os.Stat("/bin/sleep"); err != nil {
		t.Skip("no /bin/sleep")
	}
	x := New("/")
	x.Timeout = 50 * time.Millisecond
	err := x.Exec(context.Background(), compat.Exec{Jail: "w", Var: "exec_prestart0", Argv: []string{"/bin/sleep", "30"}})
	if err == nil || !strings.Contains(err.Error(), "exec_prestart0 of jail w") {
		t.Errorf("a command past its time limit: %v", err)
	}
}

// TestStateThroughVarRunLink: /var/run a symlink to /run (systemd Linux,
// SPEC §3.8): the id file's write, read and removal all go
// through it, inside the -R root (an absolute target starts again at the
// root), and the id file itself is still never followed. (The lock is the
// engine's: compat TestRecordsLock.)
func TestStateThroughVarRunLink(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	for _, d := range []string{"run", "var"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/run", filepath.Join(root, "var/run")); err != nil {
		t.Fatal(err)
	}
	x := New(root)
	defer x.Close()
	const id = "/var/run/jail_t1.id"
	if err := x.WriteFile(ctx, compat.WriteFile{Jail: "t1", Path: id, Data: []byte("7\n"), IDFile: true}); err != nil {
		t.Fatalf("write: %v", err)
	}
	if jid, ok, err := x.ReadIDFile(ctx, id); err != nil || !ok || jid != "7" {
		t.Fatalf("read: %q, %v, %v", jid, ok, err)
	}
	if err := x.RemoveFile(ctx, compat.RemoveFile{Jail: "t1", Path: id}); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(root, "run/jail_t1.id")); !os.IsNotExist(err) {
		t.Fatalf("id file left: %v", err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "run/jail_t1.id")); err != nil {
		t.Fatal(err)
	}
	if err := x.WriteFile(ctx, compat.WriteFile{Jail: "t1", Path: id, Data: []byte("8\n"), IDFile: true}); err == nil {
		t.Fatal("wrote through a symlinked id file")
	}
}

// TestKernelQueries: a stop whose configuration no longer names the jail's
// root asks `jls -j JID path`, and the mount table comes from `mount -p`
// (fstab format; octal escapes for blanks undone), in mount order.
func TestKernelQueries(t *testing.T) {
	ctx := context.Background()
	state, trace := withStubs(t)
	if err := os.MkdirAll(filepath.Join(state, "roots"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"jails":   "7\n",
		"roots/7": "/jails/www\n",
		"mounts":  "nullfs /jails/www/usr/ports\ndevfs /jails/www/dev\nnullfs /jails/www/my\\040dir\n",
	} {
		if err := os.WriteFile(filepath.Join(state, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	x := New("/")
	if root, err := x.JailRoot(ctx, "7"); err != nil || root != "/jails/www" {
		t.Errorf("JailRoot = %q, %v", root, err)
	}
	if _, err := x.JailRoot(ctx, "8"); err == nil {
		t.Error("JailRoot of a jid that does not run succeeded")
	}
	tbl, err := x.MountTable(ctx)
	want := []compat.MountEntry{{FSType: "nullfs", Target: "/jails/www/usr/ports"}, {FSType: "devfs", Target: "/jails/www/dev"}, {FSType: "nullfs", Target: "/jails/www/my dir"}}
	if err != nil || len(tbl) != len(want) {
		t.Fatalf("MountTable = %v, %v; want %v", tbl, err, want)
	}
	for i := range want {
		if tbl[i] != want[i] {
			t.Errorf("entry %d = %v, want %v", i, tbl[i], want[i])
		}
	}
	if got := trace(); got != "jls -j 7 path\njls -j 8 path\nmount -p\n" {
		t.Errorf("trace:\n%s", got)
	}
}

// An Unmount with an Expect (the engine undoing what its record lists)
// asks df first and runs umount only when the recorded type is mounted
// there; without one the trace is the script's umount alone.
func TestUnmountExpect(t *testing.T) {
	ctx := context.Background()
	_, trace := withStubs(t)
	root := t.TempDir()
	x := New("/")
	for _, d := range []string{"bin", "dev"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bin := root + "/bin"
	if _, err := x.Mount(ctx, compat.Mount{Jail: "w", FSType: compat.FSNullfs, Source: "/skel/bin", Target: bin, ReadOnly: true, Root: root}); err != nil {
		t.Fatal(err)
	}
	mark := len(trace())
	// The recorded type is not what is mounted there: nothing unmounted.
	dev := &compat.MountID{Target: bin, FSType: compat.FSDevfs, Root: root}
	err := x.Unmount(ctx, compat.Unmount{Jail: "w", FSType: compat.FSDevfs, Target: bin, Root: root, Expect: dev})
	if !errors.Is(err, compat.ErrNotMounted) {
		t.Errorf("Unmount expecting devfs on a nullfs: %v, want ErrNotMounted", err)
	}
	if got := trace()[mark:]; got != "df -t devfs "+bin+"\n" {
		t.Errorf("trace of a refused expected unmount:\n%s", got)
	}
	if ok, _ := x.Mounted(ctx, bin, ""); !ok {
		t.Fatalf("%s unmounted though another type was expected", bin)
	}
	mark = len(trace())
	null := &compat.MountID{Target: bin, FSType: compat.FSNullfs, Source: "/skel/bin", Root: root}
	if err := x.Unmount(ctx, compat.Unmount{Jail: "w", FSType: compat.FSNullfs, Target: bin, Root: root, Expect: null}); err != nil {
		t.Fatalf("Unmount expecting what is there: %v", err)
	}
	if got := trace()[mark:]; got != "df -t nullfs "+bin+"\numount -f "+bin+"\n" {
		t.Errorf("trace of an expected unmount:\n%s", got)
	}
	if ok, _ := x.Mounted(ctx, bin, ""); ok {
		t.Errorf("%s still mounted", bin)
	}
	// Gone already: reported, no umount.
	mark = len(trace())
	if err := x.Unmount(ctx, compat.Unmount{Jail: "w", FSType: compat.FSNullfs, Target: bin, Root: root, Expect: null}); !errors.Is(err, compat.ErrNotMounted) {
		t.Errorf("Unmount of a mount already gone: %v, want ErrNotMounted", err)
	}
	if got := trace()[mark:]; strings.Contains(got, "umount") {
		t.Errorf("umount ran for a mount already gone:\n%s", got)
	}
	// A symlink planted above a recorded mount point (to a directory
	// outside the jail), a mount point gone, and an expectation that is
	// not the step's: refused or forgotten without running anything.
	outside := t.TempDir()
	if err := os.MkdirAll(outside+"/lib", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, root+"/usr"); err != nil {
		t.Fatal(err)
	}
	mark = len(trace())
	lib := &compat.MountID{Target: root + "/usr/lib", FSType: compat.FSNullfs, Source: "/skel/usr/lib", Root: root}
	if err := x.Unmount(ctx, compat.Unmount{Jail: "w", FSType: compat.FSNullfs, Target: lib.Target, Root: root, Expect: lib}); !errors.Is(err, compat.ErrNotOurs) || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("Unmount through a planted symlink: %v, want ErrNotOurs naming the symlink", err)
	}
	gone := &compat.MountID{Target: root + "/opt", FSType: compat.FSNullfs, Root: root}
	if err := x.Unmount(ctx, compat.Unmount{Jail: "w", FSType: compat.FSNullfs, Target: gone.Target, Root: root, Expect: gone}); !errors.Is(err, compat.ErrNotMounted) {
		t.Errorf("Unmount of a missing mount point: %v, want ErrNotMounted", err)
	}
	if err := x.Unmount(ctx, compat.Unmount{Jail: "w", FSType: compat.FSNullfs, Target: bin, Root: root, Expect: lib}); !errors.Is(err, compat.ErrNotOurs) {
		t.Errorf("Unmount whose Expect names another mount point: %v, want ErrNotOurs", err)
	}
	if got := trace()[mark:]; got != "" {
		t.Errorf("refused expected unmounts ran:\n%s", got)
	}
	// Without an Expect: the planned unmount, umount alone.
	mark = len(trace())
	_ = x.Unmount(ctx, compat.Unmount{Jail: "w", FSType: compat.FSDevfs, Target: root + "/dev", Root: root})
	if got := trace()[mark:]; got != "umount -f "+root+"/dev\n" {
		t.Errorf("trace of a planned unmount:\n%s", got)
	}
}
