package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestStopAlwaysStops is the property of SPEC §0 and §3.5 (issue 10 item
// 1): for random valid configurations, start the jails with the command
// backend against the stub kit; then break the configuration at random
// (remove the fstab, rename the devfs ruleset, delete a jail's lines, add
// an rc.conf evaluation error, make rootdir a spelling rcjail refuses).
// stop must then leave no jail running, nothing mounted and no id file,
// exit 0, and say what is wrong with the configuration as a warning on
// stderr.
func TestStopAlwaysStops(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for the stub kit")
	}
	breaks := []string{"fstab", "ruleset", "lines", "evalerror", "rootdir"}
	seen := map[string]int{}
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 10))
		brk := breaks[rng.IntN(len(breaks))]
		seen[brk]++
		t.Run(fmt.Sprintf("seed%d-%s", seed, brk), func(t *testing.T) { stopAlwaysCase(t, rng, brk) })
	}
	for _, b := range breaks {
		if seen[b] == 0 {
			t.Errorf("no case broke the configuration with %q", b)
		}
	}
}

// saJail is one generated jail: its rc.conf lines by knob.
type saJail struct {
	name  string
	knobs [][2]string // knob (after jail_<name>_), value
	fstab bool
}

func stopAlwaysCase(t *testing.T, rng *rand.Rand, brk string) {
	work := t.TempDir()
	root := filepath.Join(work, "root")
	state := filepath.Join(work, "stubstate")
	for _, d := range []string{"root/etc/defaults", "root/var/run", "root/var/log", "stubstate", "skel/bin", "skel/lib"} {
		cfMust(t, os.MkdirAll(filepath.Join(work, d), 0o755))
	}
	cfCopyTree(t, "testdata/conformance/_base", root, work)
	bin, err := filepath.Abs("../../testdata/stubs/bin")
	cfMust(t, err)
	t.Setenv("PATH", bin)
	t.Setenv("RCJAIL_STUBSTATE", state)
	t.Setenv("RCJAIL_TRACE", filepath.Join(work, "trace"))

	n := 1 + rng.IntN(3)
	jails := make([]*saJail, n)
	var names []string
	for i := range jails {
		j := &saJail{name: fmt.Sprintf("j%d", i)}
		jr := filepath.Join(work, "jails", j.name)
		cfMust(t, os.MkdirAll(jr, 0o755))
		add := func(k, v string) { j.knobs = append(j.knobs, [2]string{k, v}) }
		add("rootdir", jr)
		add("hostname", j.name+".example.org")
		if rng.IntN(2) == 0 {
			add("ip", fmt.Sprintf("em0|192.0.2.%d", 10+i))
		} else {
			add("ip", fmt.Sprintf("192.0.2.%d", 10+i))
		}
		devfs := rng.IntN(2) == 0 || brk == "ruleset"
		if devfs {
			add("devfs_enable", "YES")
			add("devfs_ruleset", "devfsrules_jail")
			if rng.IntN(2) == 0 {
				add("fdescfs_enable", "YES")
			}
		}
		if rng.IntN(2) == 0 {
			add("procfs_enable", "YES")
		}
		if rng.IntN(2) == 0 || brk == "fstab" {
			j.fstab = true
			add("mount_enable", "YES")
			cfMust(t, os.MkdirAll(filepath.Join(jr, "usr/ports"), 0o755))
			cfMust(t, os.WriteFile(filepath.Join(root, "etc/fstab."+j.name),
				[]byte("/usr/ports "+jr+"/usr/ports nullfs ro 0 0\n"), 0o644))
		}
		if rng.IntN(2) == 0 {
			add("skel_enable", "YES")
			add("skel_root", filepath.Join(work, "skel"))
			add("skel_romounts", "bin lib")
		}
		if rng.IntN(2) == 0 {
			add("exec_prestop0", "hook prestop "+j.name)
			add("exec_poststop0", "hook poststop "+j.name)
		}
		jails[i] = j
		names = append(names, j.name)
	}
	victim := jails[rng.IntN(n)]
	rcconf := func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "jail_enable=\"YES\"\njail_list=%q\n", strings.Join(names, " "))
		for _, j := range jails {
			for _, kv := range j.knobs {
				fmt.Fprintf(&b, "jail_%s_%s=%q\n", j.name, kv[0], kv[1])
			}
		}
		return b.String()
	}
	rcPath := filepath.Join(root, "etc/rc.conf")
	cfMust(t, os.WriteFile(rcPath, []byte(rcconf()), 0o644))

	rcjail := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		st := run(context.Background(), append([]string{"-R", root, "-b", "command"}, args...), &out, &errb)
		return st, out.String(), errb.String()
	}
	if st, out, errs := rcjail("start"); st != 0 {
		t.Fatalf("start: exit %d\n%s%s\nrc.conf:\n%s", st, out, errs, rcconf())
	}
	if got := saRunning(t, state); len(got) != n {
		t.Fatalf("start: %d jails running, want %d", len(got), n)
	}

	// Break the configuration.
	set := func(k, v string) {
		for i, kv := range victim.knobs {
			if kv[0] == k {
				victim.knobs[i][1] = v
				return
			}
		}
		victim.knobs = append(victim.knobs, [2]string{k, v})
	}
	text := ""
	switch brk {
	case "fstab":
		cfMust(t, os.Rename(filepath.Join(root, "etc/fstab."+victim.name), filepath.Join(root, "etc/fstab."+victim.name+".old")))
	case "ruleset":
		set("devfs_ruleset", "devfsrules_renamed")
	case "lines":
		var kept []*saJail
		var list []string
		for _, j := range jails {
			if j != victim {
				kept = append(kept, j)
				list = append(list, j.name)
			}
		}
		all := jails
		jails = kept
		saved := names
		names = list
		text = rcconf()
		jails, names = all, saved
	case "evalerror":
		text = rcconf() + "if [ -f /etc/rc.conf.local ]; then\n"
	case "rootdir":
		set("rootdir", work+"/jails/../jails/"+victim.name)
	}
	if text == "" {
		text = rcconf()
	}
	cfMust(t, os.WriteFile(rcPath, []byte(text), 0o644))

	st, out, errs := rcjail(append([]string{"onestop"}, names...)...)
	if st != 0 {
		t.Errorf("stop: exit %d, want 0\nstdout: %s\nstderr: %s", st, out, errs)
	}
	if !strings.Contains(errs, "WARNING") {
		t.Errorf("stop: no warning on stderr about the broken configuration:\n%s", errs)
	}
	if strings.Contains(errs, "ERROR") {
		t.Errorf("stop: an error on stderr:\n%s", errs)
	}
	if got := saRunning(t, state); len(got) > 0 {
		t.Errorf("stop left jails running: %v", got)
	}
	if b, _ := os.ReadFile(filepath.Join(state, "mounts")); len(bytes.TrimSpace(b)) > 0 {
		t.Errorf("stop left mounts:\n%s", b)
	}
	ids, _ := filepath.Glob(filepath.Join(root, "var/run/jail_*.id"))
	if len(ids) > 0 {
		t.Errorf("stop left id files: %v", ids)
	}
	// Each jail's name once on stdout, whichever way it was stopped.
	for _, j := range names {
		if c := len(regexp.MustCompile(`\b`+j+`\b`).FindAllString(out, -1)); c != 1 {
			t.Errorf("stop: jail %s named %d times on stdout: %q", j, c, out)
		}
	}
	if t.Failed() {
		t.Logf("broken by %s (jail %s); rc.conf now:\n%s", brk, victim.name, text)
	}
}

func saRunning(t *testing.T, state string) []string {
	b, err := os.ReadFile(filepath.Join(state, "jails"))
	if os.IsNotExist(err) {
		return nil
	}
	cfMust(t, err)
	return strings.Fields(string(b))
}
