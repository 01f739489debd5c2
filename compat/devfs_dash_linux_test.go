package compat

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// dashRulesLoop reads a devfs.rules file the way rc.subr's loader does (read
// without -r, "#" lines skipped, [name=N] headers assigning name=N, other
// lines eval'd after the ruleset number) and prints each devfs call's
// arguments as <N><arg>… per line. Written for this test.
const dashRulesLoop = `
n=
while read line; do
	case $line in
	\#*) continue ;;
	\[*\]*)
		n=$(expr "$line" : "\[.*=\([0-9]*\)\]")
		nm=$(expr "$line" : "\[\(.*\)=[0-9]*\]")
		eval $nm=\$n
		printf '<%s><delset>\n' "$n" ;;
	*)
		if [ -n "$line" ]; then
			eval printf "'<%s>'" $n $line
			echo
		fi ;;
	esac
done < "$1"
`

// TestDevfsRulesMatchDash checks loadDevfsRules against that loop in dash.
func TestDevfsRulesMatchDash(t *testing.T) {
	file := filepath.Join(t.TempDir(), "devfs.rules")
	text := testRules + "[more=7]\nadd path 'a  b' unhide\nadd path x\\ y mode 0660 # c\nadd include ${devfsrules_jail}\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("dash", "-c", dashRulesLoop, "sh", file).Output()
	if err != nil {
		t.Fatalf("dash: %v", err)
	}
	d := loadDevfsRules(mapFS{"/r": text}, []string{"/r"})
	if d.err != nil {
		t.Fatalf("loadDevfsRules: %+v", d.err)
	}
	var got strings.Builder
	for _, r := range d.rules {
		got.WriteString("<" + strconv.Itoa(r.Ruleset) + ">")
		for _, a := range r.Args {
			got.WriteString("<" + a + ">")
		}
		got.WriteString("\n")
	}
	if got.String() != string(out) {
		t.Errorf("loadDevfsRules:\n%s\ndash:\n%s", got.String(), out)
	}
}

// TestSplitBlanksMatchesDash: hook values split like the script's unquoted
// ${out} (globs aside, which splitBlanks refuses).
func TestSplitBlanksMatchesDash(t *testing.T) {
	for _, in := range []string{"/usr/local/bin/pre0 www", "  a\t'b c' \"d\"\n$x ", `a\ b`, "x"} {
		w, err := splitBlanks(in)
		if err != nil {
			t.Fatalf("splitBlanks(%q): %v", in, err)
		}
		out, err := exec.Command("dash", "-c", `out=$1; printf '<%s>' ${out}`, "sh", in).Output()
		if err != nil {
			t.Fatalf("dash: %v", err)
		}
		if got := "<" + strings.Join(w, "><") + ">"; got != string(out) {
			t.Errorf("%q: splitBlanks %s, dash %s", in, got, out)
		}
	}
}
