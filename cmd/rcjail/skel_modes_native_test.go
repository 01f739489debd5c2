//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"rcjail/mount/mounttest"
)

// The native path of each skeleton mode: a real jail on this host, in the
// test's private namespace, with the host's own base system as the skeleton
// (as the demo does). nullfs mode mounts each usr/* entry read-only from
// skel_root=/; symlink mode mounts skel_root=/usr once, read-only, on the
// jail's usr (skel_basedir=usr) and links bin, sbin, lib (lib64) into it.
func TestSkelModesNative(t *testing.T) {
	for _, mode := range []string{"nullfs", "symlink"} {
		t.Run(mode, func(t *testing.T) {
			if !mounttest.InNamespace(t) {
				return
			}
			skelModeNative(t, mode)
		})
	}
}

// skeljailMounts returns the mountinfo lines whose mount point is root or below.
func skelJailMounts(t *testing.T, root string) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) > 5 && (f[4] == root || strings.HasPrefix(f[4], root+"/")) {
			out = append(out, l)
		}
	}
	return out
}

func skelModeNative(t *testing.T, mode string) {
	work := t.TempDir()
	e := &skelModeEnv{work: work, root: filepath.Join(work, "root"), jail: filepath.Join(work, "jails", "skeltest")}
	for _, d := range []string{"root/etc", "root/var/run", "root/var/log", "jails"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	lib64 := false
	if fi, err := os.Lstat("/usr/lib64"); err == nil && fi.IsDir() {
		lib64 = true
	}
	var ro []string
	rc := "jail_enable=\"YES\"\njail_list=\"skeltest\"\n" +
		"jail_skeltest_rootdir=\"" + e.jail + "\"\n" +
		"jail_skeltest_hostname=\"skeltest.example.org\"\n" +
		"jail_skeltest_skel_enable=\"YES\"\n" +
		"jail_skeltest_skel_mode=\"" + mode + "\"\n"
	if mode == "symlink" {
		ro = []string{"bin", "sbin", "lib"}
		if lib64 {
			ro = append(ro, "lib64")
		}
		rc += "jail_skeltest_skel_root=\"/usr\"\njail_skeltest_skel_basedir=\"usr\"\n"
	} else {
		ro = []string{"usr/bin", "usr/sbin", "usr/lib"}
		if lib64 {
			ro = append(ro, "usr/lib64")
		}
		rc += "jail_skeltest_skel_root=\"/\"\n"
	}
	rc += "jail_skeltest_skel_romounts=\"" + strings.Join(ro, " ") + "\"\n"
	if err := os.WriteFile(filepath.Join(e.root, "etc", "rc.conf"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, out, errs := e.rcjail(t, "prepare", "skeltest"); st != 0 {
		t.Fatalf("prepare: %d\n%s%s", st, out, errs)
	}
	if mode == "nullfs" {
		// The merged-/usr links a Linux root has; prepare makes them only
		// in symlink mode, where they are the skeleton entries.
		for _, l := range []string{"bin", "sbin", "lib", "lib64"} {
			if _, err := os.Stat("/usr/" + l); err == nil {
				if err := os.Symlink("usr/"+l, filepath.Join(e.jail, l)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := os.WriteFile(filepath.Join(e.jail, "etc", "rc"), []byte("echo started > /tmp/rc-ran\nsetsid -f sleep 3600\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := skelReadFile(t, "/proc/self/mountinfo")

	st, out, errs := e.rcjail(t, "start", "skeltest")
	if st != 0 || !strings.HasSuffix(out, "Starting jails: skeltest.example.org.\n") {
		t.Fatalf("start: status %d, stdout %q\n%s", st, out, errs)
	}
	mounts := skelJailMounts(t, e.jail)
	want := len(ro)
	if mode == "symlink" {
		want = 1
	}
	if len(mounts) != want {
		t.Errorf("%d mounts under the jail root, want %d:\n%s", len(mounts), want, strings.Join(mounts, "\n"))
	}
	for _, m := range mounts {
		if f := strings.Fields(m); !strings.Contains(","+f[5]+",", ",ro,") {
			t.Errorf("skeleton mount is not read-only: %s", m)
		}
	}
	jidText := strings.TrimSpace(skelReadFile(t, filepath.Join(e.root, "var/run/jail_skeltest.id")))
	jid, err := strconv.Atoi(jidText)
	if err != nil {
		t.Fatalf("id file: %q", jidText)
	}
	if !rootedAt("/proc/"+jidText+"/root", e.jail) {
		t.Errorf("jail %d is not rooted at %s", jid, e.jail)
	}
	if b, err := os.ReadFile(filepath.Join(e.jail, "tmp", "rc-ran")); err != nil || string(b) != "started\n" {
		t.Errorf("the jail's /etc/rc did not run through the skeleton's /bin/sh: %q %v", b, err)
	}
	if nsenter, err := exec.LookPath("nsenter"); err == nil {
		host, err := exec.Command(nsenter, "--target", jidText, "--uts", "--mount", "--pid", "-r", "-w", "--", "/bin/hostname").CombinedOutput()
		if err != nil || string(host) != "skeltest.example.org\n" {
			t.Errorf("hostname in the jail: %q %v", host, err)
		}
		w, err := exec.Command(nsenter, "--target", jidText, "--uts", "--mount", "--pid", "-r", "-w", "--", "/bin/sh", "-c", ": > /bin/rcjail-test-write").CombinedOutput()
		if err == nil || !strings.Contains(string(w), "Read-only file system") {
			t.Errorf("write to the jail's /bin: %q %v, want EROFS", w, err)
		}
	}

	st, out, errs = e.rcjail(t, "stop", "skeltest")
	if st != 0 || !strings.HasSuffix(out, "Stopping jails: skeltest.example.org.\n") {
		t.Fatalf("stop: status %d, stdout %q\n%s", st, out, errs)
	}
	if m := skelJailMounts(t, e.jail); len(m) != 0 {
		t.Errorf("left mounted after stop:\n%s", strings.Join(m, "\n"))
	}
	if after := skelReadFile(t, "/proc/self/mountinfo"); after != before {
		t.Errorf("mount table after stop differs from before start:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if _, err := os.Stat("/proc/" + jidText + "/root"); err == nil {
		if rootedAt("/proc/"+jidText+"/root", e.jail) {
			t.Errorf("jail %d still running after stop", jid)
		}
	}
}

func skelReadFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rootedAt reports whether the process root link (/proc/PID/root) is the
// directory root: compared by device and inode, since a jail pivoted into
// its own mount namespace reads as "/" from the host.
func rootedAt(link, root string) bool {
	var a, b syscall.Stat_t
	if syscall.Stat(link, &a) != nil || syscall.Stat(root, &b) != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}
