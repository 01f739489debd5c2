package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"rcjail/compat/state"

	"github.com/google/go-cmp/cmp"
)

// model is a fake Executor that interprets steps into a model of the host:
// a mount table, interface aliases, running jails, files and directories.
// It fails the effect number failAt (1-based; 0 never) to inject faults.
type model struct {
	mounts  []modelMount // in mount order
	aliases map[string]bool
	jails   map[string]bool
	roots   map[string]string // jid → root, as the kernel knows it
	files   map[string]string
	dirs    map[string]bool // directories that exist (mount points)
	created []string
	nextJID int
	sysctl  map[string]string

	effects   int
	failAt    int
	mountLog  []string // targets, in the order mounted
	umountLog []string // targets, in the order unmounted
	log       []string
}

type modelMount struct{ fstype, target string }

var errInjected = errors.New("injected failure")

func newModel() *model {
	return &model{
		aliases: map[string]bool{}, jails: map[string]bool{}, roots: map[string]string{}, files: map[string]string{},
		dirs: map[string]bool{}, nextJID: 1, sysctl: map[string]string{},
	}
}

func (m *model) effect(what string) error {
	m.effects++
	m.log = append(m.log, what)
	if m.effects == m.failAt {
		return fmt.Errorf("%s: %w", what, errInjected)
	}
	return nil
}

func (m *model) SysctlGet(_ context.Context, mib string) (string, error) { return m.sysctl[mib], nil }
func (m *model) Mounted(_ context.Context, dir, fstype string) (bool, error) {
	for i := len(m.mounts) - 1; i >= 0; i-- {
		if m.mounts[i].target == dir {
			return fstype == "" || m.mounts[i].fstype == fstype, nil
		}
	}
	return false, nil
}
func (m *model) JailRunning(_ context.Context, jid, _ string) (bool, error) { return m.jails[jid], nil }

// JailRoot, MountTable and JailsAt answer as the kernel would.
func (m *model) JailRoot(_ context.Context, jid string) (string, error) {
	if !m.jails[jid] {
		return "", fmt.Errorf("root of jid %s: no such jail", jid)
	}
	return m.roots[jid], nil
}
func (m *model) MountTable(context.Context) ([]MountEntry, error) {
	var out []MountEntry
	for _, mt := range m.mounts {
		out = append(out, MountEntry{FSType: mt.fstype, Target: mt.target})
	}
	return out, nil
}
func (m *model) JailsAt(_ context.Context, root string) ([]string, error) {
	owned := map[string]bool{}
	for p, v := range m.files {
		if strings.HasSuffix(p, ".id") {
			owned[strings.TrimSpace(v)] = true
		}
	}
	var out []string
	for jid := range m.jails {
		if m.roots[jid] == root && !owned[jid] {
			out = append(out, jid)
		}
	}
	slices.Sort(out)
	return out, nil
}
func (m *model) ReadIDFile(_ context.Context, p string) (string, bool, error) {
	v, ok := m.files[p]
	return strings.TrimSpace(v), ok, nil
}
func (m *model) IsSymlink(context.Context, string) (bool, error)    { return false, nil }
func (m *model) CheckStateFile(context.Context, string, bool) error { return nil }
func (m *model) IsDir(context.Context, string) (bool, error)        { return true, nil }
func (m *model) SetHookOutput(io.Writer, io.Writer)                 {}
func (m *model) JailConfAll(context.Context, JailConfAll) ([]byte, error) {
	return nil, errors.New("no jail(8) in the model")
}
func (m *model) ListJails(context.Context) ([]RunningJail, error) {
	return nil, errors.New("no jls in the model")
}
func (m *model) StillRunning(context.Context, RunningJail) (bool, error) { return false, nil }
func (m *model) Close() error                                            { return nil }
func (m *model) SysctlSet(_ context.Context, s SysctlSet) error {
	if err := m.effect("sysctl " + s.MIB); err != nil {
		return err
	}
	m.sysctl[s.MIB] = s.Value
	return nil
}
func (m *model) AliasAdd(_ context.Context, s AliasAdd) error {
	if err := m.effect("alias " + s.Addr.Addr); err != nil {
		return err
	}
	if m.aliases[s.Addr.Addr] {
		return fmt.Errorf("alias %s exists", s.Addr.Addr)
	}
	m.aliases[s.Addr.Addr] = true
	return nil
}
func (m *model) AliasRemove(_ context.Context, s AliasRemove) error {
	if !m.aliases[s.Addr.Addr] {
		return fmt.Errorf("alias %s absent", s.Addr.Addr)
	}
	delete(m.aliases, s.Addr.Addr)
	return nil
}
func (m *model) Mkdir(_ context.Context, s Mkdir) ([]string, error) {
	if err := m.effect("mkdir " + s.Path); err != nil {
		return nil, err
	}
	if m.dirs[s.Path] {
		return nil, nil
	}
	m.dirs[s.Path] = true
	m.created = append(m.created, s.Path)
	return []string{s.Path}, nil
}
func (m *model) Rmdir(_ context.Context, s Rmdir) error {
	if !m.dirs[s.Path] {
		return fmt.Errorf("rmdir %s: absent", s.Path)
	}
	delete(m.dirs, s.Path)
	return nil
}
func (m *model) Mount(_ context.Context, s Mount) ([]MountID, error) {
	if err := m.effect("mount " + s.Target); err != nil {
		return nil, err
	}
	if !m.dirs[s.Target] {
		return nil, fmt.Errorf("mount %s: no mount point", s.Target)
	}
	m.mounts = append(m.mounts, modelMount{s.FSType, s.Target})
	m.mountLog = append(m.mountLog, s.Target)
	return nil, nil
}
func (m *model) Unmount(_ context.Context, s Unmount) error {
	// Unmounting a parent under a child is EBUSY: the last mount below it
	// must go first.
	for i := len(m.mounts) - 1; i >= 0; i-- {
		t := m.mounts[i].target
		if t == s.Target {
			m.mounts = slices.Delete(m.mounts, i, i+1)
			m.umountLog = append(m.umountLog, s.Target)
			return nil
		}
		if strings.HasPrefix(t, s.Target+"/") {
			return fmt.Errorf("unmount %s: busy (%s mounted below)", s.Target, t)
		}
	}
	if s.Expect != nil {
		return fmt.Errorf("unmount %s: %w", s.Target, ErrNotMounted)
	}
	return fmt.Errorf("unmount %s: not mounted", s.Target)
}
func (m *model) FstabMount(_ context.Context, s FstabMount) ([]MountID, error) {
	if err := m.effect("fstab " + s.Fstab); err != nil {
		return nil, err
	}
	for _, e := range s.Entries {
		m.mounts = append(m.mounts, modelMount{e.FSType, e.MountPoint})
		m.mountLog = append(m.mountLog, e.MountPoint)
	}
	return nil, nil
}
func (m *model) DevfsRule(context.Context, DevfsRule) error { return m.effect("devfs rule") }
func (m *model) DevfsRuleset(context.Context, DevfsRuleset) error {
	return m.effect("devfs ruleset")
}
func (m *model) DevfsApply(context.Context, DevfsApply) error { return m.effect("devfs applyset") }
func (m *model) Symlink(context.Context, Symlink) error       { return m.effect("ln") }
func (m *model) CheckLink(_ context.Context, s CheckLink) error {
	return m.effect("checklink " + s.Path)
}
func (m *model) Exec(_ context.Context, s Exec) error         { return m.effect("exec " + s.Var) }
func (m *model) Jexec(_ context.Context, s Jexec) error       { return m.effect("jexec") }
func (m *model) JailConf(_ context.Context, s JailConf) error { return m.effect("jailconf") }
func (m *model) RemoveFile(_ context.Context, s RemoveFile) error {
	delete(m.files, s.Path)
	return nil
}
func (m *model) StartJail(_ context.Context, s StartJail) (string, []byte, error) {
	if err := m.effect("jail " + s.J); err != nil {
		return "", []byte("why it failed\n"), err
	}
	jid := fmt.Sprint(m.nextJID)
	m.nextJID++
	m.jails[jid] = true
	m.roots[jid] = s.Root
	return jid, []byte("console\n"), nil
}
func (m *model) KillJail(_ context.Context, s KillJail) error {
	delete(m.jails, s.JID)
	return nil
}
func (m *model) WriteFile(_ context.Context, s WriteFile) error {
	if err := m.effect("write " + s.Path); err != nil {
		return err
	}
	if s.Append {
		m.files[s.Path] += string(s.Data)
	} else {
		m.files[s.Path] = string(s.Data)
	}
	return nil
}

// state renders what must be gone after a stop or a failed start: mounts,
// aliases, running jails, id files and created directories.
func (m *model) leftovers() string {
	var b strings.Builder
	for _, mt := range m.mounts {
		fmt.Fprintf(&b, "mount %s %s\n", mt.fstype, mt.target)
	}
	for a := range m.aliases {
		fmt.Fprintf(&b, "alias %s\n", a)
	}
	for j := range m.jails {
		fmt.Fprintf(&b, "jail %s\n", j)
	}
	for f := range m.files {
		if strings.HasSuffix(f, ".id") {
			fmt.Fprintf(&b, "idfile %s\n", f)
		}
	}
	return b.String()
}

var skelPool = []string{"bin", "sbin", "lib", "libexec", "usr", "usr/bin", "usr/lib", "usr/lib/x", "usr/share", "usr/local", "var/db", "opt", "opt/a", "opt/a/b"}

// randomJail writes a random valid jail's rc.conf lines into v (its fstab,
// if any, into fsys): the jail is built by NewConfig, as rcjail builds it.
func randomJail(r *rand.Rand, v MapVars, fsys mapFS, name string, n int) {
	p := "jail_" + name + "_"
	root := "/jails/" + name
	yes := func() string {
		if r.IntN(2) == 0 {
			return "YES"
		}
		return "NO"
	}
	v[p+"rootdir"] = root
	v[p+"hostname"] = name + ".example.org"
	v[p+"interface"] = "em0"
	v[p+"devfs_enable"], v[p+"fdescfs_enable"], v[p+"procfs_enable"] = yes(), yes(), yes()
	var ips []string
	for i := range r.IntN(3) {
		ips = append(ips, fmt.Sprintf("192.0.%d.%d", n, i+1))
	}
	v[p+"ip"] = strings.Join(ips, ",")
	for i := range r.IntN(2) {
		v[fmt.Sprintf("%sexec_prestart%d", p, i)] = fmt.Sprintf("pre %d", i)
		v[fmt.Sprintf("%sexec_poststop%d", p, i)] = fmt.Sprintf("post %d", i)
	}
	if r.IntN(4) > 0 {
		v[p+"skel_enable"] = "YES"
		v[p+"skel_root"] = "/skel"
		symlink := r.IntN(4) == 0
		if symlink {
			v[p+"skel_mode"] = "symlink"
		}
		perm := r.Perm(len(skelPool))
		k := 1 + r.IntN(len(skelPool)-1)
		var ro, rw []string
		for _, i := range perm[:k] {
			e := skelPool[i]
			if symlink && slices.ContainsFunc(slices.Concat(ro, rw), func(o string) bool { return isUnder(e, o) || isUnder(o, e) }) {
				// A read-only entry is a link in symlink mode: nothing
				// nests with it (NewConfig refuses that).
				continue
			}
			if r.IntN(3) == 0 {
				rw = append(rw, e)
			} else {
				ro = append(ro, e)
			}
		}
		v[p+"skel_romounts"] = strings.Join(ro, " ")
		v[p+"skel_rwmounts"] = strings.Join(rw, " ")
	}
	if r.IntN(3) == 0 {
		v[p+"mount_enable"] = "YES"
		var b strings.Builder
		for i := range 1 + r.IntN(2) {
			fmt.Fprintf(&b, "/src %s/mnt/f%d nullfs ro 0 0\n", root, i)
		}
		fsys["/etc/fstab."+name] = b.String()
	}
}

// randomConfig is one to three random jails (see randomJail).
func randomConfig(t *testing.T, r *rand.Rand) *Config {
	t.Helper()
	// An empty global skel_romounts: a jail without its own has none
	// (not the built-in list).
	v := MapVars{"jail_enable": "YES", "jail_skel_romounts": ""}
	fsys := mapFS{"/etc/defaults/devfs.rules": testRules}
	var names []string
	for i := range 1 + r.IntN(3) {
		n := fmt.Sprintf("j%d", i)
		names = append(names, n)
		randomJail(r, v, fsys, n, i)
	}
	v["jail_list"] = strings.Join(names, " ")
	cfg := mustConfig(t, v, fsys)
	for _, n := range names {
		if j := cfg.Jails[n]; len(j.Errors) > 0 {
			t.Fatalf("random jail %s refused: %q", n, errStrings(j))
		}
	}
	return cfg
}

// recordRoots is the -R root of the engine's records per model: every
// run on one model (a start, then its stop) shares the model's records, as
// runs on one host share /var/run/rcjail.
var recordRoots sync.Map

// stateLeft lists the files left in the state directory of m's records
// (record, journal, lock, temporary file).
func stateLeft(m Executor) []string {
	root, ok := recordRoots.Load(m)
	if !ok {
		return nil
	}
	ents, _ := os.ReadDir(filepath.Join(root.(string), state.DirPath))
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func runVerb(t *testing.T, cfg *Config, m Executor, verb string) (int, string, string) {
	t.Helper()
	root, ok := recordRoots.Load(m)
	if !ok {
		root = t.TempDir()
		recordRoots.Store(m, root)
	}
	var out, errb bytes.Buffer
	r := &Runner{Config: cfg, X: m, Stdout: &out, Stderr: &errb, Name: "rcjail", Rec: &Records{Root: root.(string)}}
	st := r.Run(context.Background(), verb, nil)
	if err := r.Rec.Close(); err != nil {
		t.Error(err)
	}
	return st, out.String(), errb.String()
}

// TestStartStopLeavesNothing: for random valid configurations, start then
// stop leaves the model empty and unmounts in exactly the reverse mount
// order (the pseudo filesystems in SPEC §1's stop order), and the model's
// Unmount refuses a parent while a child is mounted below it.
func TestStartStopLeavesNothing(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 1))
		cfg := randomConfig(t, r)
		m := newModel()
		if st, _, e := runVerb(t, cfg, m, "start"); st != 0 {
			t.Fatalf("seed %d: start: status %d\n%s", seed, st, e)
		}
		if len(m.mounts) == 0 && len(m.jails) == 0 {
			t.Fatalf("seed %d: start did nothing", seed)
		}
		if st, _, e := runVerb(t, cfg, m, "stop"); st != 0 {
			t.Fatalf("seed %d: stop: status %d\n%s", seed, st, e)
		}
		if got := m.leftovers(); got != "" {
			t.Errorf("seed %d: left behind after stop:\n%s", seed, got)
		}
		if left := stateLeft(m); len(left) > 0 {
			t.Errorf("seed %d: state files left after stop: %q", seed, left)
		}
		// Per jail, the unmounts are the mounts reversed.
		for _, n := range cfg.List {
			root := cfg.Jails[n].RootDir + "/"
			var mo, um []string
			for _, x := range m.mountLog {
				if strings.HasPrefix(x, root) {
					mo = append(mo, x)
				}
			}
			for _, x := range m.umountLog {
				if strings.HasPrefix(x, root) {
					um = append(um, x)
				}
			}
			// The exact reverse, except that the pseudo filesystems, mounted
			// last (devfs, fdescfs, procfs), go first in the order SPEC §1
			// and the 8.x script give: fdescfs, devfs, procfs. None of the
			// three is nested in another skeleton or fstab mount.
			slices.Reverse(mo)
			pseudo := map[string]int{root + "dev/fd": 0, root + "dev": 1, root + "proc": 2}
			var ps, rest []string
			for _, x := range mo {
				if _, ok := pseudo[x]; ok {
					ps = append(ps, x)
				} else {
					rest = append(rest, x)
				}
			}
			slices.SortFunc(ps, func(a, b string) int { return pseudo[a] - pseudo[b] })
			mo = append(ps, rest...)
			if d := cmp.Diff(mo, um); d != "" {
				t.Errorf("seed %d jail %s: unmount order is not the reverse of the mount order (-want +got):\n%s", seed, n, d)
			}
		}
	}
}

// TestFailureAtAnyStepLeavesNothing injects a failure at every effect k of
// a one-jail start in turn: the start reports the failure (exit 1, the
// "cannot start" line) and leaves no mount, alias, jail, id file or created
// directory behind.
func TestFailureAtAnyStepLeavesNothing(t *testing.T) {
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 2))
		v, fsys := MapVars{"jail_enable": "YES", "jail_list": "w", "jail_skel_romounts": ""}, mapFS{"/etc/defaults/devfs.rules": testRules}
		randomJail(r, v, fsys, "w", 0)
		cfg := mustConfig(t, v, fsys)
		// Count the effects of a clean start.
		clean := newModel()
		if st, _, e := runVerb(t, cfg, clean, "start"); st != 0 {
			t.Fatalf("seed %d: clean start failed: %s", seed, e)
		}
		j := cfg.Jails["w"]
		// Hooks (any of them, prestart included: issue 10 item 3) only
		// warn and the start goes on; the rest fail.
		for k := 1; k <= clean.effects; k++ {
			m := newModel()
			m.failAt = k
			st, out, e := runVerb(t, cfg, m, "start")
			failed := m.log[k-1]
			hook := strings.HasPrefix(failed, "jexec") || strings.HasPrefix(failed, "exec exec_")
			if hook {
				if st != 0 || !strings.Contains(e, "WARNING") || !strings.Contains(e, "injected failure") {
					t.Errorf("seed %d k=%d (%s): a failing hook failed the start or was not reported: %d %s", seed, k, failed, st, e)
				}
				if _, ok := m.files[IDFile(j)]; !ok {
					t.Errorf("seed %d k=%d (%s): a failing hook kept the jail from its id file", seed, k, failed)
				}
				continue
			}
			if st != 1 || !strings.Contains(out, ` cannot start jail "w": `) || !strings.Contains(e, "injected failure") {
				t.Errorf("seed %d k=%d (%s): status %d, stdout %q, stderr %q", seed, k, failed, st, out, e)
			}
			if got := m.leftovers(); got != "" {
				t.Errorf("seed %d k=%d (%s): left behind:\n%s", seed, k, failed, got)
			}
			if left := stateLeft(m); len(left) > 0 {
				t.Errorf("seed %d k=%d (%s): state files left after the rollback: %q", seed, k, failed, left)
			}
			for _, d := range m.created {
				if m.dirs[d] {
					t.Errorf("seed %d k=%d (%s): created mount point %s not removed", seed, k, failed, d)
				}
			}
			if _, ok := m.files[IDFile(j)]; ok {
				t.Errorf("seed %d k=%d: id file written", seed, k)
			}
			// A rollback is the exact reverse, pseudo filesystems included.
			mo := slices.Clone(m.mountLog)
			slices.Reverse(mo)
			if d := cmp.Diff(mo, m.umountLog); d != "" {
				t.Errorf("seed %d k=%d (%s): rollback unmounts are not the reverse of the mounts (-want +got):\n%s", seed, k, failed, d)
			}
		}
	}
}

// TestSkelMountsParentsFirst: a jail's skeleton mounts come parents first,
// otherwise romounts then rwmounts; in symlink mode only the rw entries
// are mounted one by one, after skel_root on skel_basedir.
func TestSkelMountsParentsFirst(t *testing.T) {
	for _, tc := range []struct {
		ro, rw string
		mode   SkelMode
		want   string
	}{
		{"usr/share bin usr", "usr/local", SkelNullfs, "usr usr/share bin usr/local"},
		{"a/b/c a a/b", "", SkelNullfs, "a a/b a/b/c"},
		{"x", "x/y z", SkelNullfs, "x x/y z"},
		{"bin usr/lib", "usr/local var", SkelSymlink, "basejail usr/local var"},
		{"", "", SkelNullfs, ""},
	} {
		j := mustConfig(t, with("jail_skel_enable=YES", "jail_skel_root=/skel", "jail_skel_romounts="+tc.ro,
			"jail_skel_rwmounts="+tc.rw, "jail_skel_mode="+string(tc.mode)), nil).Jails["www"]
		if len(j.Errors) > 0 {
			t.Fatalf("%+v: refused: %q", tc, errStrings(j))
		}
		var got []string
		for _, m := range j.Mounts {
			got = append(got, strings.TrimPrefix(m.Target, "/jails/www/"))
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("ro %q rw %q %s: order %q, want %q", tc.ro, tc.rw, tc.mode, g, tc.want)
		}
	}
}

// plainJail is jail name of a plain rc.conf (an alias on em0, devfs with
// ruleset 4, procfs, a nullfs skeleton of bin and usr/lib read-only and
// usr/local read-write), built by NewConfig; assign adds or replaces
// lines.
func plainJail(assign ...string) *Jail { return plainJailNamed("www", assign...) }

func plainJailNamed(name string, assign ...string) *Jail {
	p := "jail_" + name + "_"
	v := rc(append([]string{"jail_enable=YES", "jail_list=" + name,
		p + "rootdir=/jails/" + name, p + "hostname=" + name + ".example.org", p + "ip=192.0.2.10",
		"jail_interface=em0", "jail_devfs_enable=YES", "jail_devfs_ruleset=4", "jail_procfs_enable=YES",
		"jail_skel_enable=YES", "jail_skel_root=/skel", "jail_skel_romounts=bin usr/lib", "jail_skel_rwmounts=usr/local"}, assign...)...)
	c, err := NewConfig(v, nil, nil)
	if err != nil {
		panic(err)
	}
	j := c.Jails[name]
	if len(j.Errors) > 0 {
		panic(fmt.Sprint(j.Errors))
	}
	return j
}

func planText(steps []Step) string {
	var b strings.Builder
	for _, s := range steps {
		argv := StepArgv(s, nil)
		if argv == nil {
			fmt.Fprintf(&b, "# %T %v\n", s, s)
		}
		for _, a := range argv {
			b.WriteString(QuoteArgv(a) + "\n")
		}
	}
	return b.String()
}

// TestPlanStartOrder pins SPEC §1's order for one jail with every feature.
func TestPlanStartOrder(t *testing.T) {
	got := planText(PlanStart(plainJail(), StartFacts{}))
	want := `ifconfig em0 inet 192.0.2.10/32 alias
# compat.Mkdir {www /jails/www /jails/www/bin}
mount_nullfs -o ro /skel/bin /jails/www/bin
# compat.Mkdir {www /jails/www /jails/www/usr/lib}
mount_nullfs -o ro /skel/usr/lib /jails/www/usr/lib
# compat.Mkdir {www /jails/www /jails/www/usr/local}
mount_nullfs /skel/usr/local /jails/www/usr/local
# compat.Mkdir {www /jails/www /jails/www/dev}
mount -t devfs dev /jails/www/dev
devfs -m /jails/www/dev ruleset 4
devfs -m /jails/www/dev rule applyset
ln -sf ../var/run/log /jails/www/dev/log
# compat.Mkdir {www /jails/www /jails/www/proc}
mount -t procfs proc /jails/www/proc
jail -l -U root -i /jails/www www.example.org 192.0.2.10 /bin/sh /etc/rc
`
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("start plan (-want +got):\n%s", d)
	}
	// The devfs mount carries the ruleset (the native backend mounts with
	// it; the command backend's text above is the script's).
	rulesets := 0
	for _, s := range PlanStart(plainJail(), StartFacts{}) {
		if m, ok := s.(Mount); ok && m.FSType == FSDevfs {
			rulesets++
			if m.DevfsRuleset != 4 {
				t.Errorf("devfs mount step has ruleset %d, want 4", m.DevfsRuleset)
			}
		}
	}
	j := plainJail()
	j.DevfsRulesetN = -1
	for _, s := range PlanStart(j, StartFacts{}) {
		if m, ok := s.(Mount); ok && m.FSType == FSDevfs && m.DevfsRuleset != 0 {
			t.Errorf("no ruleset configured: devfs mount step has ruleset %d", m.DevfsRuleset)
		}
	}
	if rulesets != 1 {
		t.Errorf("%d devfs mount steps, want 1", rulesets)
	}
	// devfs already mounted: no devfs block at all (the script's df -t devfs).
	got = planText(PlanStart(plainJail(), StartFacts{DevfsMounted: true}))
	if strings.Contains(got, "devfs") {
		t.Errorf("devfs block planned although devfs is mounted:\n%s", got)
	}
}

func TestPlanStopMirrorsStart(t *testing.T) {
	got := planText(PlanStop(plainJail(), StopFacts{IDFile: true, JID: "7", Running: true}))
	want := `env -i /usr/sbin/jexec 7 /bin/sh /etc/rc.shutdown
killall -j 7 -TERM
sleep 1
killall -j 7 -KILL
umount -f /jails/www/dev
umount -f /jails/www/proc
umount -f /jails/www/usr/local
umount -f /jails/www/usr/lib
umount -f /jails/www/bin
ifconfig em0 inet 192.0.2.10 -alias
# compat.RemoveFile {www /var/run/jail_www.id}
`
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("stop plan (-want +got):\n%s", d)
	}
	// A stale id file: no stop command and no kill (the jid may be another
	// jail's by now), but the teardown, poststop hooks, aliases and id file.
	j := plainJail()
	j.PostStop = [][]string{{"poststop0"}}
	got = planText(PlanStop(j, StopFacts{IDFile: true, JID: "9"}))
	if strings.Contains(got, "killall") || strings.Contains(got, "jexec") || !strings.Contains(got, "poststop0\nifconfig em0 inet 192.0.2.10 -alias\n") {
		t.Errorf("stop with a stale jid:\n%s", got)
	}
	// Not running, no id file: only the (guarded) unmounts.
	got = planText(PlanStop(plainJail(), StopFacts{}))
	if strings.Contains(got, "killall") || strings.Contains(got, "ifconfig") || strings.Contains(got, "RemoveFile") {
		t.Errorf("stop without a jid plans more than unmounts:\n%s", got)
	}
}

func TestSymlinkModePlan(t *testing.T) {
	j := plainJail("jail_devfs_enable=NO", "jail_procfs_enable=NO", "jail_www_ip=", "jail_skel_mode=symlink")
	got := planText(PlanStart(j, StartFacts{}))
	want := `# compat.CheckLink {www /jails/www /jails/www/bin basejail/bin}
# compat.CheckLink {www /jails/www /jails/www/usr/lib ../basejail/usr/lib}
# compat.Mkdir {www /jails/www /jails/www/basejail}
mount_nullfs -o ro /skel /jails/www/basejail
# compat.Mkdir {www /jails/www /jails/www/usr/local}
mount_nullfs /skel/usr/local /jails/www/usr/local
jail -l -U root -i /jails/www www.example.org '' /bin/sh /etc/rc
`
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("symlink-mode plan (-want +got):\n%s", d)
	}
	stop := planText(PlanStop(j, StopFacts{}))
	if stop != "umount -f /jails/www/usr/local\numount -f /jails/www/basejail\n" {
		t.Errorf("symlink-mode stop:\n%s", stop)
	}
}

func TestRunnerVerbsAndGate(t *testing.T) {
	cfg := &Config{List: []string{"www"}, Jails: map[string]*Jail{"www": plainJail()}}
	for _, tc := range []struct {
		arg          string
		st           int
		out, errText string
	}{
		{"start", 0, "Cannot 'start' jail. Set jail_enable to YES in /etc/rc.conf or use 'onestart' instead of 'start'.\n", ""},
		{"stop", 0, "Cannot 'stop' jail. Set jail_enable to YES in /etc/rc.conf or use 'onestop' instead of 'stop'.\n", ""},
		{"quietstart", 0, "", ""},
		{"faststop", 0, "", ""},
		{"rcvar", 0, "# jail\n#\njail_enable=\"\"\n#   (default: \"\")\n\n", ""},
		{"onercvar", 0, "# jail\n#\njail_enable=\"YES\"\n#   (default: \"\")\n\n", ""},
		{"bogus", 1, "", "rcjail: unknown directive 'bogus'.\nUsage: rcjail [fast|force|one|quiet](start|stop|restart|rcvar|status)\n"},
		{"onestop", 0, "Stopping jails: cannot stop jail www. No jail id in /var/run\n.\n", ""},
	} {
		st, out, e := runVerb(t, cfg, newModel(), tc.arg)
		if st != tc.st || out != tc.out || e != tc.errText {
			t.Errorf("%s: got %d %q %q, want %d %q %q", tc.arg, st, out, e, tc.st, tc.out, tc.errText)
		}
	}
}

// A garbage jail_enable (issue 10 item 9): rc.subr's checkyesno warns at the
// gate for start, stop, restart and their fast/quiet forms, and then the
// verb is refused as with NO; one/force set jail_enable=YES first and never
// warn; rcvar prints the raw value.
func TestEnableGarbageGate(t *testing.T) {
	cfg := mustConfig(t, rc("jail_enable=maybe", "jail_list=www", "jail_www_rootdir=/jails/www", "jail_www_hostname=www.example.org"), nil)
	const w = "rcjail: WARNING: $jail_enable is not set properly - see rc.conf(5).\n"
	for _, tc := range []struct {
		arg          string
		out, errText string
	}{
		{"start", "Cannot 'start' jail. Set jail_enable to YES in /etc/rc.conf or use 'onestart' instead of 'start'.\n", w},
		{"faststart", "", w},
		{"quietstop", "", w},
		{"restart", "Cannot 'restart' jail. Set jail_enable to YES in /etc/rc.conf or use 'onerestart' instead of 'restart'.\n", w},
		{"forcestop", "Stopping jails: cannot stop jail www. No jail id in /var/run\n.\n", ""},
		{"onestop", "Stopping jails: cannot stop jail www. No jail id in /var/run\n.\n", ""},
		{"rcvar", "# jail\n#\njail_enable=\"maybe\"\n#   (default: \"\")\n\n", ""},
	} {
		_, out, e := runVerb(t, cfg, newModel(), tc.arg)
		if out != tc.out || e != tc.errText {
			t.Errorf("%s: got %q %q, want %q %q", tc.arg, out, e, tc.out, tc.errText)
		}
	}
}

func TestRefusedJailOthersStart(t *testing.T) {
	// bad has a hostname and no root directory.
	cfg := mustConfig(t, MapVars{"jail_enable": "YES", "jail_list": "bad www", "jail_bad_hostname": "bad.example.org",
		"jail_www_rootdir": "/jails/www", "jail_www_hostname": "www.example.org"}, nil)
	m := newModel()
	st, out, e := runVerb(t, cfg, m, "start")
	if st != 1 {
		t.Errorf("status %d, want 1", st)
	}
	if want := "Configuring jails:.\nStarting jails: cannot start jail \"bad\": \n www.example.org.\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	if !strings.Contains(e, "rcjail: ERROR: jail bad: jail_bad_rootdir=\"\": no root directory") {
		t.Errorf("stderr %q", e)
	}
	if len(m.jails) != 1 {
		t.Errorf("%d jails running, want 1", len(m.jails))
	}
}

func TestDryRunPrintsQuotedCommands(t *testing.T) {
	j := plainJail()
	j.ExecStart = []string{"/bin/sh", "-c", "echo it's here"}
	cfg := &Config{Enable: true, List: []string{"www"}, Jails: map[string]*Jail{"www": j},
		Sysctls: []SysctlKnob{{Label: "sysvipc_allow", MIB: "security.jail.sysvipc_allowed", Want: "0"}}}
	var w bytes.Buffer
	d := &DryRun{W: &w, Sysctls: map[string]string{"security.jail.sysvipc_allowed": "0"}}
	st, _, e := runVerb(t, cfg, d, "start")
	if st != 0 {
		t.Fatalf("status %d: %s", st, e)
	}
	got := w.String()
	for _, want := range []string{
		"sysctl -n security.jail.sysvipc_allowed\n",
		"df -t devfs /jails/www/dev\n",
		"jail -l -U root -i /jails/www www.example.org 192.0.2.10 /bin/sh -c \"echo it's here\"\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "sysctl security") {
		t.Errorf("dry run set a sysctl that needs no change:\n%s", got)
	}
	// The dry run remembers what it did: a restart's start sees its stop.
	w.Reset()
	d2 := &DryRun{W: &w}
	var out bytes.Buffer
	r := &Runner{Config: cfg, X: d2, Stdout: &out, Stderr: &out, Name: "rcjail"}
	r.Start(context.Background(), []string{"www"})
	if ok, _ := d2.Mounted(context.Background(), "/jails/www/bin", FSNullfs); !ok {
		t.Errorf("dry run forgot its own mount")
	}
	if jid, ok, _ := d2.ReadIDFile(context.Background(), "/var/run/jail_www.id"); !ok || jid != DryJID {
		t.Errorf("dry run forgot its id file: %q %v", jid, ok)
	}
}

// checkQ is a Querier whose link and mount point checks fail as told.
type checkQ struct {
	*model
	err error
}

func (q checkQ) CheckLink(context.Context, CheckLink) error { return q.err }
func (q checkQ) CheckMkdir(context.Context, Mkdir) error    { return q.err }

func TestDryRunChecks(t *testing.T) {
	ctx := context.Background()
	missing := fmt.Errorf("readlink /j/bin: %w", fs.ErrNotExist)
	bad := errors.New("/j/usr/lib points to \"/usr/lib\"")
	for _, tc := range []struct {
		err  error
		want error
	}{{nil, nil}, {missing, nil}, {bad, bad}} {
		d := &DryRun{W: io.Discard, Q: checkQ{newModel(), tc.err}}
		if got := d.CheckLink(ctx, CheckLink{}); got != tc.want {
			t.Errorf("CheckLink with %v: %v, want %v", tc.err, got, tc.want)
		}
		if _, got := d.Mkdir(ctx, Mkdir{}); got != tc.want {
			t.Errorf("Mkdir with %v: %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestNamesJailOnce: the runner names the jail only when the executor's
// error does not (issue 10 item 13: `jail t1: jail t1: remove …`).
func TestNamesJailOnce(t *testing.T) {
	for _, c := range []struct{ msg, want string }{
		{"jail t1: remove /var/run/jail_t1.id: not a directory", "jail t1: remove /var/run/jail_t1.id: not a directory"},
		{"mount point of jail t1: check /j/lib: a symlink", "mount point of jail t1: check /j/lib: a symlink"},
		{"run umount -f /j/t1/dev: exit status 1", "jail t1: run umount -f /j/t1/dev: exit status 1"},
		{"jail t10: busy", "jail t1: jail t10: busy"}, // another jail's name is not this one's
		{`cannot start jail "t1"`, `cannot start jail "t1"`},
		{"kill jail t1", "kill jail t1"},
	} {
		if got := inJail("t1", errors.New(c.msg)).Error(); got != c.want {
			t.Errorf("inJail(%q) = %q, want %q", c.msg, got, c.want)
		}
	}
}
