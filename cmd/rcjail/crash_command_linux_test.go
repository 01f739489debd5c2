//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The engine keeps the record for the command backend too (issue 12): a
// `-b command` run killed -9 anywhere leaves a record that the next stop
// undoes. These tests run the rcjailfault build of rcjail with -b command
// against the stub kit (testdata/stubs: jail, jls, mount, umount, df,
// ifconfig … as shell scripts keeping their state in files), so every
// jail, mount and alias is a line in a file the test reads.

// cmdWorld is one jail t1 with an alias, a skeleton (two read-only
// mounts), an fstab, devfs and procfs, under the stub kit.
type cmdWorld struct {
	t                      *testing.T
	bin, work, root, state string
	rc                     string
}

func newCmdWorld(t *testing.T, bin string) *cmdWorld {
	t.Helper()
	work := t.TempDir()
	w := &cmdWorld{t: t, bin: bin, work: work, root: filepath.Join(work, "root"), state: filepath.Join(work, "stubstate")}
	jr := filepath.Join(work, "jails", "t1")
	for _, d := range []string{"root/etc", "root/var/run", "root/var/log", "stubstate", "skel/bin", "skel/lib", "jails/t1/dev", "jails/t1/proc", "jails/t1/usr/ports"} {
		cfMust(t, os.MkdirAll(filepath.Join(work, d), 0o755))
	}
	cfCopyTree(t, "testdata/conformance/_base", w.root, work)
	cfMust(t, os.WriteFile(filepath.Join(w.root, "etc/fstab.t1"), []byte("/usr/ports "+jr+"/usr/ports nullfs ro 0 0\n"), 0o644))
	w.rc = "jail_enable=\"YES\"\njail_list=\"t1\"\n" +
		"jail_t1_rootdir=\"" + jr + "\"\n" +
		"jail_t1_hostname=\"t1.example.org\"\n" +
		"jail_t1_ip=\"lo0|192.0.2.10\"\n" +
		"jail_t1_skel_enable=\"YES\"\n" +
		"jail_t1_skel_root=\"" + filepath.Join(work, "skel") + "\"\n" +
		"jail_t1_skel_romounts=\"bin lib\"\n" +
		"jail_t1_mount_enable=\"YES\"\n" +
		"jail_t1_devfs_enable=\"YES\"\n" +
		"jail_t1_procfs_enable=\"YES\"\n"
	w.writeRC(w.rc)
	return w
}

func (w *cmdWorld) writeRC(rc string) {
	cfMust(w.t, os.WriteFile(filepath.Join(w.root, "etc/rc.conf"), []byte(rc), 0o644))
}

// run runs the rcjailfault rcjail with -b command and env added: its exit
// status (-1: killed) and stdout followed by stderr.
func (w *cmdWorld) run(env []string, args ...string) (int, string) {
	w.t.Helper()
	stubs, err := filepath.Abs("../../testdata/stubs/bin")
	cfMust(w.t, err)
	cmd := exec.Command(w.bin, append([]string{"-R", w.root, "-b", "command"}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+stubs, "RCJAIL_STUBSTATE="+w.state, "RCJAIL_TRACE="+filepath.Join(w.work, "trace"))
	cmd.Env = append(cmd.Env, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	return cmd.ProcessState.ExitCode(), out.String()
}

// stub returns the stub kit's state file f, trimmed.
func (w *cmdWorld) stub(f string) string {
	b, _ := os.ReadFile(filepath.Join(w.state, f))
	return strings.TrimSpace(string(b))
}

// leftovers lists what is left: a jail, a mount, an alias, an id file, a
// file in rcjail's state directory (record, journal, lock, temporary).
func (w *cmdWorld) leftovers() []string {
	var out []string
	for _, f := range []string{"jails", "mounts", "aliases"} {
		if s := w.stub(f); s != "" {
			out = append(out, fmt.Sprintf("stub %s: %q", f, s))
		}
	}
	ids, _ := filepath.Glob(filepath.Join(w.root, "var/run/jail_*.id"))
	out = append(out, ids...)
	st, _ := filepath.Glob(filepath.Join(w.root, "var/run/rcjail/*"))
	return append(out, st...)
}

// points counts the fault points of a clean `rcjail verb`.
func (w *cmdWorld) points(verb string) []string {
	w.t.Helper()
	log := filepath.Join(w.work, "points.log")
	_ = os.Remove(log)
	if st, out := w.run([]string{"RCJAIL_FAULT_LOG=" + log}, verb); st != 0 {
		w.t.Fatalf("clean %s: exit %d\n%s", verb, st, out)
	}
	b, _ := os.ReadFile(log)
	var labels []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if _, rest, ok := strings.Cut(l, " "); ok {
			labels = append(labels, rest)
		}
	}
	return labels
}

// converge runs stop, checks nothing is left, then start (exactly one
// jail) and stop (nothing left).
func (w *cmdWorld) converge(t *testing.T, what string) {
	t.Helper()
	st, out := w.run(nil, "stop")
	if st != 0 {
		t.Errorf("after %s: stop exit %d\n%s", what, st, out)
	}
	if l := w.leftovers(); len(l) > 0 {
		t.Fatalf("after %s and a stop, left: %s\nstop:\n%s", what, strings.Join(l, "; "), out)
	}
	if st, out := w.run(nil, "start"); st != 0 || w.stub("jails") == "" || strings.Contains(w.stub("jails"), "\n") {
		t.Fatalf("after %s: recovery start exit %d, jails %q\n%s", what, st, w.stub("jails"), out)
	}
	if st, out := w.run(nil, "stop"); st != 0 {
		t.Fatalf("after %s: final stop exit %d\n%s", what, st, out)
	}
	if l := w.leftovers(); len(l) > 0 {
		t.Fatalf("after %s, the final stop left: %s", what, strings.Join(l, "; "))
	}
}

// TestCommandRecord is issue 12's proof for the command backend.
func TestCommandRecord(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for the stub kit")
	}
	bin := buildFaultBinary(t)

	// crash-matrix: rcjail -b command killed -9 at every numbered point
	// of a start and of a stop (each step, each journal and record
	// write); then stop, start, stop. Nothing may be left, and the
	// recovery start runs exactly one jail.
	t.Run("crash-matrix", func(t *testing.T) {
		w := newCmdWorld(t, bin)
		startPts := w.points("start")
		stopPts := w.points("stop")
		if l := w.leftovers(); len(l) > 0 {
			t.Fatalf("clean start and stop left: %s", strings.Join(l, "; "))
		}
		t.Logf("%d points in a start, %d in a stop", len(startPts), len(stopPts))
		for _, c := range []struct {
			verb string
			pts  []string
		}{{"start", startPts}, {"stop", stopPts}} {
			for i, label := range c.pts {
				k := i + 1
				t.Run(fmt.Sprintf("%s/%03d-%s", c.verb, k, strings.ReplaceAll(label, " ", "_")), func(t *testing.T) {
					w := newCmdWorld(t, bin)
					if c.verb == "stop" {
						if st, out := w.run(nil, "start"); st != 0 {
							t.Fatalf("start: exit %d\n%s", st, out)
						}
					}
					if st, out := w.run([]string{fmt.Sprintf("RCJAIL_FAULT_KILL=%d", k)}, c.verb); st != -1 {
						t.Fatalf("%s not killed at point %d (exit %d)\n%s", c.verb, k, st, out)
					}
					w.converge(t, fmt.Sprintf("a kill -9 of %s at point %d (%s)", c.verb, k, label))
				})
			}
		}
	})

	// killed-during-jail: jail(8) has made the jail when rcjail is
	// killed (the stub kills its caller before printing the jid): no id
	// file names the jail, the record's "creating" and root do; status
	// reports it running and stop stops it and undoes the rest.
	t.Run("killed-during-jail", func(t *testing.T) {
		w := newCmdWorld(t, bin)
		cfMust(t, os.WriteFile(filepath.Join(w.state, "killparent"), nil, 0o644))
		if st, out := w.run(nil, "start"); st != -1 {
			t.Fatalf("start not killed during jail(8): exit %d\n%s", st, out)
		}
		cfMust(t, os.Remove(filepath.Join(w.state, "killparent")))
		jid := w.stub("jails")
		if jid == "" || w.stub("aliases") == "" || w.stub("mounts") == "" {
			t.Fatalf("the killed start left no jail, alias or mount: jails %q aliases %q mounts %q", jid, w.stub("aliases"), w.stub("mounts"))
		}
		if st, out := w.run(nil, "onestatus"); st != 0 || !strings.Contains(out, "jid "+jid) && !strings.Contains(out, "jid: "+jid) && !strings.Contains(out, "\"jid\": "+jid) {
			t.Errorf("status after the kill: exit %d, want jail t1 running as jid %s:\n%s", st, jid, out)
		}
		w.converge(t, "a kill -9 during jail(8)")
	})

	// alias-before-kill: the alias is added, rcjail is killed before
	// anything else: the next stop (which finds no id file and no jail)
	// removes it.
	t.Run("alias-before-kill", func(t *testing.T) {
		w := newCmdWorld(t, bin)
		pts := w.points("start")
		w.run(nil, "stop")
		k := 0
		for i, l := range pts {
			if l == "after compat.AliasAdd" {
				k = i + 1
			}
		}
		if k == 0 {
			t.Fatalf("no point after the alias in %q", pts)
		}
		if st, out := w.run([]string{fmt.Sprintf("RCJAIL_FAULT_KILL=%d", k)}, "start"); st != -1 || w.stub("aliases") != "lo0 192.0.2.10" {
			t.Fatalf("start killed after the alias: exit %d, aliases %q\n%s", st, w.stub("aliases"), out)
		}
		st, out := w.run(nil, "stop")
		if a := w.stub("aliases"); a != "" {
			t.Errorf("stop left the alias %q (exit %d)\n%s", a, st, out)
		}
		if l := w.leftovers(); len(l) > 0 {
			t.Errorf("stop left: %s\n%s", strings.Join(l, "; "), out)
		}
	})

	// pseudofs-turned-off: devfs and procfs are turned off in rc.conf
	// while the jail runs; the stop's plan no longer names them, the
	// record does: both are unmounted.
	t.Run("pseudofs-turned-off", func(t *testing.T) {
		w := newCmdWorld(t, bin)
		if st, out := w.run(nil, "start"); st != 0 {
			t.Fatalf("start: exit %d\n%s", st, out)
		}
		for _, fs := range []string{"devfs", "procfs"} {
			if !strings.Contains(w.stub("mounts"), fs+" ") {
				t.Fatalf("start mounted no %s: %q", fs, w.stub("mounts"))
			}
		}
		w.writeRC(strings.NewReplacer(`jail_t1_devfs_enable="YES"`, `jail_t1_devfs_enable="NO"`, `jail_t1_procfs_enable="YES"`, `jail_t1_procfs_enable="NO"`).Replace(w.rc))
		st, out := w.run(nil, "stop")
		if st != 0 || w.stub("mounts") != "" {
			t.Errorf("stop: exit %d, mounts left %q\n%s", st, w.stub("mounts"), out)
		}
		if l := w.leftovers(); len(l) > 0 {
			t.Errorf("stop left: %s\n%s", strings.Join(l, "; "), out)
		}
	})
}
