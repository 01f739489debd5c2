package compat

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rcjail/compat/record"
	"rcjail/compat/state"

	"github.com/google/go-cmp/cmp"
)

// TestRecordsLock: the engine's lock excludes a second rcjail (another
// Records on the same root) from a jail, by either spelling of its name
// ("a-b" and "a_b" read the same jail_a_b_* variables: one jail, one
// lock), not from another jail; a held lock is taken once per run; it is
// released by Release and Close; a symlink planted at the lock's name is
// never followed; names never leave the state directory; and with /var/run
// a symlink to /run (SPEC §3.8) the lock goes through it inside the root.
func TestRecordsLock(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	a := &Records{Root: root}
	b := &Records{Root: root, LockWait: 50 * time.Millisecond}
	defer a.Close()
	defer b.Close()
	if _, err := a.hold(ctx, "a-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.hold(ctx, "a_b"); err != nil {
		t.Errorf("a held lock taken again in the same run: %v", err)
	}
	for _, n := range []string{"a_b", "a.b", "a-b"} {
		if _, err := b.hold(ctx, n); err == nil || !strings.Contains(err.Error(), "another rcjail") {
			t.Errorf("lock %s while a-b is held: %v, want a refusal", n, err)
		}
	}
	if _, err := b.hold(ctx, "ab"); err != nil {
		t.Errorf("lock of another jail: %v", err)
	}
	if err := a.Release("a-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.hold(ctx, "a_b"); err != nil {
		t.Errorf("lock after the release: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.hold(ctx, "a-b"); err != nil {
		t.Errorf("lock after the other run closed: %v", err)
	}
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.Symlink(victim, filepath.Join(root, "var/run/rcjail/evil.lock")); err != nil {
		t.Fatal(err)
	}
	// A symlink planted at a lock's name is never followed: it is
	// removed and the lock taken on a new file (a refusal would keep the
	// jail from ever being stopped), with a warning naming it.
	var warned strings.Builder
	evil := &Records{Root: root, Stderr: func(f string, a ...any) { fmt.Fprintf(&warned, f+"\n", a...) }}
	if _, err := evil.hold(ctx, "evil"); err != nil {
		t.Errorf("lock over a planted symlink: %v", err)
	}
	if st, err := os.Lstat(filepath.Join(root, "var/run/rcjail/evil.lock")); err != nil || !st.Mode().IsRegular() {
		t.Errorf("evil.lock after the lock: %v, %v; want a regular file", st, err)
	}
	if !strings.Contains(warned.String(), "evil.lock was a symbolic link: removed") {
		t.Errorf("warning %q, want one naming the removed symlink", warned.String())
	}
	evil.Close()
	if _, err := os.Lstat(victim); err == nil {
		t.Error("the symlink's target was created")
	}
	if _, err := a.hold(ctx, "../x"); err != nil {
		t.Errorf("lock ../x: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "var/run/rcjail/___x.lock")); err != nil {
		t.Errorf("lock file of ../x: %v", err)
	}

	linked := t.TempDir()
	for _, d := range []string{"run", "var"} {
		if err := os.MkdirAll(filepath.Join(linked, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/run", filepath.Join(linked, "var/run")); err != nil {
		t.Fatal(err)
	}
	c := &Records{Root: linked}
	defer c.Close()
	if _, err := c.hold(ctx, "t1"); err != nil {
		t.Fatalf("lock through var/run -> /run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(linked, "run/rcjail/t1.lock")); err != nil {
		t.Errorf("lock file not under run/: %v", err)
	}
}

// TestRunnerLocksEachJail: the runner takes each jail's lock before it
// reads anything of it; a jail whose lock another rcjail holds is refused
// (` cannot start`) and nothing of it is read or done, the others start.
func TestRunnerLocksEachJail(t *testing.T) {
	www := plainJail()
	db := plainJailNamed("db", "jail_db_ip=")
	cfg := &Config{Enable: true, List: []string{"www", "db"}, Jails: map[string]*Jail{"www": www, "db": db}}
	root := t.TempDir()
	other := &Records{Root: root}
	defer other.Close()
	if _, err := other.hold(context.Background(), "www"); err != nil {
		t.Fatal(err)
	}
	m := newModel()
	var out, errb bytes.Buffer
	r := &Runner{Config: cfg, X: m, Stdout: &out, Stderr: &errb, Name: "rcjail", Rec: &Records{Root: root, LockWait: 50 * time.Millisecond}}
	st := r.Run(context.Background(), "start", nil)
	if st != 1 || out.String() != "Configuring jails:.\nStarting jails: cannot start jail \"www\": \n db.example.org.\n" || !strings.Contains(errb.String(), "jail www: ") || !strings.Contains(errb.String(), "another rcjail") {
		t.Errorf("start with www locked elsewhere: %d %q %q", st, out.String(), errb.String())
	}
	if len(m.jails) != 1 || slices.Contains(m.log, "jail www") {
		t.Errorf("www was acted on although locked: %v", m.log)
	}
	var held []string
	for k := range r.Rec.held {
		held = append(held, k)
	}
	if d := cmp.Diff([]string{"db"}, held); d != "" {
		t.Errorf("locks held (-want +got):\n%s", d)
	}
	if err := r.Rec.Close(); err != nil {
		t.Error(err)
	}
}

// TestEngineRecordsStart: a start journals what the host did (the jid
// and root, the alias, every mount, the directories made, the id file)
// into the jail's record; a stop whose configuration no longer names the
// alias and procfs (changed while the jail ran) still removes both, from
// the record, and the record goes.
func TestEngineRecordsStart(t *testing.T) {
	m := newModel()
	cfg := &Config{Enable: true, List: []string{"www"}, Jails: map[string]*Jail{"www": plainJail()}}
	if st, _, e := runVerb(t, cfg, m, "start"); st != 0 {
		t.Fatalf("start: %d %s", st, e)
	}
	root, _ := recordRoots.Load(m)
	rec, err := record.Read(root.(string), "www")
	if err != nil || rec == nil {
		t.Fatalf("no record after the start: %v", err)
	}
	var targets []string
	for _, mt := range rec.Mounts {
		targets = append(targets, mt.Target())
	}
	var want []string
	for _, mt := range m.mounts {
		want = append(want, mt.target)
	}
	if d := cmp.Diff(want, targets); d != "" || rec.State != "running" || rec.Root != "/jails/www" || strconv.Itoa(rec.JID) != strings.TrimSpace(m.files["/var/run/jail_www.id"]) ||
		len(rec.Aliases) != 1 || rec.Aliases[0].Addr != "192.0.2.10" || rec.IDFile != "/var/run/jail_www.id" || !slices.Equal(rec.Created, m.created) || len(rec.Intents) != 0 {
		t.Errorf("record after the start = %+v (mounts -model +record:\n%s)", rec, d)
	}
	changed := &Config{Enable: true, List: []string{"www"}, Jails: map[string]*Jail{"www": plainJail("jail_www_ip=", "jail_procfs_enable=NO")}}
	if st, _, e := runVerb(t, changed, m, "stop"); st != 0 {
		t.Fatalf("stop: %d %s", st, e)
	}
	if got := m.leftovers(); got != "" {
		t.Errorf("left after the stop with the changed configuration:\n%s", got)
	}
	if left := stateLeft(m); len(left) > 0 {
		t.Errorf("state files left: %q", left)
	}
}

// TestTamperedRecordIDFile: a record whose id file is not an id file of
// the layout (a tampered record naming /etc/passwd) never makes the stop
// remove that file; it is reported, and the record goes.
func TestTamperedRecordIDFile(t *testing.T) {
	m := &recModel{model: newModel(), rec: Recorded{OK: true, Root: "/jails/www", JID: "0"}}
	m.root = t.TempDir()
	dir := filepath.Join(m.root, state.DirPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	rec := `{"jail":"www","root":"/jails/www","state":"dirty","idfile":"/etc/passwd"}`
	if err := os.WriteFile(filepath.Join(dir, state.RecordName("www")), []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	m.files["/etc/passwd"] = "root:x:0:0\n"
	st, out, e := m.run(t, oneJail(), "stop")
	if _, ok := m.files["/etc/passwd"]; !ok {
		t.Errorf("the stop removed /etc/passwd (exit %d)\n%s%s", st, out, e)
	}
	if !strings.Contains(e, `"/etc/passwd"`) {
		t.Errorf("the tampered id file is not reported:\n%s", e)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("state files left: %v", left)
	}
}

// TestCreatingRecordTwoJails: a record left "creating" (rcjail killed
// before the jid line) whose root now runs two jails no id file names
// cannot tell which is its own: a start refuses ("run stop") and mounts
// nothing under them, instead of undoing the record under live jails.
func TestCreatingRecordTwoJails(t *testing.T) {
	m := &recModel{model: newModel(), roots: map[string]string{}}
	m.root = t.TempDir()
	dir := filepath.Join(m.root, state.DirPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	rec := `{"jail":"www","root":"/jails/www","state":"creating","aliases":[{"Iface":"em0","Family":"inet","Addr":"192.0.2.10","Mask":"/32"}]}`
	if err := os.WriteFile(filepath.Join(dir, state.RecordName("www")), []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, jid := range []string{"7", "8"} {
		m.jails[jid], m.roots[jid], m.model.roots[jid] = true, "/jails/www", "/jails/www"
	}
	m.aliases["192.0.2.10"] = true
	st, out, e := m.run(t, oneJail(), "start")
	if st != 1 || !strings.Contains(e, "run stop") || !strings.Contains(e, "7, 8") && !strings.Contains(e, "8, 7") {
		t.Errorf("start over a creating record with two jails in the root: %d %q %q", st, out, e)
	}
	if len(m.mounts) != 0 || !m.aliases["192.0.2.10"] {
		t.Errorf("the start acted under the live jails: mounts %v, aliases %v", m.mounts, m.aliases)
	}
}
