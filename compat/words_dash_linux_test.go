package compat

import (
	"os/exec"
	"strings"
	"testing"
)

// TestSplitWordsMatchesDash runs each accepted value through a real ash-family
// shell the way the 8.x script does (an unquoted expansion handed to eval)
// and requires splitWords to give the same words. dash is a CI dependency
// (.ci/run installs it) and shares FreeBSD sh's ash ancestry.
func TestSplitWordsMatchesDash(t *testing.T) {
	for _, in := range []string{
		"/bin/sh /etc/rc", "  -l   -U\troot  ", `/bin/echo 'a b' "c d"`, "/bin/echo 'a  b' \"c\td\"",
		`a\ b`, `"x\"y" "\$HOME" "a\b"`, `'it''s'`, `x ''`, `a #c d`, `a\`, `"a\\b"`, `x\\y`, `"  "`,
		`a\  b`, `'a'\''b'`, `"\q"`, `\"`, "a\tb  c", `/bin/echo 'a;b|c&d>e$f*g'`, `/bin/echo \*`, `a#b`,
	} {
		w, err := splitWords(in)
		if err != nil {
			t.Errorf("splitWords(%q): %v", in, err)
			continue
		}
		out, err := exec.Command("dash", "-c", `x=$1; eval printf "'<%s>'" ${x}`, "sh", in).Output()
		if err != nil {
			t.Fatalf("dash on %q: %v", in, err)
		}
		var got strings.Builder
		for _, x := range w {
			got.WriteString("<" + x + ">")
		}
		if got.String() != string(out) {
			t.Errorf("%q: splitWords %s, dash %s", in, got.String(), out)
		}
	}
}
