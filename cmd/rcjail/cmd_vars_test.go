package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func varsRoot(t *testing.T, rc string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "rc.conf"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func runVarsCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	st := run(context.Background(), args, &out, &errb)
	return st, out.String(), errb.String()
}

// TestVarsVerb: sorted name=value lines quoted for sh, the jail_ prefix by
// default, any other prefix on request.
func TestVarsVerb(t *testing.T) {
	root := varsRoot(t, `jail_list="web db"
jail_web_note='it'"'"'s $x'
jail_db_ip=10.0.0.1
jail_db_empty=
other=1
jail_web_multi="a
b"
`)
	st, out, errs := runVarsCmd(t, "-R", root, "vars")
	if st != 0 || errs != "" {
		t.Fatalf("vars: status %d, stderr %q", st, errs)
	}
	want := `jail_db_empty=''
jail_db_ip=10.0.0.1
jail_list='web db'
jail_web_multi='a
b'
jail_web_note='it'"'"'s $x'
`
	if out != want {
		t.Errorf("vars output:\n%s\nwant:\n%s", out, want)
	}
	st, out, _ = runVarsCmd(t, "-R", root, "vars", "oth")
	if st != 0 || out != "other=1\n" {
		t.Errorf("vars oth: status %d, output %q", st, out)
	}
	// The output is valid sh that gives back the same values.
	st, out, _ = runVarsCmd(t, "-R", root, "vars", "")
	if st != 0 || !strings.Contains(out, "_rc_conf_loaded=true\n") {
		t.Errorf("vars \"\": status %d, output %q", st, out)
	}
	again := varsRoot(t, out)
	st, out2, _ := runVarsCmd(t, "-R", again, "vars", "")
	if st != 0 || out2 != out {
		t.Errorf("vars output does not round-trip through sh:\n%s\nvs\n%s", out, out2)
	}
}

func TestVarsJSON(t *testing.T) {
	root := varsRoot(t, "jail_a=1\nf() { jail_b=\"x y\"; }\nf\n")
	st, out, errs := runVarsCmd(t, "-R", root, "vars", "--json")
	if st != 0 {
		t.Fatalf("status %d: %s", st, errs)
	}
	got, err := varsJSON(out)
	if err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	want := map[string]varOut{
		"jail_a": {Var: "jail_a", Value: "1", File: "/etc/rc.conf", Line: 1},
		"jail_b": {Var: "jail_b", Value: "x y", File: "/etc/rc.conf", Line: 2},
	}
	if len(got) != len(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %+v, want %+v", k, got[k], w)
		}
	}
}

// TestVarsErrors: an evaluation error goes to stderr, prefixed with the
// program name, with status 1 and nothing on stdout.
func TestVarsErrors(t *testing.T) {
	root := varsRoot(t, "jail_a=1\n  exit 3\n")
	st, out, errs := runVarsCmd(t, "-R", root, "--name", "/etc/rc.d/jail", "vars")
	if st != 1 || out != "" {
		t.Errorf("status %d, stdout %q", st, out)
	}
	if want := "/etc/rc.d/jail: vars: /etc/rc.conf:2:3: exit 3: rc.conf exits the shell (rc.d/jail would stop here)\n"; errs != want {
		t.Errorf("stderr %q, want %q", errs, want)
	}
	st, _, errs = runVarsCmd(t, "-R", root, "vars", "a", "b")
	if st != 2 || !strings.Contains(errs, "at most one PREFIX") {
		t.Errorf("two prefixes: status %d, stderr %q", st, errs)
	}
}

// TestVarsUnknown: under -R a value that needs a program is reported
// unknown with the reason and file:line (a comment in plain output,
// "unknown" in JSON), and the rest resolves.
func TestVarsUnknown(t *testing.T) {
	root := varsRoot(t, "jail_a=1\njail_b=$(uname -r)\njail_c=\"$jail_b.x\"\n")
	st, out, errs := runVarsCmd(t, "-R", root, "vars")
	want := "jail_a=1\n# jail_b: unknown (command substitution $(uname -r) (command \"uname -r\") at /etc/rc.conf:2)\n" +
		"# jail_c: unknown (command substitution $(uname -r) (command \"uname -r\") at /etc/rc.conf:2)\n"
	if st != 0 || out != want || errs != "" {
		t.Errorf("status %d, stdout\n%s\nwant\n%s\nstderr %q", st, out, want, errs)
	}
	st, out, _ = runVarsCmd(t, "-R", root, "vars", "--json")
	got, err := varsJSON(out)
	if err != nil || st != 0 {
		t.Fatalf("status %d, output %q: %v", st, out, err)
	}
	if b := got["jail_b"]; b.Value != "" || !strings.Contains(b.Unknown, "$(uname -r)") || !strings.Contains(b.Unknown, "/etc/rc.conf:2") {
		t.Errorf("jail_b = %+v", b)
	}
	if a := got["jail_a"]; a.Value != "1" || a.Unknown != "" {
		t.Errorf("jail_a = %+v", a)
	}
}

// varsJSON reads vars --json (schema 1) into a map by variable name.
func varsJSON(out string) (map[string]varOut, error) {
	var doc struct {
		Schema  int      `json:"schema"`
		Command string   `json:"command"`
		Vars    []varOut `json:"vars"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		return nil, err
	}
	if doc.Schema != 1 || doc.Command != "vars" {
		return nil, fmt.Errorf("schema %d, command %q; want 1, vars", doc.Schema, doc.Command)
	}
	m := map[string]varOut{}
	for _, v := range doc.Vars {
		m[v.Var] = v
	}
	return m, nil
}

// TestUnknownKnobRefusesOneJail: under -R, a jail whose knob comes from a
// program is refused by check and by start -n, naming the variable, the
// reason and the file:line; the other jail of the same chain goes on, and
// show gives the knob's origin as unknown (…).
func TestUnknownKnobRefusesOneJail(t *testing.T) {
	ja, jb := t.TempDir(), t.TempDir()
	root := varsRoot(t, "jail_enable=YES\njail_list=\"a b\"\njail_a_rootdir="+ja+"\njail_a_hostname=a.example.org\n"+
		"jail_a_ip=\"$(cat /etc/ip.a)\"\njail_b_rootdir="+jb+"\njail_b_hostname=b.example.org\njail_test_ip = \"10.0.0.6\"\n")
	const why = `jail_a_ip="": value unknown without running the rc.conf chain: command substitution $(cat /etc/ip.a) (command "cat /etc/ip.a") at /etc/rc.conf:5`
	st, out, errs := runVarsCmd(t, "-R", root, "check")
	if st == 0 || !strings.Contains(errs, why) || !strings.Contains(out, "jail b: ok") || strings.Contains(out, "jail a: ok") {
		t.Errorf("check: status %d, stdout %q, stderr %q", st, out, errs)
	}
	st, out, errs = runVarsCmd(t, "-R", root, "-n", "start")
	if !strings.Contains(errs, why) || !strings.Contains(out, "b.example.org") || strings.Contains(out, "a.example.org") {
		t.Errorf("start -n: status %d, stdout %q, stderr %q", st, out, errs)
	}
	_, out, _ = runVarsCmd(t, "-R", root, "show", "a")
	if !strings.Contains(out, `unknown (command substitution $(cat /etc/ip.a)`) {
		t.Errorf("show a does not say the ip is unknown:\n%s", out)
	}
}
