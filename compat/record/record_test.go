package record

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rcjail/compat/state"
)

// TestEventEncoding: the hand-written journal encoding is byte for byte
// encoding/json's (plus the newline) for every kind of event, empty and
// full fields, and strings that need escaping (quotes, backslashes,
// control characters, HTML characters, non-ASCII, invalid UTF-8), and it
// decodes back to the same event.
func TestEventEncoding(t *testing.T) {
	odd := []string{"", "plain/path", `q"uote`, `back\slash`, "tab\tnew\nline\x00nul\x1f", "<a&b>", "a<b", "a>b", "a&b", "é ünïcode 日本", "bad\xffutf8\xc3", "\u2028\u2029", "\x7f"}
	var evs []Event
	for _, ev := range []string{"begin", "root", "state", "jid", "mount", "unmount", "created", "uncreated", "alias", "unalias"} {
		evs = append(evs, Event{Ev: ev})
	}
	for i, s := range odd {
		m := Mount{ID: uint64(i), UniqueID: uint64(i) << 40, FSType: s, Source: s, Root: "/j" + s, Rel: s, ReadOnly: i%2 == 0}
		a := Addr{Iface: s, Family: "inet", Addr: s, Mask: "/32"}
		evs = append(evs,
			Event{Ev: "begin", Root: s},
			Event{Ev: "state", State: s},
			Event{Ev: "jid", JID: i * 1000},
			Event{Ev: "jid", JID: -i},
			Event{Ev: "mount", M: &m},
			Event{Ev: "mount", M: &Mount{}},
			Event{Ev: "unmount", Paths: []string{s}},
			Event{Ev: "created", Paths: []string{s, "/x", s}},
			Event{Ev: "created", Paths: []string{}},
			Event{Ev: "alias", Addr: &a},
			Event{Ev: s, Root: s, State: s, JID: 1, M: &m, Paths: odd, Addr: &Addr{}},
		)
	}
	for _, e := range evs {
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got := e.AppendJSON([]byte("prefix"))
		if string(got) != "prefix"+string(want)+"\n" {
			t.Errorf("event %+v:\n got %q\nwant %q", e, got[len("prefix"):], string(want)+"\n")
			continue
		}
		var back, wantBack Event
		if err := json.Unmarshal(got[len("prefix"):], &back); err != nil {
			t.Errorf("event %+v: decode %q: %v", e, got, err)
			continue
		}
		_ = json.Unmarshal(want, &wantBack)
		if diff := cmp.Diff(wantBack, back); diff != "" {
			t.Errorf("event %+v decodes differently (-json +ours):\n%s", e, diff)
		}
	}
}

// TestIntentReplay: a "mounting" line is an intent; its "mount" line
// confirms it and an "unmount" line retracts it, in any replay.
func TestIntentReplay(t *testing.T) {
	in := Mount{FSType: "nullfs", Source: "/s/usr", Root: "/j", Rel: "usr", ReadOnly: true}
	done := in
	done.ID = 9
	other := Mount{FSType: "tmpfs", Root: "/j", Rel: "tmp"}
	r := &Record{Jail: "r"}
	for _, e := range []Event{{Ev: "begin", Root: "/j"}, {Ev: "mounting", M: &in}, {Ev: "mounting", M: &other}} {
		r.Apply(e)
	}
	if len(r.Intents) != 2 || len(r.Mounts) != 0 {
		t.Fatalf("after two intents: %+v", r)
	}
	r.Apply(Event{Ev: "mount", M: &done})
	r.Apply(Event{Ev: "unmount", Paths: []string{"/j/tmp"}})
	if len(r.Intents) != 0 || !slices.Equal(r.Mounts, []Mount{done}) {
		t.Errorf("confirmed + retracted: intents %+v mounts %+v", r.Intents, r.Mounts)
	}
}

// TestRecordReplay: the journal replays onto the snapshot; replaying events
// the snapshot already holds changes nothing; a torn last line is ignored.
func TestRecordReplay(t *testing.T) {
	dir, err := state.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	m1 := Mount{ID: 7, FSType: "nullfs", Source: "/s/bin", Root: "/j", Rel: "bin", ReadOnly: true}
	m2 := Mount{ID: 8, FSType: "nullfs", Source: "/s/lib", Root: "/j", Rel: "lib", ReadOnly: true}
	snap := &Record{Jail: "r", Root: "/j", State: "running", JID: 42, Mounts: []Mount{m1}, Created: []string{"/j/bin"}}
	w := Load(dir, "r", t.Errorf)
	w.Rec = snap
	if err := w.Snapshot(true); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var lines []string
	for _, e := range []Event{
		{Ev: "mount", M: &m1}, // already in the snapshot
		{Ev: "created", Paths: []string{"/j/bin"}},
		{Ev: "mount", M: &m2},
		{Ev: "unmount", Paths: []string{"/j/bin"}},
		{Ev: "jid"},
	} {
		b, _ := json.Marshal(e)
		lines = append(lines, string(b))
	}
	torn := strings.Join(lines, "\n") + "\n{\"ev\":\"unmount\",\"pa"
	if err := os.WriteFile(filepath.Join(dir.Name(), "r.journal"), []byte(torn), 0o600); err != nil {
		t.Fatal(err)
	}
	var warned []string
	w = Load(dir, "r", func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) })
	w.Close()
	r := w.Rec
	if r == nil {
		t.Fatal("no record")
	}
	if len(r.Mounts) != 1 || r.Mounts[0] != m2 {
		t.Errorf("mounts = %+v, want only %+v", r.Mounts, m2)
	}
	if !slices.Equal(r.Created, []string{"/j/bin"}) {
		t.Errorf("created = %v", r.Created)
	}
	if r.JID != 0 || r.Root != "/j" {
		t.Errorf("jid %d root %q", r.JID, r.Root)
	}
	if len(warned) != 1 {
		t.Errorf("warnings = %q, want one for the torn line", warned)
	}
}
