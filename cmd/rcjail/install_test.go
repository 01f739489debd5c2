package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rcjail/compat"
)

var repoTop = filepath.Join("..", "..")

// treeOf lists every file under dir as "mode path", paths relative to dir.
func treeOf(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, info.Mode().String()+" "+filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func gunzip(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return string(b)
}

// stubProgram writes script as an executable named rcjail in a fresh
// directory, the program install.sh installs, and returns its path.
func stubProgram(t *testing.T, script string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rcjail")
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

func runInstallScript(t *testing.T, args ...string) (string, error) {
	t.Helper()
	// dash: the script must be POSIX sh (FreeBSD's base has no bash).
	cmd := exec.Command(needTool(t, "dash"), append([]string{filepath.Join(repoTop, "rc.d", "install.sh")}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The whole drop-in cycle into a temporary DESTDIR, through the Makefile as
// an administrator runs it: install over an existing original, re-install,
// a base upgrade replacing the wrapper, uninstall.
func TestInstallUninstall(t *testing.T) {
	mk := needTool(t, "make")
	needTool(t, "gzip")
	dest := t.TempDir()
	bin := filepath.Join(t.TempDir(), "rcjail")
	rcd := filepath.Join(dest, "etc", "rc.d")
	if err := os.MkdirAll(rcd, 0o755); err != nil {
		t.Fatal(err)
	}
	// An existing directory keeps its mode: install only creates.
	if err := os.Chmod(rcd, 0o750); err != nil {
		t.Fatal(err)
	}
	const original = "#!/bin/sh\n# PROVIDE: jail\n# the base system's script\n"
	if err := os.WriteFile(filepath.Join(rcd, "jail"), []byte(original), 0o555); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(mk, "-C", repoTop, "install", "DESTDIR="+dest, "BIN="+bin, "VERSION=v1.2.3", "COMMIT=abc1234")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make install: %v\n%s", err, out)
	}
	want := []string{
		"-r--r--r-- usr/local/share/man/man8/rcjail.8.gz",
		"-r-xr-xr-x etc/rc.d/jail",
		"-r-xr-xr-x etc/rc.d/jail.orig",
		"-r-xr-xr-x usr/local/sbin/rcjail",
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, treeOf(t, dest)); diff != "" {
		t.Fatalf("installed tree (-want +got):\n%s", diff)
	}
	if got := mustRead(t, filepath.Join(rcd, "jail.orig")); got != original {
		t.Errorf("jail.orig is not the original script:\n%s", got)
	}
	if fi, err := os.Stat(rcd); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o750 {
		t.Errorf("install changed the mode of the existing /etc/rc.d to %v", fi.Mode())
	}
	wrapper := strings.ReplaceAll(mustRead(t, wrapperPath), "@PREFIX@", "/usr/local")
	if got := mustRead(t, filepath.Join(rcd, "jail")); got != wrapper {
		t.Errorf("installed wrapper differs from rc.d/jail with @PREFIX@=/usr/local:\n%s", got)
	}
	if !strings.Contains(wrapper, `"${RCJAIL_BIN:-/usr/local/sbin/rcjail}"`) {
		t.Errorf("installed wrapper does not run /usr/local/sbin/rcjail:\n%s", wrapper)
	}
	if got := gunzip(t, filepath.Join(dest, "usr/local/share/man/man8/rcjail.8.gz")); got != mustRead(t, filepath.Join(repoTop, "doc", "rcjail.8")) {
		t.Errorf("installed manual is not doc/rcjail.8")
	}
	out, err := exec.Command(filepath.Join(dest, "usr/local/sbin/rcjail"), "version").CombinedOutput()
	if err != nil || string(out) != "rcjail v1.2.3 (abc1234)\n" {
		t.Errorf("installed rcjail version = %q, %v; want the Makefile's VERSION and COMMIT", out, err)
	}

	// Re-installing must keep the original, not save the wrapper over it.
	if out, err := runInstallScript(t, "install", dest, "/usr/local", bin); err != nil {
		t.Fatalf("second install: %v\n%s", err, out)
	}
	if got := mustRead(t, filepath.Join(rcd, "jail.orig")); got != original {
		t.Fatalf("re-install replaced jail.orig:\n%s", got)
	}

	// A base upgrade puts a newer original in place; installing again keeps
	// that one, and uninstall restores it.
	const upgraded = "#!/bin/sh\n# PROVIDE: jail\n# the upgraded base script\n"
	if err := os.Remove(filepath.Join(rcd, "jail")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rcd, "jail"), []byte(upgraded), 0o555); err != nil {
		t.Fatal(err)
	}
	if out, err := runInstallScript(t, "install", dest, "/usr/local", bin); err != nil {
		t.Fatalf("install after upgrade: %v\n%s", err, out)
	}
	if got := mustRead(t, filepath.Join(rcd, "jail.orig")); got != upgraded {
		t.Fatalf("jail.orig after an upgrade = %q, want the upgraded script", got)
	}

	cmd = exec.Command(mk, "-C", repoTop, "uninstall", "DESTDIR="+dest)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make uninstall: %v\n%s", err, out)
	}
	if diff := cmp.Diff([]string{"-r-xr-xr-x etc/rc.d/jail"}, treeOf(t, dest)); diff != "" {
		t.Fatalf("tree after uninstall (-want +got):\n%s", diff)
	}
	if got := mustRead(t, filepath.Join(rcd, "jail")); got != upgraded {
		t.Errorf("uninstall did not restore the original: %q", got)
	}
}

// A fresh system (no original script, another prefix): the wrapper names the
// program under that prefix, and uninstall leaves nothing behind.
func TestInstallFreshPrefix(t *testing.T) {
	needTool(t, "gzip")
	dest := t.TempDir()
	bin := stubProgram(t, "#!/bin/sh\necho stub\n")
	if out, err := runInstallScript(t, "install", dest, "/opt/rc jail", bin); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	want := []string{
		"-r--r--r-- opt/rc jail/share/man/man8/rcjail.8.gz",
		"-r-xr-xr-x etc/rc.d/jail",
		"-r-xr-xr-x opt/rc jail/sbin/rcjail",
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, treeOf(t, dest)); diff != "" {
		t.Fatalf("installed tree (-want +got):\n%s", diff)
	}
	// Run the installed wrapper: with RCJAIL_BIN unset it must look for the
	// program at the substituted prefix (absent outside DESTDIR).
	dash := needTool(t, "dash")
	cmd := exec.Command(dash, filepath.Join(dest, "etc/rc.d/jail"), "status")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err == nil {
		t.Fatalf("the wrapper found a program at /opt/rc jail/sbin/rcjail on this host?")
	}
	if !strings.Contains(stderr.String(), "/opt/rc jail/sbin/rcjail") {
		t.Errorf("wrapper did not try /opt/rc jail/sbin/rcjail: %s", stderr.String())
	}
	if out, err := runInstallScript(t, "uninstall", dest, "/opt/rc jail"); err != nil {
		t.Fatalf("uninstall: %v\n%s", err, out)
	}
	if got := treeOf(t, dest); len(got) != 0 {
		t.Errorf("files left after uninstall: %q", got)
	}
}

// A prefix the wrapper could not quote is refused before anything is written:
// it would change the command the boot-time script runs.
func TestInstallRefusesBadPrefix(t *testing.T) {
	bin := stubProgram(t, "#!/bin/sh\n")
	for _, prefix := range []string{`/opt/a"b`, "/opt/$(id)", "/opt/`id`", `/opt/a\b`, "/opt/x}", "relative", "/opt/new\nline"} {
		dest := t.TempDir()
		out, err := runInstallScript(t, "install", dest, prefix, bin)
		if err == nil {
			t.Errorf("PREFIX %q: install succeeded", prefix)
		}
		if !strings.Contains(out, "PREFIX") {
			t.Errorf("PREFIX %q: message does not name PREFIX: %s", prefix, out)
		}
		if got := treeOf(t, dest); len(got) != 0 {
			t.Errorf("PREFIX %q: files written: %q", prefix, got)
		}
	}
}

// The installed manual documents every verb and every knob: adding one
// without a word in doc/rcjail.8 fails here.
func TestManualCoversVerbsAndKnobs(t *testing.T) {
	man := mustRead(t, filepath.Join(repoTop, "doc", "rcjail.8"))
	verbs := []string{"start", "stop", "restart", "rcvar", "status"}
	for name := range commands {
		verbs = append(verbs, name)
	}
	for _, v := range verbs {
		if !strings.Contains(man, ".Cm "+v) && !strings.Contains(man, ".It Cm "+v) {
			t.Errorf("doc/rcjail.8 does not document the verb %q", v)
		}
	}
	vars := compat.MapVars{
		"jail_list": "www", "jail_www_rootdir": "/jails/www", "jail_www_hostname": "www.example.org",
		"jail_www_ip": "192.0.2.1", "jail_www_ip_multi0": "192.0.2.2",
		"jail_www_exec_prestart0": "/bin/true", "jail_www_exec_poststart0": "/bin/true",
		"jail_www_exec_prestop0": "/bin/true", "jail_www_exec_poststop0": "/bin/true",
		"jail_www_exec_afterstart1": "/bin/true",
	}
	cfg, err := compat.NewConfig(vars, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	knobs := cfg.Describe("www")
	if len(knobs) == 0 {
		t.Fatal("Describe listed no knobs")
	}
	for _, s := range knobs {
		k := strings.TrimRight(s.Knob, "0123456789")
		if !regexp.MustCompile(`(Va|,) ` + regexp.QuoteMeta(k) + `( |\n)`).MatchString(man) {
			t.Errorf("doc/rcjail.8 does not document the knob %q", k)
		}
	}
	for _, k := range hostKnobs {
		if !strings.Contains(man, k.name) {
			t.Errorf("doc/rcjail.8 does not document %s", k.name)
		}
	}
}

// makeCycle runs `make build`, `make install DESTDIR=…` and `make
// uninstall` with the make program mk (GNU make or bmake) from a copy of the
// repository's top whose PATH finds only dash as sh, and returns the
// installed tree (modes and paths), the installed files' contents, what the
// installed program says its version is, and the tree left by uninstall.
func makeCycle(t *testing.T, mk string, args ...string) (tree []string, files map[string]string, version string, after []string) {
	t.Helper()
	dest := t.TempDir()
	bin := filepath.Join(t.TempDir(), "rcjail")
	run := func(target string, extra ...string) {
		t.Helper()
		cmd := exec.Command(mk, append(append([]string{"-C", repoTop, target}, args...), extra...)...)
		cmd.Env = append(os.Environ(), "PATH="+shOnlyDashPath(t))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(mk), target, err, out)
		}
	}
	run("build", "BIN="+bin)
	run("install", "BIN="+bin, "DESTDIR="+dest)
	tree = treeOf(t, dest)
	files = map[string]string{}
	for _, l := range tree {
		rel := l[strings.IndexByte(l, ' ')+1:]
		files[rel] = mustRead(t, filepath.Join(dest, rel))
	}
	out, err := exec.Command(filepath.Join(dest, "usr/local/sbin/rcjail"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("installed rcjail version: %v\n%s", err, out)
	}
	run("uninstall", "DESTDIR="+dest)
	return tree, files, string(out), treeOf(t, dest)
}

// shOnlyDashPath returns a PATH whose first directory holds sh -> dash, and
// then the rest of this process's PATH without bash: the Makefile's
// recipes and rc.d/install.sh must work where sh is a plain POSIX shell and
// bash does not exist (a stock FreeBSD host).
func shOnlyDashPath(t *testing.T) string {
	t.Helper()
	dash := needTool(t, "dash")
	dir := t.TempDir()
	if err := os.Symlink(dash, filepath.Join(dir, "sh")); err != nil {
		t.Fatal(err)
	}
	// Every tool of the host but bash, linked one by one.
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			n := e.Name()
			if n == "bash" || n == "sh" {
				continue
			}
			if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
				continue
			}
			os.Symlink(filepath.Join(d, n), filepath.Join(dir, n))
		}
	}
	return dir
}

// FreeBSD's make (bmake) and GNU make build, install and uninstall the
// same: the same files with the same modes and contents, the same version
// string (from VERSION/COMMIT, or from git when they are not given), and
// nothing left after uninstall. bmake expands $(shell ...) to nothing, so
// a Makefile using it would install "rcjail  ()" here.
func TestInstallBmakeMatchesGNUMake(t *testing.T) {
	gmake := needTool(t, "make")
	bmake := needTool(t, "bmake")
	needTool(t, "gzip")
	if out, err := exec.Command(gmake, "--version").CombinedOutput(); err != nil || !strings.Contains(string(out), "GNU Make") {
		t.Skipf("make is not GNU make: %s", out)
	}
	for _, args := range [][]string{
		{"VERSION=v9.8.7", "COMMIT=fedcba9"},
		nil, // from git, as an administrator's `make install` in a clone
	} {
		gTree, gFiles, gVersion, gAfter := makeCycle(t, gmake, args...)
		bTree, bFiles, bVersion, bAfter := makeCycle(t, bmake, args...)
		if d := cmp.Diff(gTree, bTree); d != "" {
			t.Errorf("%v: installed trees differ (-GNU make +bmake):\n%s", args, d)
		}
		for k, v := range gFiles {
			if bFiles[k] != v {
				t.Errorf("%v: %s differs between GNU make and bmake", args, k)
			}
		}
		if gVersion != bVersion {
			t.Errorf("%v: version: GNU make %q, bmake %q", args, gVersion, bVersion)
		}
		if args != nil && gVersion != "rcjail v9.8.7 (fedcba9)\n" {
			t.Errorf("%v: version = %q", args, gVersion)
		}
		if args == nil && (!regexp.MustCompile(`^rcjail \S+ \(\S+\)\n$`).MatchString(gVersion) || strings.Contains(gVersion, "()")) {
			t.Errorf("version from git = %q", gVersion)
		}
		if len(gAfter) != 0 || len(bAfter) != 0 {
			t.Errorf("%v: left after uninstall: GNU make %q, bmake %q", args, gAfter, bAfter)
		}
	}
}

// A prefix with the characters sed's replacement treats specially (& and
// the | delimiter) is written into the wrapper as it is: the POSIX
// rewrite of install.sh escapes them itself (bash's ${x//} did before).
func TestInstallPrefixSedSpecials(t *testing.T) {
	needTool(t, "gzip")
	dest := t.TempDir()
	bin := stubProgram(t, "#!/bin/sh\n")
	const prefix = `/opt/a&b|c`
	if out, err := runInstallScript(t, "install", dest, prefix, bin); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	got := mustRead(t, filepath.Join(dest, "etc/rc.d/jail"))
	if want := strings.ReplaceAll(mustRead(t, wrapperPath), "@PREFIX@", prefix); got != want {
		t.Errorf("wrapper with PREFIX %q differs from rc.d/jail with it substituted:\n%s", prefix, got)
	}
	if _, err := os.Stat(filepath.Join(dest, prefix, "sbin/rcjail")); err != nil {
		t.Error(err)
	}
}
