package compat

import "testing"

func TestClosest(t *testing.T) {
	for _, c := range []struct {
		word  string
		cands []string
		want  string
	}{
		{"chek", []string{"check", "convert", "show"}, "check"},
		{"wwww", []string{"db", "www"}, "www"},
		{"hostnmae", []string{"hostname", "rootdir"}, "hostname"}, // a swap is one edit
		{"devfs_rulset", []string{"devfs_ruleset", "devfs_enable"}, "devfs_ruleset"},
		{"frobnicate", []string{"check", "show"}, ""},
		{"x", []string{"y", "z"}, ""}, // too short to guess
		{"dbb", []string{"db"}, "db"},
		{"www", []string{"www"}, ""}, // the word itself is no suggestion
		{"stat", []string{"start", "status"}, "start"},
		{"", []string{"a"}, ""},
	} {
		if got := Closest(c.word, c.cands); got != c.want {
			t.Errorf("Closest(%q, %q) = %q, want %q", c.word, c.cands, got, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"abc", "abc", 0},
		{"abc", "acb", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
