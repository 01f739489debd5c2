//go:build linux || freebsd

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rcjail/compat"
	"rcjail/compat/jailroot"
	"rcjail/mount"
)

// prepTestConfig is one skeleton jail on root with the default romounts
// and usr/ports read-write, built by NewConfig.
func prepTestConfig(t *testing.T, root string, mode compat.SkelMode) *compat.Config {
	t.Helper()
	skelRoot := "/"
	if mode == compat.SkelSymlink {
		// symlink mode refuses a skel_root that contains the jail root.
		skelRoot = "/nonexistent-skel"
	}
	cfg, err := compat.NewConfig(compat.MapVars{
		"jail_list": "skeltest", "jail_skeltest_rootdir": root, "jail_skeltest_hostname": "skeltest.example.org",
		"jail_skel_enable": "YES", "jail_skel_root": skelRoot, "jail_skel_rwmounts": "usr/ports", "jail_skel_mode": string(mode),
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if j := cfg.Jails["skeltest"]; len(j.Errors) > 0 {
		t.Fatalf("refused: %v", j.Errors)
	}
	return cfg
}

func prepRun(t *testing.T, cfg *compat.Config, dry bool) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	g := &Globals{Name: "rcjail", DryRun: dry, Stdout: &out, Stderr: &errb}
	st := prepareJails(g, cfg, []string{"skeltest"})
	return st, out.String(), errb.String()
}

// prepListing describes every file under root: "path mode" for directories,
// "path -> target" for links, "path file" otherwise.
func prepListing(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			tg, _ := os.Readlink(p)
			out = append(out, rel+" -> "+tg)
		case fi.IsDir():
			m := fmt.Sprintf("%04o", fi.Mode().Perm())
			if fi.Mode()&fs.ModeSticky != 0 {
				m = "1" + m[1:]
			}
			out = append(out, rel+" "+m)
		default:
			out = append(out, rel+" file")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// prepWant is PrepareTree's list in prepListing's format.
func prepWant(t *testing.T, j *compat.Jail) []string {
	t.Helper()
	items, err := compat.PrepareTree(j)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		if it.Kind == compat.PrepLink {
			out = append(out, it.Path+" -> "+it.Target)
		} else {
			out = append(out, it.Path+" "+prepMode(it.Mode))
		}
	}
	sort.Strings(out)
	return out
}

func TestPrepareCreatesExactlyTheTreeAndIsIdempotent(t *testing.T) {
	for _, mode := range []compat.SkelMode{compat.SkelNullfs, compat.SkelSymlink} {
		t.Run(string(mode), func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "skeltest")
			if err := os.Mkdir(root, 0o755); err != nil {
				t.Fatal(err)
			}
			cfg := prepTestConfig(t, root, mode)
			want := prepWant(t, cfg.Jails["skeltest"])
			st, out, errs := prepRun(t, cfg, false)
			if st != 0 || errs != "" {
				t.Fatalf("status %d, stderr:\n%s", st, errs)
			}
			if d := cmp.Diff(want, prepListing(t, root)); d != "" {
				t.Errorf("tree on disk (-want +got):\n%s", d)
			}
			// One "created" line per item, in creation order.
			lines := strings.Split(strings.TrimSpace(out), "\n")
			created := 0
			for _, l := range lines {
				if strings.HasPrefix(l, "created ") {
					created++
				}
			}
			if created != len(want) {
				t.Errorf("%d created lines for %d items:\n%s", created, len(want), out)
			}
			if mode == "symlink" && !strings.Contains(out, "created "+root+"/usr/lib -> ../basejail/usr/lib\n") {
				t.Errorf("no line for the usr/lib link:\n%s", out)
			}
			if !strings.Contains(out, "make distribution DESTDIR="+root) {
				t.Errorf("no hint to populate /etc:\n%s", out)
			}

			st, out, errs = prepRun(t, cfg, false)
			if st != 0 || errs != "" || strings.Contains(out, "created") || !strings.Contains(out, "nothing to create") {
				t.Errorf("second run: status %d, stdout:\n%s\nstderr:\n%s", st, out, errs)
			}
			if d := cmp.Diff(want, prepListing(t, root)); d != "" {
				t.Errorf("tree changed by the second run (-want +got):\n%s", d)
			}
		})
	}
}

func TestPrepareDryRunCreatesNothing(t *testing.T) {
	root := filepath.Join(t.TempDir(), "skeltest")
	if err := os.MkdirAll(filepath.Join(root, "usr"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, out, errs := prepRun(t, prepTestConfig(t, root, "symlink"), true)
	if st != 0 || errs != "" {
		t.Fatalf("status %d, stderr:\n%s", st, errs)
	}
	for _, want := range []string{
		"mkdir -m 0755 " + root + "/basejail\n",
		"ln -s basejail/bin " + root + "/bin\n",
		"ln -s ../basejail/usr/lib " + root + "/usr/lib\n",
		"mkdir -m 1777 " + root + "/tmp\n",
		"mkdir -m 0700 " + root + "/root\n",
		"# then populate " + root + "/etc: cd /usr/src && make distribution DESTDIR=" + root + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("-n output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, root+"/usr\n") {
		t.Errorf("-n plans the existing usr:\n%s", out)
	}
	if got := prepListing(t, root); !cmp.Equal(got, []string{"usr 0755"}) {
		t.Errorf("-n changed the disk: %q", got)
	}
}

// A symlink in the jail root on the way to an item (usr -> a host directory)
// must be refused by name, and nothing at all created: otherwise prepare
// would create usr/local and the links in the directory the link names.
func TestPrepareRefusesSymlinkedParent(t *testing.T) {
	tmp := t.TempDir()
	root, outside := filepath.Join(tmp, "skeltest"), filepath.Join(tmp, "outside")
	for _, d := range []string{root, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(root, "usr")); err != nil {
		t.Fatal(err)
	}
	for _, run := range []struct {
		mode compat.SkelMode
		dry  bool
	}{{"nullfs", false}, {"symlink", false}, {"nullfs", true}, {"symlink", true}} {
		mode := string(run.mode)
		if run.dry {
			mode += " -n"
		}
		st, out, errs := prepRun(t, prepTestConfig(t, root, run.mode), run.dry)
		if st != 1 {
			t.Errorf("%s: status %d, want 1", mode, st)
		}
		for _, want := range []string{
			// usr itself, an item that must be a directory:
			"refusing " + root + "/usr: it is a symbolic link (-> " + outside + "), base tree wants a directory: symlinks inside a jail root are never followed",
			"nothing created",
		} {
			if !strings.Contains(errs, want) {
				t.Errorf("%s: stderr lacks %q:\n%s", mode, want, errs)
			}
		}
		// The items below usr (usr/bin, usr/lib, …) are neither walked
		// through the link nor reported once each: one line says it.
		if n := strings.Count(errs, root+"/usr"); n != 1 {
			t.Errorf("%s: %d lines name %s/usr, want 1:\n%s", mode, n, root, errs)
		}
		if strings.Contains(out, "created") || strings.Contains(out, "mkdir") || strings.Contains(out, "ln -s") {
			t.Errorf("%s: created or planned something:\n%s", mode, out)
		}
		if got := prepListing(t, root); !cmp.Equal(got, []string{"usr -> " + outside}) {
			t.Errorf("%s: jail root changed: %q", mode, got)
		}
		if got := prepListing(t, outside); len(got) != 0 {
			t.Errorf("%s: created through the link: %q", mode, got)
		}
	}
}

// A symlink further up (var/db -> /) is caught as well, by its own name.
func TestPrepareRefusesDeeperSymlink(t *testing.T) {
	tmp := t.TempDir()
	root, outside := filepath.Join(tmp, "skeltest"), filepath.Join(tmp, "outside")
	if err := os.MkdirAll(filepath.Join(root, "var"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "var", "cron")); err != nil {
		t.Fatal(err)
	}
	st, _, errs := prepRun(t, prepTestConfig(t, root, "nullfs"), false)
	if st != 1 || !strings.Contains(errs, "refusing "+root+"/var/cron: it is a symbolic link") {
		t.Errorf("status %d, stderr:\n%s", st, errs)
	}
	if got := prepListing(t, outside); len(got) != 0 {
		t.Errorf("created through the link: %q", got)
	}
}

// A file where a directory of the tree belongs stops the walk to every item
// below it, by name, and nothing is created.
func TestPrepareRefusesFileOnTheWay(t *testing.T) {
	root := filepath.Join(t.TempDir(), "skeltest")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "var"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, out, errs := prepRun(t, prepTestConfig(t, root, "nullfs"), false)
	want := root + "/var exists and is not a directory (base tree wants one); left alone"
	if st != 1 || !strings.Contains(errs, want) {
		t.Errorf("status %d, stderr lacks %q:\n%s", st, want, errs)
	}
	// var/db, var/log, … below the file are not walked into and not
	// reported once each.
	if n := strings.Count(errs, root+"/var"); n != 1 {
		t.Errorf("%d lines name %s/var, want 1:\n%s", n, root, errs)
	}
	if out != "" || !cmp.Equal(prepListing(t, root), []string{"var file"}) {
		t.Errorf("changed something: stdout %q, tree %q", out, prepListing(t, root))
	}
}

// The refusals are worded by prepare but keep package mount's error in
// their chain, so a caller can test for a symlink refusal without reading
// the text, whichever side found it (the walk, or the item itself).
func TestPrepareSymlinkErrorChain(t *testing.T) {
	tmp := t.TempDir()
	root, outside := filepath.Join(tmp, "skeltest"), filepath.Join(tmp, "outside")
	for _, d := range []string{filepath.Join(root, "var"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, link := range []string{"usr", "var/cron"} {
		if err := os.Symlink(outside, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	err := prepareJail(&Globals{Name: "rcjail", Stdout: &out, Stderr: &out}, prepTestConfig(t, root, "nullfs").Jails["skeltest"])
	if !errors.Is(err, jailroot.ErrSymlink) || !errors.Is(err, mount.ErrSymlink) {
		t.Errorf("err = %v; want jailroot.ErrSymlink and mount.ErrSymlink in its chain", err)
	}
	// Each refusal on its own, the walk's (usr/… through usr) and the
	// item's (var/cron): the walk's carries the kernel's own refusal too.
	walk := jailroot.WalkError(mountOpen(t, filepath.Join(root, "usr", "lib")))
	var w *mount.WalkError
	if !errors.As(walk, &w) || w.Path != filepath.Join(root, "usr") || !errors.Is(walk, mount.ErrSymlink) ||
		!(errors.Is(walk, syscall.ELOOP) || errors.Is(walk, syscall.EMLINK) || errors.Is(walk, syscall.ENOTDIR)) {
		t.Errorf("walk refusal %v: want a WalkError at usr, ErrSymlink and the errno", walk)
	}
	f, err := jailroot.Look(root, "var/cron")
	if err != nil || f.Mode != fs.ModeSymlink || f.Link != outside || !errors.Is(f.Err, mount.ErrSymlink) {
		t.Errorf("jailroot.Look(var/cron) = %+v, %v; want a symlink to %s", f, err, outside)
	}
	if f, err := jailroot.Look(root, "usr/lib"); err == nil || !errors.Is(err, jailroot.ErrSymlink) {
		t.Errorf("jailroot.Look(usr/lib) = %+v, %v; want the walk refused at usr", f, err)
	}
	if f, err := jailroot.Look(root, "var/db"); err != nil || !f.Missing {
		t.Errorf("jailroot.Look(var/db) = %+v, %v; want missing", f, err)
	}
}

func mountOpen(t *testing.T, p string) error {
	t.Helper()
	fd, err := mount.OpenDir(p)
	if err == nil {
		syscall.Close(fd)
		t.Fatalf("OpenDir(%s) succeeded", p)
	}
	return err
}

// Existing things of the wrong kind are reported and left alone.
func TestPrepareNeverReplaces(t *testing.T) {
	root := filepath.Join(t.TempDir(), "skeltest")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "tmp"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("elsewhere/bin", filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "lib"), 0o711); err != nil {
		t.Fatal(err)
	}
	// A link too long to be read in full is never taken as the one wanted.
	long := "basejail/lib/" + strings.Repeat("x", 1100)
	if err := os.Symlink(long, filepath.Join(root, "sbin")); err != nil {
		t.Fatal(err)
	}
	before := prepListing(t, root)
	st, out, errs := prepRun(t, prepTestConfig(t, root, "symlink"), false)
	if st != 1 {
		t.Errorf("status %d, want 1", st)
	}
	for _, want := range []string{
		root + "/tmp exists and is not a directory",
		root + "/bin points to elsewhere/bin, skel_romounts wants basejail/bin",
		root + "/sbin points to " + long[:mount.LinkMax] + "…, skel_romounts wants basejail/sbin",
		root + "/lib exists and is not a symbolic link (skel_romounts wants -> basejail/lib); left alone (if it is an empty mount point from nullfs mode, rmdir it and run prepare again)",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if out != "" {
		t.Errorf("stdout: %q", out)
	}
	if got := prepListing(t, root); !cmp.Equal(got, before) {
		t.Errorf("changed: %q, was %q", got, before)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "tmp")); string(b) != "data" {
		t.Errorf("tmp's content changed: %q", b)
	}
}

func TestPrepareRootdir(t *testing.T) {
	tmp := t.TempDir()
	t.Run("missing, parent exists: created", func(t *testing.T) {
		root := filepath.Join(tmp, "new")
		st, out, errs := prepRun(t, prepTestConfig(t, root, "nullfs"), false)
		if st != 0 || !strings.HasPrefix(out, "created "+root+"\n") {
			t.Errorf("status %d, stdout:\n%s\nstderr:\n%s", st, out, errs)
		}
		if fi, err := os.Lstat(root); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755 {
			t.Errorf("rootdir: %v %v", fi, err)
		}
	})
	t.Run("parent missing: refused", func(t *testing.T) {
		root := filepath.Join(tmp, "nope", "skeltest")
		st, _, errs := prepRun(t, prepTestConfig(t, root, "nullfs"), false)
		want := "open " + filepath.Dir(root) + ": no such file or directory (the parent of rootdir must exist)"
		if st != 1 || !strings.Contains(errs, want) {
			t.Errorf("status %d, stderr lacks %q:\n%s", st, want, errs)
		}
		if _, err := os.Lstat(filepath.Dir(root)); err == nil {
			t.Errorf("parent was created")
		}
	})
	t.Run("rootdir is a file: refused", func(t *testing.T) {
		root := filepath.Join(tmp, "afile")
		if err := os.WriteFile(root, []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
		st, _, errs := prepRun(t, prepTestConfig(t, root, "nullfs"), false)
		if st != 1 || !strings.Contains(errs, "rootdir "+root+" is not a directory") {
			t.Errorf("status %d, stderr:\n%s", st, errs)
		}
		if b, err := os.ReadFile(root); err != nil || string(b) != "data" {
			t.Errorf("file changed: %q %v", b, err)
		}
	})
	// A symlink as rootdir or as its parent (/jails -> /usr would put the
	// jail tree inside the host's) is refused by name, nothing made through it.
	for _, c := range []struct{ name, link, sub, want string }{
		{"rootdir is a symlink", "link", "",
			"refusing rootdir %[1]s: it is a symbolic link (-> %[2]s): symlinks inside a jail root are never followed"},
		{"parent is a symlink", "jails", "skeltest",
			"refusing to follow %[1]s: it is a symbolic link (-> %[2]s): symlinks inside a jail root are never followed (the parent of rootdir must exist)"},
	} {
		t.Run(c.name+": refused", func(t *testing.T) {
			link, target := filepath.Join(tmp, c.link), filepath.Join(tmp, c.link+".target")
			if err := os.Mkdir(target, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			st, _, errs := prepRun(t, prepTestConfig(t, filepath.Join(link, c.sub), "nullfs"), false)
			if want := fmt.Sprintf(c.want, link, target); st != 1 || !strings.Contains(errs, want) {
				t.Errorf("status %d, stderr lacks %q:\n%s", st, want, errs)
			}
			if got := prepListing(t, target); len(got) != 0 {
				t.Errorf("created through the link: %q", got)
			}
		})
	}
	t.Run("relative or / rootdir: refused", func(t *testing.T) {
		for _, root := range []string{"/", "jails/x", ""} {
			// NewConfig refuses these rootdirs; prepare has its own
			// guard all the same.
			cfg := prepTestConfig(t, "/nonexistent/x", "nullfs")
			cfg.Jails["skeltest"].RootDir = root
			st, _, errs := prepRun(t, cfg, false)
			if st != 1 || !strings.Contains(errs, "is not an absolute clean path other than /") {
				t.Errorf("rootdir %q: status %d, stderr:\n%s", root, st, errs)
			}
		}
	})
}

func TestPrepareRefusesInvalidConfig(t *testing.T) {
	root := filepath.Join(t.TempDir(), "skeltest")
	cfg := prepTestConfig(t, root, "nullfs")
	cfg.Jails["skeltest"].Errors = []*compat.ConfigError{{Jail: "skeltest", Var: "jail_skeltest_skel_romounts", File: "/etc/rc.conf", Line: 3, Value: "../x", Msg: "contains \"..\""}}
	st, out, errs := prepRun(t, cfg, false)
	if st != 1 || out != "" || !strings.Contains(errs, `/etc/rc.conf:3: jail skeltest: jail_skeltest_skel_romounts="../x"`) {
		t.Errorf("status %d, stdout %q, stderr:\n%s", st, out, errs)
	}
	if _, err := os.Lstat(root); err == nil {
		t.Errorf("rootdir created for a refused jail")
	}
	st, _, errs = prepareJailsUnknown(t)
	if st != 1 || !strings.Contains(errs, "jail nosuch: not configured") {
		t.Errorf("unknown jail: status %d, stderr:\n%s", st, errs)
	}
}

func prepareJailsUnknown(t *testing.T) (int, string, string) {
	var out, errb bytes.Buffer
	g := &Globals{Name: "rcjail", Stdout: &out, Stderr: &errb}
	return prepareJails(g, &compat.Config{Jails: map[string]*compat.Jail{}}, []string{"nosuch"}), out.String(), errb.String()
}
