package compat

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitWordsAccepted(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"/bin/sh /etc/rc", []string{"/bin/sh", "/etc/rc"}},
		{"  -l   -U\troot  ", []string{"-l", "-U", "root"}},
		{`/bin/echo 'a b' "c d"`, []string{"/bin/echo", "a b", "c d"}},
		// Field splitting before eval collapses blanks inside quotes.
		{"/bin/echo 'a  b' \"c\td\"", []string{"/bin/echo", "a b", "c d"}},
		{`/bin/echo a\ b`, []string{"/bin/echo", "a b"}},
		{`/bin/echo "x\"y" "\$HOME" "a\b"`, []string{"/bin/echo", `x"y`, "$HOME", `a\b`}},
		{`/bin/echo 'it''s'`, []string{"/bin/echo", "its"}},
		{`/bin/echo ''`, []string{"/bin/echo", ""}},
		{`/bin/echo 'a;b|c&d>e$f*g'`, []string{"/bin/echo", "a;b|c&d>e$f*g"}},
		{`/bin/echo \*`, []string{"/bin/echo", "*"}},
		{`/bin/echo a\`, []string{"/bin/echo", `a\`}},
		{`/bin/sh /etc/rc # started by rcjail`, []string{"/bin/sh", "/etc/rc"}},
		{`/bin/echo a#b`, []string{"/bin/echo", "a#b"}},
		{"", nil},
		{"   ", nil},
	} {
		got, err := splitWords(tc.in)
		if err != nil {
			t.Errorf("splitWords(%q): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("splitWords(%q) (-want +got)\n%s", tc.in, d)
		}
	}
}

func TestSplitWordsRefused(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"/bin/sh /etc/rc; rm -rf /", `";" separates commands: a shell would run a second command`},
		{"/bin/a | /bin/b", `"|" would make a shell run a pipeline`},
		{"/bin/a & /bin/b", `"&" would run the command in the background and start another`},
		{"/bin/a &", `"&" would run the command in the background and start another`},
		{"/bin/a && /bin/b", `"&&" would make a shell run a second command`},
		{"/bin/a || /bin/b", `"||" would make a shell run a second command`},
		{"/bin/a > /etc/passwd", `redirection ">" would make a shell open a file`},
		{"/bin/a 2>&1", `redirection ">&" would make a shell open a file`},
		{"/bin/a < /x", `redirection "<" would make a shell open a file`},
		{"/bin/echo $(id)", "command substitution would make a shell run a command"},
		{"/bin/echo `id`", "command substitution would make a shell run a command"},
		{"/bin/echo $HOME", `"$HOME" would be replaced by a shell variable`},
		{"/bin/echo ${HOME}", `"$HOME" would be replaced by a shell variable`},
		{`/bin/echo "$HOME"`, `"$HOME" would be replaced by a shell variable`},
		{`/bin/echo "$(id)"`, "command substitution would make a shell run a command"},
		{"/bin/echo $((1+1))", `arithmetic expansion "$((" would be evaluated by a shell`},
		{"/bin/ls *", `glob character "*" would be expanded against the host's files`},
		{"/bin/ls a?", `glob character "?" would be expanded against the host's files`},
		{"/bin/ls [ab]", `glob character "[" would be expanded against the host's files`},
		{"/bin/ls ~root", `"~" would be replaced by a home directory`},
		{"/bin/a\n/bin/b", "a newline would end the command and start another"},
		{"/bin/a\r", "a newline would end the command and start another"},
		{"/bin/a \x01", `control character "\x01"`},
		{"FOO=bar /bin/a", `"FOO=" is a variable assignment to a shell`},
		{"! /bin/a", `"!" would negate the command's status`},
		{"(/bin/a)", `"(" would make a shell run a subshell`},
		{"{ /bin/a; }", `"{" would make a shell run a command group`},
		{"if true; then /bin/a; fi", "a shell compound command is not a plain command line"},
		{"f() { /bin/a; }", "a function definition is not a command line"},
		{`/bin/echo 'unterminated`, "not a valid shell command line: "},
		{`/bin/echo $'x'`, `"$'" quoting is not POSIX sh`},
	} {
		_, err := splitWords(tc.in)
		if err == nil {
			t.Errorf("splitWords(%q) accepted", tc.in)
			continue
		}
		if !strings.HasPrefix(err.Error(), tc.msg) {
			t.Errorf("splitWords(%q) = %q, want %q", tc.in, err, tc.msg)
		}
	}
}

func TestSplitBlanks(t *testing.T) {
	got, err := splitBlanks("  /usr/local/bin/pre0\t'www' \"a b\"\n$x ")
	if err != nil {
		t.Fatal(err)
	}
	// Quotes and $ are ordinary characters for an unquoted expansion.
	if d := cmp.Diff([]string{"/usr/local/bin/pre0", "'www'", `"a`, `b"`, "$x"}, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	for _, in := range []string{"/bin/rm /tmp/*", "/bin/ls a?", "/bin/ls [a]"} {
		_, err := splitBlanks(in)
		if err == nil || !strings.Contains(err.Error(), "the script's unquoted expansion would expand it") {
			t.Errorf("splitBlanks(%q) = %v, want a glob refusal", in, err)
		}
	}
	if _, err := splitBlanks("/bin/a\x07"); err == nil {
		t.Errorf("control character accepted")
	}
}

// FuzzSplitWords checks that whatever splitWords accepts, quoting the words
// again and splitting gives the same words back, and that accepted words
// never carry a shell-active character outside what quoting allowed.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{
		"/bin/sh /etc/rc", `-l -U root`, `a 'b c' "d\"e"`, `a\ b`, "a;b", "a|b", "$x", "`x`",
		"a > b", "*", "~x", `"unterminated`, "a # c", "a\nb", `'$HOME'`, `"\$HOME"`, "x=y z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := splitWords(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(s, "\n\r") {
			t.Fatalf("accepted a newline: %q", s)
		}
		// Round trip: backslash-escape every character of every word (single
		// quotes would not survive: the script's field splitting before
		// eval collapses blanks even inside quotes).
		var q []string
		for _, x := range w {
			if x == "" {
				q = append(q, "''")
				continue
			}
			var e strings.Builder
			for _, r := range x {
				if r == ' ' {
					e.WriteString(`" "`)
					continue
				}
				e.WriteByte('\\')
				e.WriteRune(r)
			}
			q = append(q, e.String())
		}
		w2, err := splitWords(strings.Join(q, " "))
		if err != nil {
			t.Fatalf("requoted %q: %v", q, err)
		}
		if len(w) == 0 {
			w = nil
		}
		if len(w2) == 0 {
			w2 = nil
		}
		if d := cmp.Diff(w, w2); d != "" {
			t.Fatalf("round trip of %q (-first +second)\n%s", s, d)
		}
	})
}
