package native

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"rcjail/compat"
	"rcjail/compat/native/linuxjail"
	"rcjail/compat/state"
	"rcjail/mount/mounttest"
)

// TestJIDRecordedAtCreation: the jail's jid and root are in the journal
// while its start command still runs (issue 12 item 1: a kill of rcjail
// during the start command must leave a jail the record knows).
func TestJIDRecordedAtCreation(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	e := newEnv(t)
	j := newJail("crt", e.root)
	// The start command waits until the test has looked at the journal.
	j.ExecStart = []string{"/bin/sh", "-c", "touch /tmp/started; while [ ! -e /tmp/go ]; do sleep 0.02; done; sleep 300 & exit 0"}
	done := make(chan string, 1)
	go func() {
		_, out := e.run("onestart", nil, j)
		done <- out
	}()
	journal := filepath.Join(e.state, state.DirPath, state.JournalName("crt"))
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(e.root, "tmp/started")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			os.WriteFile(filepath.Join(e.root, "tmp/go"), nil, 0o644)
			t.Fatalf("the start command never ran:\n%s", <-done)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b, err := os.ReadFile(journal)
	var during string
	for _, l := range strings.Split(string(b), "\n") {
		if i := strings.Index(l, `"jid":`); i >= 0 && strings.Contains(l, `"ev":"jid"`) {
			n, _ := strconv.Atoi(strings.TrimRight(strings.SplitN(l[i+6:], ",", 2)[0], "}"))
			r, ok := linuxjail.Root(n)
			during = fmt.Sprintf("jid %d root %q %v", n, r, ok)
			if !ok || r != e.root {
				t.Errorf("during the start command the kernel says: %s", during)
			}
		}
	}
	// Status reads the record without the lock the start holds.
	if rec, err := compat.ReadRecorded(context.Background(), nil, e.state, "crt"); err != nil || !rec.OK || rec.Root != e.root || rec.JID == "" || !strings.Contains(during, "jid "+rec.JID+" ") {
		t.Errorf("ReadRecorded during the start command = %+v, %v; kernel: %s", rec, err, during)
	}
	os.WriteFile(filepath.Join(e.root, "tmp/go"), nil, 0o644)
	out := <-done
	if err != nil {
		t.Fatalf("journal during the start command: %v\n%s", err, out)
	}
	var jid string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, `"ev":"jid"`) && strings.Contains(l, `"root":"`+e.root+`"`) && strings.Contains(l, `"state":"running"`) {
			jid = l
		}
	}
	if jid == "" {
		t.Fatalf("no jid+root line in the journal while the start command ran:\n%s", b)
	}
	idb, err := os.ReadFile(filepath.Join(e.state, "var/run/jail_crt.id"))
	if err != nil || !strings.Contains(jid, `"jid":`+strings.TrimSpace(string(idb))) {
		t.Errorf("journal line %s does not carry the jid of the id file %q (%v)", jid, idb, err)
	}
	if _, err := strconv.Atoi(strings.TrimSpace(string(idb))); err != nil {
		t.Errorf("id file: %q", idb)
	}
	if st, out := e.run("onestop", nil, j); st != 0 {
		t.Fatalf("stop: %d\n%s", st, out)
	}
	waitNoProcs(t, e.root)
	if rec, err := compat.ReadRecorded(context.Background(), nil, e.state, "crt"); err != nil || rec.OK {
		t.Errorf("ReadRecorded after the stop = %+v, %v; want no record", rec, err)
	}
}
