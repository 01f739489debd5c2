package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rcjail/compat/state"
)

// recModel is a model whose kernel knows each running jail's root, run by
// an engine whose record of www (rec, when OK) is a real record file
// under a temporary -R root.
type recModel struct {
	*model
	rec   Recorded
	roots map[string]string // jid -> root of the running jail
	root  string            // the -R root of the engine's records
}

// run runs verb as runVerb does, with the engine's records under m.root
// (made, with m.rec written as www's record, on the first run).
func (m *recModel) run(t *testing.T, cfg *Config, verb string) (int, string, string) {
	t.Helper()
	if m.root == "" {
		m.root = t.TempDir()
		if m.rec.OK {
			dir := filepath.Join(m.root, state.DirPath)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(map[string]any{"jail": "www", "root": m.rec.Root, "jid": json.Number(m.rec.JID), "state": "running"})
			if err := os.WriteFile(filepath.Join(dir, state.RecordName("www")), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out, errb bytes.Buffer
	r := &Runner{Config: cfg, X: m, Stdout: &out, Stderr: &errb, Name: "rcjail", Rec: &Records{Root: m.root}}
	st := r.Run(context.Background(), verb, nil)
	if err := r.Rec.Close(); err != nil {
		t.Error(err)
	}
	return st, out.String(), errb.String()
}

func (m *recModel) JailRunning(_ context.Context, jid, root string) (bool, error) {
	r, ok := m.roots[jid]
	return ok && (root == "" || r == root), nil
}
func (m *recModel) KillJail(_ context.Context, s KillJail) error {
	m.log = append(m.log, "kill "+s.JID)
	delete(m.roots, s.JID)
	return nil
}

func oneJail() *Config {
	j := plainJail()
	return &Config{Enable: true, List: []string{"www"}, Jails: map[string]*Jail{"www": j}}
}

// TestStartReadsRecord: a jail the record names as running in its
// root (a start killed during its start command: no id file) is not
// started a second time (issue 12 item 1); the loser's line is the
// script's ` [host already running (…)]`, exit 0.
func TestStartReadsRecord(t *testing.T) {
	m := &recModel{model: newModel(), rec: Recorded{OK: true, Root: "/jails/www", JID: "7"}, roots: map[string]string{"7": "/jails/www"}}
	st, out, e := m.run(t, oneJail(), "start")
	if st != 0 || !strings.Contains(out, "Starting jails: [www.example.org already running (jid 7)].\n") || e != "" {
		t.Errorf("start: %d %q %q", st, out, e)
	}
	if len(m.log) != 0 {
		t.Errorf("start acted on a running jail: %v", m.log)
	}
}

// TestStopReadsRecord: stop without an id file stops the jail its record
// names (the stop command and the kill run), and status reports it.
func TestStopReadsRecord(t *testing.T) {
	m := &recModel{model: newModel(), rec: Recorded{OK: true, Root: "/jails/www", JID: "7"}, roots: map[string]string{"7": "/jails/www"}}
	if st, out, _ := m.run(t, oneJail(), "status"); st != 0 || out != "jail www is running as jid 7.\n" {
		t.Errorf("status: %d %q", st, out)
	}
	m.aliases["192.0.2.10"] = true
	st, out, e := m.run(t, oneJail(), "stop")
	if st != 0 || strings.Contains(out, "cannot stop") || !strings.Contains(e, "but jail 7 runs in /jails/www: stopping it") {
		t.Errorf("stop: %d %q %q", st, out, e)
	}
	if !strings.Contains(strings.Join(m.log, "|"), "kill 7") {
		t.Errorf("the recorded jail was not killed: %v", m.log)
	}
}

// TestForeignJIDLeftAlone: an id file naming a jid that runs under another
// root (a recycled jid) is stale: start starts the jail, stop neither runs
// the stop command in that jail nor kills it (issue 12 item 6).
func TestForeignJIDLeftAlone(t *testing.T) {
	m := &recModel{model: newModel(), roots: map[string]string{"9": "/jails/other"}}
	m.files["/var/run/jail_www.id"] = "9\n"
	m.aliases["192.0.2.10"] = true
	st, out, _ := m.run(t, oneJail(), "stop")
	if st != 0 || strings.Contains(strings.Join(m.log, "|"), "kill 9") || strings.Contains(strings.Join(m.log, "|"), "jexec") {
		t.Errorf("stop acted on the foreign jail 9: %d %q %v", st, out, m.log)
	}
	if _, ok := m.roots["9"]; !ok {
		t.Errorf("jail 9 is gone")
	}
	m.files["/var/run/jail_www.id"] = "9\n"
	if st, out, _ := m.run(t, oneJail(), "start"); st != 0 || strings.Contains(out, "already running") {
		t.Errorf("start with a foreign jid in the id file: %d %q", st, out)
	}
}

// TestRootEditedWhileRunning: rootdir edited while the jail runs (audit
// item A). Its record says where its own start put it and the kernel
// confirms the jid there, so stop stops it (the script kills the id
// file's jid whatever rc.conf says now) and start does not run a second
// jail (the script sees the jid running). A recycled jid is still another
// jail: TestForeignJIDLeftAlone.
func TestRootEditedWhileRunning(t *testing.T) {
	rec := Recorded{OK: true, Root: "/jails/www.old", JID: "7"}
	m := &recModel{model: newModel(), rec: rec, roots: map[string]string{"7": "/jails/www.old"}}
	if st, out, _ := m.run(t, oneJail(), "start"); st != 0 || !strings.Contains(out, "already running") || len(m.log) != 0 {
		t.Errorf("start beside the running jail: %d %q %v", st, out, m.log)
	}
	m.files["/var/run/jail_www.id"] = "7\n"
	m.aliases["192.0.2.10"] = true // its start added it
	st, out, e := m.run(t, oneJail(), "stop")
	if st != 0 || strings.Contains(out, "cannot stop") || !strings.Contains(strings.Join(m.log, "|"), "kill 7") {
		t.Errorf("stop left the jail running: %d %q %q %v", st, out, e, m.log)
	}
}
