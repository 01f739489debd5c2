//go:build linux || freebsd

package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rcjail/compat"
	"rcjail/compat/inspect"
	"rcjail/mount/mounttest"
)

// skelVars is an rc.conf outcome that knows where each variable was set: the
// line numbers are those of an imaginary /etc/rc.conf, one variable a line in
// the order given.
type skelVars struct {
	m     map[string]string
	lines map[string]int
}

func newSkelVars(kv ...string) *skelVars {
	v := &skelVars{m: map[string]string{}, lines: map[string]int{}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.m[kv[i]] = kv[i+1]
		v.lines[kv[i]] = i/2 + 1
	}
	return v
}

func (v *skelVars) Get(name string) (string, bool) { s, ok := v.m[name]; return s, ok }

func (v *skelVars) Origin(name string) (string, int, bool) {
	l, ok := v.lines[name]
	return "/etc/rc.conf", l, ok
}

// skelMapFS serves the fstab files of a test.
type skelMapFS map[string]string

func (m skelMapFS) ReadFile(name string) ([]byte, error) {
	if s, ok := m[name]; ok {
		return []byte(s), nil
	}
	return nil, fs.ErrNotExist
}

// skelFixture is a host skeleton (skel) and a jail root (jails/skeltest) in a
// temp dir, both trusted (the test's uid counts as root).
type skelFixture struct {
	t          *testing.T
	skel, root string
}

func newSkelFixture(t *testing.T, skelDirs ...string) *skelFixture {
	t.Helper()
	old := inspect.Trusted
	me := uint32(os.Getuid())
	inspect.Trusted = func(uid uint32) bool { return uid == 0 || uid == me }
	t.Cleanup(func() { inspect.Trusted = old })
	tmp := t.TempDir()
	f := &skelFixture{t: t, skel: filepath.Join(tmp, "skel"), root: filepath.Join(tmp, "jails", "skeltest")}
	for _, d := range append([]string{"", "bin", "lib", "usr/bin", "usr/lib", "usr/share"}, skelDirs...) {
		f.mkdir(filepath.Join(f.skel, d))
	}
	f.mkdir(f.root)
	return f
}

func (f *skelFixture) mkdir(p string) {
	f.t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		f.t.Fatal(err)
	}
}

func (f *skelFixture) symlink(target, p string) {
	f.t.Helper()
	if err := os.Symlink(target, p); err != nil {
		f.t.Fatal(err)
	}
}

// config resolves a skeleton jail "skeltest" with the given extra variables
// (appended after the base ones, so they win) through compat.NewConfig.
func (f *skelFixture) config(extra ...string) *compat.Config {
	f.t.Helper()
	kv := append([]string{
		"jail_enable", "YES",
		"jail_list", "skeltest",
		"jail_skeltest_rootdir", f.root,
		"jail_skeltest_hostname", "skeltest.example.org",
		"jail_skeltest_skel_enable", "YES",
		"jail_skeltest_skel_root", f.skel,
		"jail_skeltest_skel_romounts", "bin lib usr/bin usr/lib usr/share",
	}, extra...)
	v := newSkelVars(kv...)
	cfg, err := compat.NewConfig(v, skelMapFS{"/etc/fstab.skeltest": "", "/etc/fstab.shared": ""}, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return cfg
}

func (f *skelFixture) check(cfg *compat.Config) (int, string) {
	f.t.Helper()
	for _, j := range cfg.Jails {
		for _, e := range j.Errors {
			f.t.Fatalf("configuration refused: %v", e)
		}
	}
	var out, errb bytes.Buffer
	g := &Globals{Name: "rcjail", Stdout: &out, Stderr: &errb}
	st := reportSkeletons(g, cfg)
	if out.Len() != 0 {
		f.t.Errorf("stdout: %q", out.String())
	}
	return st, errb.String()
}

// skelwantOne asserts exactly one finding line with the given text and status.
func skelWantOne(t *testing.T, st int, stderr string, wantSt int, want ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if st != wantSt || len(lines) != 1 {
		t.Errorf("status %d (want %d), %d findings (want 1):\n%s", st, wantSt, len(lines), stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
}

func TestSkelCheckClean(t *testing.T) {
	for _, mode := range []string{"nullfs", "symlink"} {
		f := newSkelFixture(t)
		cfg := f.config("jail_skeltest_skel_mode", mode)
		var out bytes.Buffer
		g := &Globals{Name: "rcjail", Stdout: &out, Stderr: &out}
		if mode == "symlink" {
			if st := prepareJails(g, cfg, []string{"skeltest"}); st != 0 {
				t.Fatalf("prepare: %s", out.String())
			}
		}
		if st, errs := f.check(cfg); st != 0 || errs != "" {
			t.Errorf("%s: status %d, findings:\n%s", mode, st, errs)
		}
	}
}

func TestSkelCheckSourceMissing(t *testing.T) {
	f := newSkelFixture(t)
	st, errs := f.check(f.config("jail_skeltest_skel_romounts", "bin usr/libdata"))
	skelWantOne(t, st, errs, 1, "rcjail: ERROR: /etc/rc.conf:8: jail skeltest: jail_skeltest_skel_romounts: entry usr/libdata: source "+f.skel+"/usr/libdata does not exist")
}

func TestSkelCheckSourceSymlink(t *testing.T) {
	f := newSkelFixture(t)
	f.symlink("/root", filepath.Join(f.skel, "usr", "local"))
	st, errs := f.check(f.config("jail_skeltest_skel_rwmounts", "usr/local"))
	skelWantOne(t, st, errs, 1, "/etc/rc.conf:8: jail skeltest: jail_skeltest_skel_rwmounts: entry usr/local: source "+f.skel+"/usr/local: "+f.skel+"/usr/local is a symbolic link (-> /root) that leaves skel_root; rcjail never mounts through one")
}

// A relative link that escapes through ".." is refused like an absolute one.
func TestSkelCheckSourceSymlinkEscaping(t *testing.T) {
	f := newSkelFixture(t)
	f.symlink("../../outside", filepath.Join(f.skel, "usr", "local"))
	st, errs := f.check(f.config("jail_skeltest_skel_rwmounts", "usr/local"))
	skelWantOne(t, st, errs, 1, "entry usr/local: source "+f.skel+"/usr/local: "+f.skel+"/usr/local is a symbolic link (-> ../../outside) that leaves skel_root")
}

// A relative link inside skel_root (bin -> usr/bin on a merged-/usr host) is
// followed at start: a warning, exit status 0.
func TestSkelCheckSourceSymlinkInsideSkelRoot(t *testing.T) {
	f := newSkelFixture(t, "usr/sbin")
	f.symlink("usr/sbin", filepath.Join(f.skel, "sbin"))
	st, errs := f.check(f.config("jail_skeltest_skel_romounts", "bin sbin"))
	skelWantOne(t, st, errs, 0, "rcjail: WARNING: /etc/rc.conf:8: jail skeltest: jail_skeltest_skel_romounts: entry sbin: source "+f.skel+"/sbin is reached through the symbolic link "+f.skel+"/sbin -> usr/sbin inside skel_root")
}

func TestSkelCheckSourceNotDirectory(t *testing.T) {
	f := newSkelFixture(t)
	if err := os.WriteFile(filepath.Join(f.skel, "libexec"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	st, errs := f.check(f.config("jail_skeltest_skel_romounts", "bin libexec"))
	skelWantOne(t, st, errs, 1, "entry libexec: source "+f.skel+"/libexec is not a directory")
}

func TestSkelCheckRootdirWritableByGroup(t *testing.T) {
	f := newSkelFixture(t)
	jails := filepath.Dir(f.root)
	if err := os.Chmod(jails, 0o775); err != nil {
		t.Fatal(err)
	}
	st, errs := f.check(f.config())
	skelWantOne(t, st, errs, 1, "/etc/rc.conf:3: jail skeltest: jail_skeltest_rootdir: "+jails+" is writable by group or others (mode 0775)")
}

func TestSkelCheckSkelRootSymlink(t *testing.T) {
	f := newSkelFixture(t)
	link := filepath.Join(filepath.Dir(f.skel), "skel-link")
	f.symlink(f.skel, link)
	st, errs := f.check(f.config("jail_skeltest_skel_root", link))
	skelWantOne(t, st, errs, 1, "/etc/rc.conf:8: jail skeltest: jail_skeltest_skel_root: "+link+" is a symbolic link (-> "+f.skel+"); name the real directory")
}

// Ownership needs a second uid, hence root.
func TestSkelCheckSkelRootNotOwnedByRoot(t *testing.T) {
	mounttest.RequireRoot(t)
	f := newSkelFixture(t)
	inspect.Trusted = func(uid uint32) bool { return uid == 0 }
	if err := os.Chown(f.skel, 12345, 12345); err != nil {
		t.Fatal(err)
	}
	st, errs := f.check(f.config())
	skelWantOne(t, st, errs, 1, "/etc/rc.conf:6: jail skeltest: jail_skeltest_skel_root: "+f.skel+" is owned by uid 12345, not root")
}

func TestSkelCheckNestedUnderReadOnlyParent(t *testing.T) {
	f := newSkelFixture(t)
	// usr is mounted read-only; usr/local's mount point would have to be
	// created inside it.
	st, errs := f.check(f.config("jail_skeltest_skel_romounts", "bin usr", "jail_skeltest_skel_rwmounts", "usr/local"))
	skelWantOne(t, st, errs, 1, "/etc/rc.conf:9: jail skeltest: jail_skeltest_skel_rwmounts: entry usr/local: mount point does not exist inside the read-only parent usr (source "+f.skel+"/usr/local is missing)")
}

func TestSkelCheckFstabUnderReadOnlyEntry(t *testing.T) {
	f := newSkelFixture(t)
	cfg := f.config("jail_skeltest_mount_enable", "YES")
	// compat read the (empty) fstab; give it one line the way compat would.
	cfg.Jails["skeltest"].FstabEntries = []compat.FstabEntry{{Device: "/data", MountPoint: f.root + "/usr/share/data", FSType: "nullfs", Options: "rw", Line: 2}}
	st, errs := f.check(cfg)
	skelWantOne(t, st, errs, 1, "jail_skeltest_skel_romounts: entry usr/share: fstab mount point "+f.root+"/usr/share/data (/etc/fstab.skeltest line 2) lies inside the read-only mount of usr/share and "+f.skel+"/usr/share/data does not exist")

	// Existing in the source: nothing to say.
	f.mkdir(filepath.Join(f.skel, "usr", "share", "data"))
	if st, errs := f.check(cfg); st != 0 || errs != "" {
		t.Errorf("status %d:\n%s", st, errs)
	}
}

// A warning alone leaves the exit status 0.
func TestSkelCheckFstabUnderReadWriteEntryWarns(t *testing.T) {
	f := newSkelFixture(t, "var/db")
	cfg := f.config("jail_skeltest_skel_rwmounts", "var/db", "jail_skeltest_mount_enable", "YES")
	cfg.Jails["skeltest"].FstabEntries = []compat.FstabEntry{{Device: "tmpfs", MountPoint: f.root + "/var/db/cache", FSType: "tmpfs", Options: "rw", Line: 1}}
	st, errs := f.check(cfg)
	skelWantOne(t, st, errs, 0, "rcjail: WARNING: /etc/rc.conf:8: jail skeltest: jail_skeltest_skel_rwmounts: entry var/db: fstab mount point "+f.root+"/var/db/cache (/etc/fstab.skeltest line 1) does not exist in the shared source")
}

func TestSkelCheckFstabUnderSymlinkEntry(t *testing.T) {
	f := newSkelFixture(t)
	cfg := f.config("jail_skeltest_skel_mode", "symlink", "jail_skeltest_mount_enable", "YES")
	var out bytes.Buffer
	if st := prepareJails(&Globals{Name: "rcjail", Stdout: &out, Stderr: &out}, cfg, []string{"skeltest"}); st != 0 {
		t.Fatal(out.String())
	}
	cfg.Jails["skeltest"].FstabEntries = []compat.FstabEntry{{Device: "/data", MountPoint: f.root + "/usr/lib/data", FSType: "nullfs", Options: "rw", Line: 3}}
	st, errs := f.check(cfg)
	skelWantOne(t, st, errs, 1, "entry usr/lib: fstab mount point "+f.root+"/usr/lib/data (/etc/fstab.skeltest line 3) is under "+f.root+"/usr/lib, a symbolic link into the read-only base in symlink mode")
}

func TestSkelCheckSymlinkModeLinks(t *testing.T) {
	f := newSkelFixture(t)
	cfg := f.config("jail_skeltest_skel_mode", "symlink")
	var out bytes.Buffer
	if st := prepareJails(&Globals{Name: "rcjail", Stdout: &out, Stderr: &out}, cfg, []string{"skeltest"}); st != 0 {
		t.Fatal(out.String())
	}
	t.Run("missing", func(t *testing.T) {
		if err := os.Remove(filepath.Join(f.root, "usr", "lib")); err != nil {
			t.Fatal(err)
		}
		st, errs := f.check(cfg)
		skelWantOne(t, st, errs, 1, "/etc/rc.conf:7: jail skeltest: jail_skeltest_skel_romounts: entry usr/lib: link "+f.root+"/usr/lib -> ../basejail/usr/lib is missing (rcjail prepare skeltest creates it)")
	})
	t.Run("points elsewhere", func(t *testing.T) {
		f.symlink("/usr/lib", filepath.Join(f.root, "usr", "lib"))
		st, errs := f.check(cfg)
		skelWantOne(t, st, errs, 1, "entry usr/lib: link "+f.root+"/usr/lib points to /usr/lib, not ../basejail/usr/lib")
		os.Remove(filepath.Join(f.root, "usr", "lib"))
	})
	t.Run("a directory", func(t *testing.T) {
		f.mkdir(filepath.Join(f.root, "usr", "lib"))
		st, errs := f.check(cfg)
		skelWantOne(t, st, errs, 1, "entry usr/lib: "+f.root+"/usr/lib is not a symbolic link to ../basejail/usr/lib")
		os.Remove(filepath.Join(f.root, "usr", "lib"))
	})
	t.Run("basedir missing", func(t *testing.T) {
		f.symlink("../basejail/usr/lib", filepath.Join(f.root, "usr", "lib"))
		if err := os.Remove(filepath.Join(f.root, "basejail")); err != nil {
			t.Fatal(err)
		}
		st, errs := f.check(cfg)
		skelWantOne(t, st, errs, 1, "jail skeltest: jail_skeltest_skel_basedir (default): "+f.root+"/basejail does not exist (rcjail prepare skeltest creates it)")
	})
}

func TestSkelCheckNullfsMountPointSymlink(t *testing.T) {
	f := newSkelFixture(t)
	f.mkdir(filepath.Join(f.root, "usr"))
	f.symlink("/", filepath.Join(f.root, "usr", "lib"))
	st, errs := f.check(f.config())
	skelWantOne(t, st, errs, 1, "entry usr/lib: mount point "+f.root+"/usr/lib: "+f.root+"/usr/lib is a symbolic link (-> /); start refuses it")
}

// The shared read-write warning (CVE-2025-15576) is compat's: the host
// checks add nothing for it, so check prints it once.
func TestSkelCheckSharedReadWriteNotDuplicated(t *testing.T) {
	f := newSkelFixture(t, "usr/ports")
	other := filepath.Join(filepath.Dir(f.root), "other")
	f.mkdir(other)
	cfg := f.config("jail_list", "skeltest other",
		"jail_skeltest_skel_rwmounts", "usr/ports",
		"jail_other_rootdir", other, "jail_other_hostname", "other.example.org",
		"jail_other_skel_enable", "YES", "jail_other_skel_root", f.skel,
		"jail_other_skel_romounts", "bin", "jail_other_skel_rwmounts", "usr/ports")
	n := 0
	for _, w := range cfg.Warnings {
		if strings.Contains(w, "CVE-2025-15576") {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("compat gave no CVE-2025-15576 warning: %q", cfg.Warnings)
	}
	if st, errs := f.check(cfg); st != 0 || errs != "" {
		t.Errorf("status %d, findings:\n%s", st, errs)
	}
}

// Through the command line: `rcjail check` evaluates a real rc.conf (so the
// origin is rcconf's), prints the host finding after compat's own output,
// and exits 1 for an error, 0 for a warning alone.
func TestSkelCheckCommandLine(t *testing.T) {
	f := newSkelFixture(t, "usr/sbin")
	root := filepath.Join(t.TempDir(), "root")
	f.mkdir(filepath.Join(root, "etc"))
	write := func(extra string) {
		rc := "jail_enable=\"YES\"\n" +
			"jail_list=\"skeltest\"\n" +
			"jail_skeltest_rootdir=\"" + f.root + "\"\n" +
			"jail_skeltest_hostname=\"skeltest.example.org\"\n" +
			"jail_skeltest_skel_enable=\"YES\"\n" +
			"jail_skeltest_skel_root=\"" + f.skel + "\"\n" + extra
		if err := os.WriteFile(filepath.Join(root, "etc", "rc.conf"), []byte(rc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rcCheck := func() (int, string, string) {
		var out, errb bytes.Buffer
		st := run(context.Background(), []string{"-R", root, "check"}, &out, &errb)
		return st, out.String(), withoutNotes(errb.String())
	}

	write("jail_skeltest_skel_romounts=\"bin usr/libdata\"\n")
	st, _, errs := rcCheck()
	skelWantOne(t, st, errs, 1, "rcjail: ERROR: /etc/rc.conf:7: jail skeltest: jail_skeltest_skel_romounts: entry usr/libdata: source "+f.skel+"/usr/libdata does not exist")

	f.symlink("usr/sbin", filepath.Join(f.skel, "sbin"))
	write("\n\njail_skeltest_skel_romounts=\"bin sbin\"\n")
	st, _, errs = rcCheck()
	skelWantOne(t, st, errs, 0, "rcjail: WARNING: /etc/rc.conf:9: jail skeltest: jail_skeltest_skel_romounts: entry sbin: source "+f.skel+"/sbin is reached through the symbolic link")

	write("jail_skeltest_skel_romounts=\"bin usr/bin\"\n")
	if st, out, errs := rcCheck(); st != 0 || errs != "" || out != "jail skeltest: ok\n" {
		t.Errorf("clean: status %d, stdout %q, stderr %q", st, out, errs)
	}
}

// A jail whose rootdir compat refused gets no host findings about paths
// under it (for rootdir=/ they would be the host's own /bin and /usr/bin).
// compat clears a refused rootdir today; the check does not rely on that.
func TestSkelCheckRefusedRootdirNotExamined(t *testing.T) {
	f := newSkelFixture(t)
	cfg := f.config()
	j := cfg.Jails["skeltest"]
	f.mkdir(filepath.Join(f.root, "usr"))
	f.symlink("/", filepath.Join(f.root, "usr", "lib")) // would be a finding
	if st, errs := f.check(cfg); st != 1 || !strings.Contains(errs, "entry usr/lib: mount point") {
		t.Fatalf("the planted link is not found while rootdir is accepted: %d\n%s", st, errs)
	}
	j.Errors = []*compat.ConfigError{{Jail: "skeltest", Var: "jail_skeltest_rootdir", Value: f.root, Msg: "refused for the test"}}
	var out, errb bytes.Buffer
	st := reportSkeletons(&Globals{Name: "rcjail", Stdout: &out, Stderr: &errb}, cfg)
	if st != 0 || errb.Len() != 0 {
		t.Errorf("status %d, findings:\n%s", st, errb.String())
	}
}

// A missing rootdir gets the prepare hint only when prepare would create it:
// when its parent exists. A missing ancestor must be made by hand first.
func TestSkelCheckRootdirMissing(t *testing.T) {
	f := newSkelFixture(t)
	if err := os.Remove(f.root); err != nil {
		t.Fatal(err)
	}
	st, errs := f.check(f.config())
	skelWantOne(t, st, errs, 1, f.root+" does not exist (rcjail prepare skeltest creates it)")

	jails := filepath.Dir(f.root)
	if err := os.Remove(jails); err != nil {
		t.Fatal(err)
	}
	st, errs = f.check(f.config())
	skelWantOne(t, st, errs, 1, jails+" does not exist (create it first: rcjail prepare skeltest creates only the jail root itself)")
}

// A full jail turned into a skeleton jail keeps its own bin, lib, usr/lib:
// the skeleton mounted over them hides them while it runs. check warns
// (issue 16 item 10), once per non-empty mount point, and an empty one is
// fine.
func TestSkelCheckFullJailMountPointNotEmpty(t *testing.T) {
	f := newSkelFixture(t)
	f.mkdir(filepath.Join(f.root, "bin"))
	f.mkdir(filepath.Join(f.root, "usr", "lib"))
	if err := os.WriteFile(filepath.Join(f.root, "bin", "sh"), []byte("old"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, errs := f.check(f.config())
	skelWantOne(t, st, errs, 0, "rcjail: WARNING: /etc/rc.conf:7: jail skeltest: jail_skeltest_skel_romounts: entry bin: mount point "+f.root+"/bin is not empty (it holds \"sh\"): the skeleton's "+f.skel+"/bin hides that while the jail runs; if this was a full jail, move it away while the jail is stopped")

	t.Run("symlink mode basedir", func(t *testing.T) {
		f := newSkelFixture(t)
		cfg := f.config("jail_skeltest_skel_mode", "symlink")
		var out bytes.Buffer
		if st := prepareJails(&Globals{Name: "rcjail", Stdout: &out, Stderr: &out}, cfg, []string{"skeltest"}); st != 0 {
			t.Fatalf("prepare: %s", out.String())
		}
		f.mkdir(filepath.Join(f.root, "basejail", "bin"))
		st, errs := f.check(cfg)
		skelWantOne(t, st, errs, 0, "jail_skeltest_skel_basedir (default): mount point "+f.root+"/basejail is not empty (it holds \"bin\")")
	})
}

// withoutNotes drops check's 8.x-vs-modern NOTE lines (TestCheckNotes'
// subject) from its stderr, leaving the findings.
func withoutNotes(s string) string {
	var keep []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, "rcjail: NOTE: ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

// reportSkeletons prints each of inspect.Skeletons' findings on g's stderr
// as check does (errors as "<prog>: ERROR: …", warnings as
// "<prog>: WARNING: …") and returns the exit status check owes them: 1 if
// any is an error.
func reportSkeletons(g *Globals, cfg *compat.Config) (status int) {
	for _, f := range inspect.Skeletons(cfg) {
		if f.Warning {
			g.Warnf("%s", f)
			continue
		}
		g.Errorf("%s", f)
		status = 1
	}
	return status
}
