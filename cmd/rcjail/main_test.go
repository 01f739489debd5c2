package main

import (
	"bytes"
	"strings"
	"testing"
)

// Every verb's line of the usage has its description in one column, however
// long the synopses of the verbs registered are (issue 13: aligned usage).
func TestUsageAligned(t *testing.T) {
	var b bytes.Buffer
	usage(&b)
	col := -1
	n := 0
	for _, l := range strings.Split(b.String(), "\n") {
		if !strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "   ") {
			continue
		}
		syn, desc, ok := strings.Cut(strings.TrimPrefix(l, "  "), "  ")
		if !ok || strings.TrimSpace(desc) == "" {
			t.Errorf("usage line %q has no description", l)
			continue
		}
		at := strings.Index(l, strings.TrimSpace(desc))
		if col < 0 {
			col = at
		} else if at != col {
			t.Errorf("usage line %q: description at column %d, others at %d", l, at, col)
		}
		if strings.Contains(syn, "\t") {
			t.Errorf("usage line %q has a tab", l)
		}
		n++
	}
	if n < len(commands) {
		t.Errorf("usage has %d verb lines, want at least one per registered verb (%d)", n, len(commands))
	}
}

// Each verb's usage is "synopsis  description", which the usage and the
// errors of verbArgs rely on.
func TestVerbUsageShape(t *testing.T) {
	for name, c := range commands {
		if !strings.HasPrefix(synopsis(c.usage), name) {
			t.Errorf("verb %s: synopsis %q does not start with the verb", name, synopsis(c.usage))
		}
		if description(c.usage) == "" {
			t.Errorf("verb %s: usage %q has no description after two blanks", name, c.usage)
		}
		for _, o := range c.opts {
			if !strings.Contains(synopsis(c.usage), "--"+o.name) {
				t.Errorf("verb %s: option --%s is not in the synopsis %q", name, o.name, synopsis(c.usage))
			}
		}
	}
}

func TestVerbArgs(t *testing.T) {
	c := &command{name: "x", opts: []opt{{name: "json"}, {name: "b", arg: "backend"}}}
	for _, tc := range []struct {
		in      []string
		want    string
		wantErr string
	}{
		{[]string{"www", "--json", "db"}, "--json www db", ""},
		{[]string{"-json", "www"}, "--json www", ""},
		{[]string{"www", "-b", "native"}, "--b=native www", ""},
		{[]string{"--b=command", "www"}, "--b=command www", ""},
		{[]string{"www", "-b"}, "", "option --b needs a value (backend)"},
		{[]string{"--json=1"}, "", "option --json takes no value"},
		{[]string{"-n", "www"}, "", `unknown option "-n"`},
		{[]string{"--"}, "", `unknown option "--"`},
		{[]string{"-"}, "", `unknown option "-"`},
		{[]string{"--jsno"}, "", `unknown option "--jsno" (did you mean --json?)`},
	} {
		got, err := verbArgs(c, tc.in)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("verbArgs(%q): error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("verbArgs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
