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

// TestRel: a step's path relative to its jail root, refused unless it lies
// strictly below the root (the root itself, a sibling sharing the prefix,
// another tree).
func TestRel(t *testing.T) {
	for _, c := range []struct{ root, p, want string }{
		{"/j", "/j/bin", "bin"},
		{"/j", "/j/usr/lib", "usr/lib"},
		{"/j", "/j", ""},
		{"/j", "/jbin", ""},
		{"/j", "/k/bin", ""},
		{"/j/a", "/j", ""},
	} {
		got, err := rel(c.root, c.p)
		if got != c.want || (err == nil) != (c.want != "") {
			t.Errorf("rel(%q, %q) = %q, %v; want %q", c.root, c.p, got, err, c.want)
		}
	}
}
