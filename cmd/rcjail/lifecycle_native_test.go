//go:build linux

package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rcjail/mount/mounttest"
)

// TestNativeLifecycleVarRunLink runs a real jail through start → status →
// stop → status with the native backend on the host layout of systemd
// Linux, where /var/run is a symlink to /run (issue 10 item 11, SPEC §3.8):
// under -R, var/run -> /run and var/log -> /log (absolute links, resolved
// inside the root as the host resolves its own). The id file, the console
// log, the lock and the record go through the links; start, status and
// stop agree on every path; stop leaves no mount, no process, no id file
// and no record, and status then reports nothing stale.
//
// Each case but "valid" breaks the configuration between start and stop
// (issue 10 item 1, SPEC §3.5): stop must still stop, exit 0, and warn.
func TestNativeLifecycleVarRunLink(t *testing.T) {
	for _, brk := range []string{"valid", "fstab", "lines", "evalerror", "ruleset", "rootdir"} {
		t.Run(brk, func(t *testing.T) {
			if !mounttest.InNamespace(t) {
				return
			}
			nativeLifecycle(t, brk, lifeKnobs{devfs: true, fstab: true})
		})
	}
}

// TestNativeStopAlwaysStops is the "stop always stops" property on the
// native backend (issue 10 item 1): seeded random knobs (devfs, fstab,
// procfs), a real start, one of the breaks that apply to those knobs, and
// the same assertions as the lifecycle test (stop exits 0, warns, leaves no
// mount, process, id file or record; status agrees).
func TestNativeStopAlwaysStops(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		k := lifeKnobs{devfs: rng.IntN(2) == 0, fstab: rng.IntN(2) == 0, procfs: rng.IntN(2) == 0}
		breaks := []string{"lines", "evalerror", "rootdir"}
		if k.fstab {
			breaks = append(breaks, "fstab")
		}
		if k.devfs {
			breaks = append(breaks, "ruleset")
		}
		brk := breaks[rng.IntN(len(breaks))]
		t.Run(fmt.Sprintf("seed%d-%s", seed, brk), func(t *testing.T) {
			if !mounttest.InNamespace(t) {
				return
			}
			nativeLifecycle(t, brk, k)
		})
	}
}

// lifeKnobs are the optional mounts of the lifecycle jail.
type lifeKnobs struct{ devfs, fstab, procfs bool }

func nativeLifecycle(t *testing.T, brk string, k lifeKnobs) {
	work := t.TempDir()
	e := &skelModeEnv{work: work, root: filepath.Join(work, "root"), jail: filepath.Join(work, "jails", "t1")}
	data := filepath.Join(work, "data")
	for _, d := range []string{"root/etc", "root/var", "root/run", "root/log", "jails", "data"} {
		cfMust(t, os.MkdirAll(filepath.Join(work, d), 0o755))
	}
	cfCopyTree(t, "testdata/conformance/_base", e.root, work) // defaults, devfs.rules
	cfMust(t, os.Symlink("/run", filepath.Join(e.root, "var/run")))
	cfMust(t, os.Symlink("/log", filepath.Join(e.root, "var/log")))
	ro := []string{"usr/bin", "usr/sbin", "usr/lib"}
	if fi, err := os.Lstat("/usr/lib64"); err == nil && fi.IsDir() {
		ro = append(ro, "usr/lib64")
	}
	rc := "jail_enable=\"YES\"\njail_list=\"t1\"\n" +
		"jail_t1_rootdir=\"" + e.jail + "\"\n" +
		"jail_t1_hostname=\"t1.example.org\"\n" +
		"jail_t1_skel_enable=\"YES\"\n" +
		"jail_t1_skel_root=\"/\"\n" +
		"jail_t1_skel_romounts=\"" + strings.Join(ro, " ") + "\"\n" +
		""
	extra := 0
	if k.devfs {
		rc += "jail_t1_devfs_enable=\"YES\"\n"
		extra++
	}
	if k.fstab {
		rc += "jail_t1_mount_enable=\"YES\"\n"
		extra++
	}
	if k.procfs {
		rc += "jail_t1_procfs_enable=\"YES\"\n"
		extra++
	}
	rcPath := filepath.Join(e.root, "etc/rc.conf")
	cfMust(t, os.WriteFile(rcPath, []byte(rc), 0o644))
	fstab := filepath.Join(e.root, "etc/fstab.t1")
	cfMust(t, os.WriteFile(fstab, []byte(data+" "+e.jail+"/mnt/data nullfs rw 0 0\n"), 0o644))
	if st, out, errs := e.rcjail(t, "prepare", "t1"); st != 0 {
		t.Fatalf("prepare: %d\n%s%s", st, out, errs)
	}
	cfMust(t, os.MkdirAll(filepath.Join(e.jail, "mnt/data"), 0o755))
	for _, l := range []string{"bin", "sbin", "lib", "lib64"} {
		if _, err := os.Stat("/usr/" + l); err == nil {
			cfMust(t, os.Symlink("usr/"+l, filepath.Join(e.jail, l)))
		}
	}
	cfMust(t, os.WriteFile(filepath.Join(e.jail, "etc", "rc"), []byte("echo started\nsetsid -f sleep 3600\n"), 0o644))
	cfMust(t, os.WriteFile(filepath.Join(e.jail, "etc", "rc.shutdown"), []byte("echo stopping\n"), 0o644))
	before := skelReadFile(t, "/proc/self/mountinfo")

	st, out, errs := e.rcjail(t, "-b", "native", "start")
	if st != 0 || !strings.HasSuffix(out, "Starting jails: t1.example.org.\n") {
		t.Fatalf("start: status %d, stdout %q\n%s", st, out, errs)
	}
	// Through the links, inside the root: run/ and log/ hold the state.
	jid := strings.TrimSpace(skelReadFile(t, filepath.Join(e.root, "run/jail_t1.id")))
	if !rootedAt("/proc/"+jid+"/root", e.jail) {
		t.Fatalf("jid %q is not rooted at %s", jid, e.jail)
	}
	if b := skelReadFile(t, filepath.Join(e.root, "log/jail_t1_console.log")); !strings.Contains(b, "started") {
		t.Errorf("console log: %q", b)
	}
	if _, err := os.Stat(filepath.Join(e.root, "run/rcjail/t1.json")); err != nil {
		t.Errorf("record: %v", err)
	}
	mounted := skelJailMounts(t, e.jail)
	if len(mounted) < len(ro)+extra {
		t.Errorf("%d mounts under the jail root, want the skeleton's %d and %d more (%+v):\n%s", len(mounted), len(ro), extra, k, strings.Join(mounted, "\n"))
	}
	st, out, errs = e.rcjail(t, "-b", "native", "status", "t1")
	if st != 0 || !strings.HasPrefix(out, "t1: running, jid "+jid+",") || strings.Contains(out, "missing:") || strings.Contains(out, "error:") {
		t.Errorf("status while running: %d %q\n%s", st, out, errs)
	}

	stopArgs := []string{"-b", "native", "stop"}
	switch brk {
	case "fstab":
		cfMust(t, os.Rename(fstab, fstab+".old"))
	case "lines":
		cfMust(t, os.WriteFile(rcPath, []byte("jail_enable=\"YES\"\njail_list=\"\"\n"), 0o644))
		stopArgs = []string{"-b", "native", "onestop", "t1"}
	case "evalerror":
		cfMust(t, os.WriteFile(rcPath, []byte(rc+"if true; then\n"), 0o644))
	case "ruleset":
		cfMust(t, os.WriteFile(rcPath, []byte(rc+"jail_t1_devfs_ruleset=\"devfsrules_gone\"\n"), 0o644))
	case "rootdir":
		// A spelling rcjail refuses: the root comes from the record.
		cfMust(t, os.WriteFile(rcPath, []byte(rc+"jail_t1_rootdir=\""+work+"/jails/../jails/t1\"\n"), 0o644))
	}
	st, out, errs = e.rcjail(t, stopArgs...)
	if st != 0 || !strings.Contains(out, "Stopping jails: ") || !strings.Contains(out, "t1") {
		t.Errorf("stop: status %d, stdout %q\n%s", st, out, errs)
	}
	if brk != "valid" && !strings.Contains(errs, "WARNING") {
		t.Errorf("stop of a broken configuration did not warn:\n%s", errs)
	}
	if brk == "valid" && errs != "" {
		t.Errorf("stop: stderr %q", errs)
	}
	if m := skelJailMounts(t, e.jail); len(m) != 0 {
		t.Errorf("left mounted after stop:\n%s", strings.Join(m, "\n"))
	}
	if after := skelReadFile(t, "/proc/self/mountinfo"); after != before {
		t.Errorf("mount table after stop differs from before start:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if rootedAt("/proc/"+jid+"/root", e.jail) {
		t.Errorf("jail %s still running after stop", jid)
	}
	for _, f := range []string{"run/jail_t1.id", "run/rcjail/t1.json"} {
		if _, err := os.Lstat(filepath.Join(e.root, f)); !os.IsNotExist(err) {
			t.Errorf("%s left after stop: %v", f, err)
		}
	}
	// Status reads the same paths: not running, nothing stale.
	cfMust(t, os.WriteFile(rcPath, []byte(rc), 0o644))
	if fi, err := os.Stat(fstab + ".old"); err == nil && fi.Mode().IsRegular() {
		cfMust(t, os.Rename(fstab+".old", fstab))
	}
	st, out, errs = e.rcjail(t, "-b", "native", "status", "t1")
	if st != statusNotRunning || !strings.HasPrefix(out, "t1: not running,") || strings.Contains(out, "stale:") || strings.Contains(out, "error:") {
		t.Errorf("status after stop: %d %q\n%s", st, out, errs)
	}
}
