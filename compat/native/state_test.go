package native

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rcjail/compat"
)

// TestEventEncoding: the hand-written journal encoding is byte for byte
// encoding/json's (plus the newline) for every kind of event, empty and
// full fields, and strings that need escaping (quotes, backslashes,
// control characters, HTML characters, non-ASCII, invalid UTF-8), and it
// decodes back to the same event.
func TestEventEncoding(t *testing.T) {
	odd := []string{"", "plain/path", `q"uote`, `back\slash`, "tab\tnew\nline\x00nul\x1f", "<a&b>", "a<b", "a>b", "a&b", "é ünïcode 日本", "bad\xffutf8\xc3", "\u2028\u2029", "\x7f"}
	var evs []event
	for _, ev := range []string{"begin", "root", "state", "jid", "mount", "unmount", "created", "uncreated", "alias", "unalias"} {
		evs = append(evs, event{Ev: ev})
	}
	for i, s := range odd {
		m := RecMount{ID: uint64(i), UniqueID: uint64(i) << 40, FSType: s, Source: s, Root: "/j" + s, Rel: s, ReadOnly: i%2 == 0}
		a := compat.Addr{Iface: s, Family: "inet", Addr: s, Mask: "/32"}
		evs = append(evs,
			event{Ev: "begin", Root: s},
			event{Ev: "state", State: s},
			event{Ev: "jid", JID: i * 1000},
			event{Ev: "jid", JID: -i},
			event{Ev: "mount", M: &m},
			event{Ev: "mount", M: &RecMount{}},
			event{Ev: "unmount", Paths: []string{s}},
			event{Ev: "created", Paths: []string{s, "/x", s}},
			event{Ev: "created", Paths: []string{}},
			event{Ev: "alias", Addr: &a},
			event{Ev: s, Root: s, State: s, JID: 1, M: &m, Paths: odd, Addr: &compat.Addr{}},
		)
	}
	for _, e := range evs {
		want, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		got := e.appendJSON([]byte("prefix"))
		if string(got) != "prefix"+string(want)+"\n" {
			t.Errorf("event %+v:\n got %q\nwant %q", e, got[len("prefix"):], string(want)+"\n")
			continue
		}
		var back, wantBack event
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

// TestRecMountAt: the piecewise target comparison answers exactly as
// comparing Target(), for clean entries (the fast path) and for the odd
// ones a hand-edited record may hold (the fallback).
func TestRecMountAt(t *testing.T) {
	roots := []string{"/j", "/j/", "/", "", "j", "/a/../j", "/j/b", "//j", "/j/."}
	rels := []string{"bin", "usr/lib", "usr//lib", "usr/./lib", "usr/lib/.", "usr/x/../lib", "", ".", "..", "../j/bin", "./bin", "bin/", "b/../bin", "/bin", "lib/..", "..bin"}
	fulls := []string{"/j/bin", "/j/usr/lib", "/j", "/", "/bin", "/j/b/bin", "j/bin", "/j/..bin", "/j/bin/", "/jbin", "/j//bin", "/j/lib"}
	n := 0
	for _, root := range roots {
		for _, rel := range rels {
			m := RecMount{Root: root, Rel: rel}
			for _, full := range fulls {
				want := m.Target() == full
				if got := m.at(full); got != want {
					t.Errorf("RecMount{Root: %q, Rel: %q}.at(%q) = %v, want %v (Target %q)", root, rel, full, got, want, m.Target())
				}
				if want {
					n++
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d matching cases: the table tests little", n)
	}
}
