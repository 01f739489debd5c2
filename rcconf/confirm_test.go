package rcconf_test

// The dash confirm tests: every fixture tree under testdata/confirm is loaded
// twice, once by rcconf.Load and once by a real dash running the very same
// driver text (rcconf.Driver) with the tree's etc bind-mounted on /etc in a
// private mount namespace, so both shells see the same path strings. Every
// variable set at the end must be equal on both sides; see
// confirm_linux_test.go for the dash side.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rcjail/mount/mounttest"
	"rcjail/rcconf"
	"rcjail/rcconf/rcconftest"
)

// confirmDir holds one fixture root per directory.
const confirmDir = "testdata/confirm"

// refusePrefix marks trees that are not in the equivalence set: rcconf refuses
// them on purpose (see confirmRefusals).
const refusePrefix = "refuse-"

// shellInternal lists the variables a shell sets up for itself rather than
// because of anything in the rc.conf chain. They are left out of the
// comparison on both sides, and only they: dash's start-up set (IFS, OPTIND,
// PATH, PPID, PS1, PS2, PS4, PWD), what cd or getopts would add (OLDPWD,
// OPTARG), what other shells and mvdan.cc/sh add (HOME, UID, EUID, GID, SHELL,
// TMPDIR, LINENO, RANDOM, SECONDS, PS3, MAIL*, ENV, HISTFILE), and the
// driver's own locals (they are local to load_rc_config, so a correct loader
// never shows them; a leak is the driver's business, not the rc.conf's). No
// fixture assigns any of these names.
var shellInternal = map[string]bool{
	"PATH": true, "PWD": true, "OLDPWD": true, "IFS": true,
	"PS1": true, "PS2": true, "PS3": true, "PS4": true,
	"OPTIND": true, "OPTARG": true, "PPID": true, "HOME": true,
	"UID": true, "EUID": true, "GID": true, "SHELL": true, "TMPDIR": true,
	"LINENO": true, "RANDOM": true, "SECONDS": true,
	"MAIL": true, "MAILCHECK": true, "MAILPATH": true, "ENV": true, "HISTFILE": true,
	"_name": true, "_d": true, "_f": true, "_dirs": true,
}

// confirmRefusal is a tree rcconf must refuse: the error must be an
// *rcconf.Error at file:line whose text holds every string of want. dashFails
// says whether dash itself stops on the tree (non-zero exit) or accepts it.
type confirmRefusal struct {
	file      string
	line      int
	want      []string
	dashFails bool
}

// confirmRefusals is the expected-refusal table, one entry per refuse-* tree.
var confirmRefusals = map[string]confirmRefusal{
	// dash exits on the violation; rcconf must stop too, not go on.
	"refuse-readonly-violation": {file: "/etc/rc.conf", line: 5, want: []string{"jail_rr_rootdir"}, dashFails: true},
	// ${x:?msg} on an unset variable aborts dash with msg.
	"refuse-unset-required": {file: "/etc/rc.conf", line: 4, want: []string{"jail_ru_name must be set"}, dashFails: true},
	// A syntax error in a sourced file aborts dash at that file.
	"refuse-syntax-error": {file: "/etc/rc.conf.local", line: 4, want: nil, dashFails: true},
	// . of a missing file is an error of a special builtin: dash exits.
	"refuse-dot-missing": {file: "/etc/rc.conf", line: 5, want: []string{"/etc/rc.conf.missing"}, dashFails: true},
	// exit in rc.conf ends the rc.d script; rcconf reports it instead.
	"refuse-exit": {file: "/etc/rc.conf.local", line: 3, want: []string{"exit"}, dashFails: true},
	// $((n)) with n=" 3 ": dash reads 3, FreeBSD sh stops on the trailing
	// blank; -R follows FreeBSD sh and stops, naming the arithmetic and the
	// variable; live mode takes the host shell's answer (dash's here).
	"refuse-arith-trailing-space": {file: "/etc/rc.conf", line: 8, want: []string{"arithmetic", `n: illegal number " 3 "`}},
}

// confirmTree is one fixture root and the environment both shells get.
type confirmTree struct {
	name string
	root string // absolute
	env  []string
}

// listConfirmTrees returns every fixture tree, sorted by name.
func listConfirmTrees(t *testing.T) []confirmTree {
	t.Helper()
	ents, err := os.ReadDir(confirmDir)
	if err != nil {
		t.Fatalf("list fixture trees: %v", err)
	}
	var trees []confirmTree
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		root, err := filepath.Abs(filepath.Join(confirmDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		env, err := readTreeEnv(root)
		if err != nil {
			t.Fatalf("tree %s: %v", e.Name(), err)
		}
		trees = append(trees, confirmTree{name: e.Name(), root: root, env: env})
	}
	return trees
}

// readTreeEnv reads the tree's optional "env" file: one NAME=value per line,
// blank lines ignored, nothing expanded. No file means an empty environment (not nil: nil would
// make rcconf.Load use the process environment).
func readTreeEnv(root string) ([]string, error) {
	env := []string{}
	f, err := os.Open(filepath.Join(root, "env"))
	if errors.Is(err, os.ErrNotExist) {
		return env, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		// NAME need not be a shell name: both shells must drop the ones
		// that are not (tree env-odd-names).
		name, _, ok := strings.Cut(line, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("env file line %d: %q is not NAME=value", n, line)
		}
		env = append(env, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	return env, nil
}

// dumpScript is the driver followed by the dump: dash's set builtin prints
// every set variable as name='value' (see parseDashSet).
func dumpScript(service string) string {
	return rcconf.Driver(service) + "\nset\n"
}

// parseDashSet parses the output of dash's set builtin: one name=word per
// variable, where word is shell-quoted ('…' runs, with a single quote written
// as "'" or \'), and a quoted newline belongs to the value. It accepts any
// mix of single quotes, double quotes, backslashes and plain characters, so it
// does not depend on dash's exact quoting choices.
func parseDashSet(out string) (map[string]string, error) {
	m := make(map[string]string)
	i := 0
	for i < len(out) {
		eq := strings.IndexByte(out[i:], '=')
		if eq < 0 {
			return nil, fmt.Errorf("offset %d: no '=' in %q", i, clip(out[i:]))
		}
		name := out[i : i+eq]
		if !rcconf.ValidName(name) {
			return nil, fmt.Errorf("offset %d: %q is not a variable name", i, clip(name))
		}
		i += eq + 1
		var b strings.Builder
	word:
		for i < len(out) {
			switch c := out[i]; c {
			case '\n':
				i++
				break word
			case '\'':
				j := strings.IndexByte(out[i+1:], '\'')
				if j < 0 {
					return nil, fmt.Errorf("variable %s: unterminated single quote", name)
				}
				b.WriteString(out[i+1 : i+1+j])
				i += j + 2
			case '"':
				i++
				for {
					if i >= len(out) {
						return nil, fmt.Errorf("variable %s: unterminated double quote", name)
					}
					c := out[i]
					if c == '"' {
						i++
						break
					}
					if c == '\\' && i+1 < len(out) && strings.IndexByte("$`\"\\\n", out[i+1]) >= 0 {
						if out[i+1] != '\n' {
							b.WriteByte(out[i+1])
						}
						i += 2
						continue
					}
					b.WriteByte(c)
					i++
				}
			case '\\':
				if i+1 >= len(out) {
					return nil, fmt.Errorf("variable %s: backslash at end of output", name)
				}
				if out[i+1] != '\n' {
					b.WriteByte(out[i+1])
				}
				i += 2
			default:
				b.WriteByte(c)
				i++
			}
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("variable %s printed twice", name)
		}
		m[name] = b.String()
	}
	return m, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// varsMap is every variable rcconf reports, by name.
func varsMap(v *rcconf.Vars) map[string]string {
	m := make(map[string]string)
	for _, n := range v.Names() {
		val, ok := v.Get(n)
		if !ok {
			// Names and Get disagree: keep a marker so the diff shows it.
			val = "<Names lists it, Get does not>"
		}
		m[n] = val
	}
	return m
}

// withoutInternal drops the shellInternal names.
func withoutInternal(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !shellInternal[k] {
			out[k] = v
		}
	}
	return out
}

// confirmDiff is the comparison every confirm test makes: empty when rcconf
// and dash agree on every variable outside shellInternal.
func confirmDiff(dash, rc map[string]string) string {
	return cmp.Diff(withoutInternal(dash), withoutInternal(rc))
}

// countJail counts jail_* variables, so a tree (or a loader) that yields none
// cannot pass vacuously.
func countJail(m map[string]string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, "jail_") {
			n++
		}
	}
	return n
}

func loadTree(tr confirmTree) (*rcconf.Vars, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return rcconf.Load(ctx, rcconf.Options{Root: tr.root, Env: tr.env, Timeout: time.Minute})
}

// TestConfirmDash: for every tree outside the refusal table, rcconf.Load and
// dash end with the same variables.
func TestConfirmDash(t *testing.T) {
	mounttest.RequireRoot(t)
	trees := listConfirmTrees(t)
	n := 0
	for _, tr := range trees {
		if strings.HasPrefix(tr.name, refusePrefix) {
			continue
		}
		n++
		t.Run(tr.name, func(t *testing.T) {
			if !mounttest.InNamespace(t) {
				return
			}
			confirmEqual(t, tr)
		})
	}
	t.Run("generated-1000", func(t *testing.T) {
		if !mounttest.InNamespace(t) {
			return
		}
		root := t.TempDir()
		if err := rcconftest.WriteTree(root, 1000); err != nil {
			t.Fatal(err)
		}
		confirmEqual(t, confirmTree{name: "generated-1000", root: root, env: []string{"jail_from_env=yes"}})
	})
	if n < 50 {
		t.Errorf("only %d fixture trees in the equivalence set, want at least 50", n)
	}
}

func confirmEqual(t *testing.T, tr confirmTree) {
	t.Helper()
	out, stderr, err := runDash(t, tr, dumpScript("jail"))
	if err != nil {
		t.Fatalf("dash on %s: %v\nstderr:\n%s", tr.name, err, stderr)
	}
	unk, all, needShell, err := readUnknown(tr.root)
	if err != nil {
		t.Fatal(err)
	}
	if stderr != "" && !needShell {
		t.Errorf("dash on %s wrote to stderr (a broken fixture):\n%s", tr.name, stderr)
	}
	dash, err := parseDashSet(out)
	if err != nil {
		t.Fatalf("parse dash output for %s: %v", tr.name, err)
	}
	if countJail(dash) == 0 {
		t.Fatalf("dash set no jail_ variable for %s: the fixture proves nothing", tr.name)
	}
	vars, err := loadTree(tr)
	if err != nil {
		t.Fatalf("rcconf.Load(%s): %v", tr.name, err)
	}
	got := varsMap(vars)
	if countJail(got) == 0 {
		t.Errorf("rcconf set no jail_ variable for %s", tr.name)
	}
	checkVarsConsistent(t, vars)
	// Inspection (-R): equal to dash where nothing ran, unknown exactly
	// where something would have (the tree's "unknown" file).
	known := map[string]string{}
	for n, v := range got {
		why, isUnk := vars.Unknown(n)
		switch {
		case isUnk && !unk[n] && !all && !shellInternal[n]:
			t.Errorf("tree %s: %s is unknown (%s) under -R, but the tree lists it as known", tr.name, n, why)
		case isUnk:
		default:
			known[n] = v
		}
	}
	for n := range unk {
		if _, isUnk := vars.Unknown(n); !isUnk {
			v, _ := vars.Get(n)
			t.Errorf("tree %s: %s = %q under -R, want unknown", tr.name, n, v)
		}
	}
	if _, poisoned := vars.UnknownAll(); poisoned != all {
		t.Errorf("tree %s: UnknownAll = %v, the tree says %v", tr.name, poisoned, all)
	}
	dashKnown := map[string]string{}
	for n, v := range dash {
		if _, isUnk := vars.Unknown(n); !isUnk {
			dashKnown[n] = v
		}
	}
	if d := confirmDiff(dashKnown, known); d != "" {
		t.Errorf("tree %s: rcconf -R and dash disagree on known values (-dash +rcconf):\n%s", tr.name, d)
	}
	confirmLive(t, tr, dash, stderr, needShell)
}

// readUnknown reads the tree's optional "unknown" file: the variables -R
// must report unknown, one a line; a line "*" says that anything may be
// (Vars.UnknownAll). A tree with the file needs /bin/sh in live mode (it
// runs something), even when no variable ends up unknown.
func readUnknown(root string) (unk map[string]bool, all, exists bool, err error) {
	b, err := os.ReadFile(filepath.Join(root, "unknown"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, false, nil
	}
	if err != nil {
		return nil, false, false, err
	}
	m := map[string]bool{}
	all = false
	for _, l := range strings.Split(string(b), "\n") {
		switch l = strings.TrimSpace(l); {
		case l == "" || strings.HasPrefix(l, "#"):
		case l == "*":
			all = true
		default:
			m[l] = true
		}
	}
	return m, all, true, nil
}

// confirmLive loads the tree in live mode (Root "/", the tree bound on /etc
// by runDash) with dash as /bin/sh: every value must be dash's, byte for
// byte, and what the chain's commands print on stderr must be what dash
// printed. A tree that needs no program must not start the shell at all:
// its Shell is a canary.
func confirmLive(t *testing.T, tr confirmTree, dash map[string]string, dashErr string, needShell bool) {
	t.Helper()
	shell := rcconf.DashPath(t)
	marker := filepath.Join(t.TempDir(), "ran")
	// A tree with a live-noshell file runs its programs from the
	// evaluator itself (exec.go): the shell must not run either.
	if _, err := os.Stat(filepath.Join(tr.root, "live-noshell")); err == nil {
		needShell = false
	}
	if !needShell {
		shell = filepath.Join(t.TempDir(), "canary")
		if err := os.WriteFile(shell, []byte("#!/bin/sh\ntouch '"+marker+"'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var stderr strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	vars, err := rcconf.Load(ctx, rcconf.Options{Root: "/", Env: tr.env, Timeout: time.Minute, Shell: shell, Stderr: &stderr})
	if err != nil {
		t.Fatalf("live rcconf.Load(%s): %v", tr.name, err)
	}
	if _, err := os.Stat(marker); err == nil || !needShell && vars.Shell() {
		t.Errorf("tree %s: live mode used the shell, where it needs none", tr.name)
	}
	got := varsMap(vars)
	if d := confirmDiff(dash, got); d != "" {
		t.Errorf("tree %s: live rcconf and dash disagree (-dash +rcconf):\n%s", tr.name, d)
	}
	for _, n := range vars.Names() {
		if why, ok := vars.Unknown(n); ok {
			t.Errorf("tree %s: %s unknown in live mode: %s", tr.name, n, why)
		}
	}
	if stderr.String() != dashErr {
		t.Errorf("tree %s: live stderr\n%q\nwant dash's\n%q", tr.name, stderr.String(), dashErr)
	}
}

// checkVarsConsistent checks the Vars accessors against each other: Names is
// sorted without duplicates, and Lookup agrees with Get for every name.
func checkVarsConsistent(t *testing.T, vars *rcconf.Vars) {
	t.Helper()
	names := vars.Names()
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("Names() not sorted or repeated at %q, %q", names[i-1], names[i])
		}
	}
	for _, n := range names {
		val, _ := vars.Get(n)
		v, ok := vars.Lookup(n)
		if !ok || v.Name != n || v.Value != val {
			t.Errorf("Lookup(%q) = %+v, %v; Get gives %q", n, v, ok, val)
		}
	}
}

// TestConfirmRefusals: every refuse-* tree is in the table and every table
// entry has a tree; rcconf refuses each with an error at the right file:line
// naming the culprit, and dash either accepts it (rcconf is stricter on
// purpose) or fails on it too.
func TestConfirmRefusals(t *testing.T) {
	mounttest.RequireRoot(t)
	seen := map[string]bool{}
	for _, tr := range listConfirmTrees(t) {
		if !strings.HasPrefix(tr.name, refusePrefix) {
			continue
		}
		seen[tr.name] = true
		want, ok := confirmRefusals[tr.name]
		if !ok {
			t.Errorf("tree %s has no entry in confirmRefusals", tr.name)
			continue
		}
		t.Run(tr.name, func(t *testing.T) {
			if !mounttest.InNamespace(t) {
				return
			}
			out, stderr, err := runDash(t, tr, dumpScript("jail"))
			switch {
			case want.dashFails && err == nil:
				t.Errorf("dash accepted %s, expected it to fail; output:\n%s", tr.name, out)
			case !want.dashFails && err != nil:
				t.Errorf("dash failed on %s, expected it to accept it: %v\n%s", tr.name, err, stderr)
			case !want.dashFails:
				dash, perr := parseDashSet(out)
				if perr != nil || countJail(dash) == 0 {
					t.Errorf("dash output for %s unusable (%v)", tr.name, perr)
				}
				// Live mode: the host's shell decides.
				confirmLive(t, tr, dash, stderr, true)
			default:
				// Live mode stops where the shell stops, naming it.
				v, err := rcconf.Load(context.Background(), rcconf.Options{Root: "/", Env: tr.env, Shell: rcconf.DashPath(t), Stderr: io.Discard})
				if err == nil {
					t.Errorf("live rcconf.Load(%s) accepted it: %v", tr.name, v.Names())
				}
			}
			vars, err := loadTree(tr)
			if err == nil {
				t.Fatalf("rcconf.Load(%s) accepted it; variables: %v", tr.name, vars.Names())
			}
			if vars != nil {
				t.Errorf("rcconf.Load(%s) returned variables along with its error", tr.name)
			}
			var rerr *rcconf.Error
			if !errors.As(err, &rerr) {
				t.Fatalf("rcconf.Load(%s) error %v (%T) is not an *rcconf.Error", tr.name, err, err)
			}
			if rerr.File != want.file || rerr.Line != want.line {
				t.Errorf("rcconf.Load(%s) error at %s:%d, want %s:%d: %v", tr.name, rerr.File, rerr.Line, want.file, want.line, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("%s:%d", want.file, want.line)) {
				t.Errorf("error text %q does not name %s:%d", msg, want.file, want.line)
			}
			for _, w := range want.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error text %q does not mention %q", msg, w)
				}
			}
		})
	}
	for name := range confirmRefusals {
		if !seen[name] {
			t.Errorf("confirmRefusals names %s, but there is no such tree", name)
		}
	}
}

// TestConfirmDetectsMutation runs one real tree (local-overrides) through both
// sides and then changes the dash side in each way a broken loader could
// differ (a changed value, an empty value turned unset, an extra variable, a
// changed jail_list):
// confirmDiff must report every one, naming the variable, and must still
// ignore the shell-internal names.
func TestConfirmDetectsMutation(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	var tr confirmTree
	for _, x := range listConfirmTrees(t) {
		if x.name == "local-overrides" {
			tr = x
		}
	}
	if tr.root == "" {
		t.Fatal("fixture tree local-overrides is missing")
	}
	out, stderr, err := runDash(t, tr, dumpScript("jail"))
	if err != nil {
		t.Fatalf("dash: %v\n%s", err, stderr)
	}
	dash, err := parseDashSet(out)
	if err != nil {
		t.Fatal(err)
	}
	vars, err := loadTree(tr)
	if err != nil {
		t.Fatalf("rcconf.Load: %v", err)
	}
	got := varsMap(vars)
	if d := confirmDiff(dash, got); d != "" {
		t.Fatalf("baseline differs, cannot test mutations:\n%s", d)
	}
	mutations := []struct {
		name   string
		mutate func(m map[string]string)
	}{
		{"jail_lo2_hostname", func(m map[string]string) { m["jail_lo2_hostname"] += "x" }},
		{"jail_interface", func(m map[string]string) { delete(m, "jail_interface") }},
		{"jail_extra_from_nowhere", func(m map[string]string) { m["jail_extra_from_nowhere"] = "" }},
		{"jail_list", func(m map[string]string) { m["jail_list"] = "lo1 lo2 " }},
	}
	for _, mu := range mutations {
		if _, ok := dash[mu.name]; !ok && mu.name != "jail_extra_from_nowhere" {
			t.Fatalf("dash output lacks %s, the mutation would prove nothing", mu.name)
		}
		m := make(map[string]string, len(dash))
		for k, v := range dash {
			m[k] = v
		}
		mu.mutate(m)
		d := confirmDiff(m, got)
		if d == "" || !strings.Contains(d, mu.name) {
			t.Errorf("mutating %s: diff %q does not report it", mu.name, d)
		}
	}
	m := make(map[string]string, len(dash))
	for k, v := range dash {
		m[k] = v
	}
	m["IFS"], m["PPID"], m["_d"] = "x", "1", "leak"
	if d := confirmDiff(m, got); d != "" {
		t.Errorf("shell-internal names were compared:\n%s", d)
	}
}

// TestParseDashSet checks the parser on hand-written dumps in every quoting
// style set may use.
func TestParseDashSet(t *testing.T) {
	in := "A='plain'\n" +
		"B='it'\"'\"'s'\n" +
		"C=''\n" +
		"D='two\nlines'\n" +
		"E=''\"''\"\n" +
		"F='trailing\n\n'\n" +
		"G=it\\'s\n" +
		"H=\"dq \\\"x\\\" \\$y \\\\ \\z\"\n" +
		"I=bare\n" +
		"J=\n" +
		"K='a=b'\n" +
		"L='\n'\n"
	want := map[string]string{
		"A": "plain", "B": "it's", "C": "", "D": "two\nlines", "E": "''",
		"F": "trailing\n\n", "G": "it's", "H": `dq "x" $y \ \z`, "I": "bare",
		"J": "", "K": "a=b", "L": "\n",
	}
	got, err := parseDashSet(in)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("parse (-want +got):\n%s", d)
	}
	for _, bad := range []string{"A='open\n", "1A='x'\n", "A=\"open\n", "noequals\n", "A='x'\nA='y'\n"} {
		if m, err := parseDashSet(bad); err == nil {
			t.Errorf("parseDashSet(%q) = %v, want an error", bad, m)
		}
	}
}

// TestParseDashSetRoundTrip gives dash tricky values through the environment
// and parses what its set prints back.
func TestParseDashSetRoundTrip(t *testing.T) {
	dash := rcconf.DashPath(t)
	values := []string{
		"", "plain", "it's", "''", "'", `"`, `\`, `\\'`, "$HOME", "`x`",
		"two\nlines", "trailing\n", "\n", " lead and trail ", "tab\there",
		"a=b", "café", "*", "'\"'\"'", "x'\n'y",
	}
	env := []string{}
	want := map[string]string{}
	for i, v := range values {
		name := fmt.Sprintf("V%02d", i)
		env = append(env, name+"="+v)
		want[name] = v
	}
	out, stderr, err := runCommand(t, dash, env, "/", "set")
	if err != nil {
		t.Fatalf("dash: %v\n%s", err, stderr)
	}
	all, err := parseDashSet(out)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, out)
	}
	got := map[string]string{}
	for k, v := range all {
		if strings.HasPrefix(k, "V") {
			got[k] = v
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	names := make([]string, 0, len(all))
	for k := range all {
		names = append(names, k)
	}
	sort.Strings(names)
	if !strings.Contains(strings.Join(names, " "), "PPID") {
		t.Errorf("dash's own variables missing from the parse: %v", names)
	}
}

// TestConfirmDiffUnit: confirmDiff on hand-made maps reports every kind of
// difference outside the shell-internal names and none inside them.
func TestConfirmDiffUnit(t *testing.T) {
	base := map[string]string{"jail_list": "a b", "jail_a_rootdir": "/j/a", "jail_e": ""}
	same := map[string]string{"jail_list": "a b", "jail_a_rootdir": "/j/a", "jail_e": "", "PATH": "/x", "IFS": " "}
	if d := confirmDiff(base, same); d != "" {
		t.Errorf("equal maps differ:\n%s", d)
	}
	for name, other := range map[string]map[string]string{
		"changed":  {"jail_list": "a  b", "jail_a_rootdir": "/j/a", "jail_e": ""},
		"missing":  {"jail_list": "a b", "jail_a_rootdir": "/j/a"},
		"extra":    {"jail_list": "a b", "jail_a_rootdir": "/j/a", "jail_e": "", "jail_x": ""},
		"newline":  {"jail_list": "a b\n", "jail_a_rootdir": "/j/a", "jail_e": ""},
		"all-gone": {},
	} {
		if d := confirmDiff(base, other); d == "" {
			t.Errorf("%s: no difference reported", name)
		}
	}
}

// runCommand runs dash -c script with exactly env (env -i semantics: nothing
// of the test process's environment leaks in) in dir.
func runCommand(t *testing.T, dash string, env []string, dir, script string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// $0 is the rc.d script's name, as in live mode and in rc(8): the shell
	// prefixes its messages with it.
	cmd := exec.CommandContext(ctx, dash, "-c", script, "/etc/rc.d/jail")
	cmd.Env = append([]string{}, env...) // non-nil even when empty
	cmd.Dir = dir
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// TestConfirmLiveHang: in live mode a chain whose program hangs
// ($(sleep 1001)) ends at the shell's time limit, whether it is shorter or
// longer than the evaluation's, with an error naming the
// file:line and the command, well within the limit's order of magnitude,
// and leaves no process behind (the whole process group is killed).
func TestConfirmLiveHang(t *testing.T) {
	mounttest.RequireRoot(t)
	if !mounttest.InNamespace(t) {
		return
	}
	// The first program runs in-process (exec.go), the pipeline makes the
	// chain go to /bin/sh (runShell): both paths must stop.
	// The shell's limit shorter than the evaluation's (1s against the
	// default 5s), and longer (2s against 500ms): a program outlives the
	// evaluation's limit and must still end at its own.
	for _, lim := range []struct{ eval, shell time.Duration }{{0, time.Second}, {500 * time.Millisecond, 2 * time.Second}} {
		for _, rc := range []string{"jail_w_ip=$(sleep 1001)\n", "jail_w_ip=$(sleep 1001 | cat)\n"} {
			t.Run(fmt.Sprintf("%v/%v/%s", lim.eval, lim.shell, rc), func(t *testing.T) { liveHang(t, rc, lim.eval, lim.shell) })
		}
	}
}

func liveHang(t *testing.T, line string, evalLimit, shellLimit time.Duration) {
	root := t.TempDir()
	if err := rcconftest.WriteFiles(root, map[string]string{
		"etc/rc.conf": "jail_enable=YES\njail_list=w\n" + line,
	}); err != nil {
		t.Fatal(err)
	}
	tr := confirmTree{name: "hang", root: root, env: []string{}}
	if _, stderr, err := runDash(t, tr, "true"); err != nil {
		t.Fatalf("dash: %v %s", err, stderr)
	}
	start := time.Now()
	v, err := rcconf.Load(context.Background(), rcconf.Options{Root: "/", Env: []string{"PATH=/usr/bin:/bin"},
		Shell: rcconf.DashPath(t), Timeout: evalLimit, ShellTimeout: shellLimit, Stderr: io.Discard})
	took := time.Since(start)
	if err == nil {
		t.Fatalf("a hanging chain evaluated: %v", v.Names())
	}
	var rerr *rcconf.Error
	if !errors.As(err, &rerr) || rerr.File != "/etc/rc.conf" || rerr.Line != 3 {
		t.Errorf("error %v is not an *rcconf.Error at /etc/rc.conf:3", err)
	}
	for _, w := range []string{"within " + shellLimit.String(), "/etc/rc.conf:3", "sleep 1001"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
	if took > 10*time.Second {
		t.Errorf("the hang took %v to end, limit 1s", took)
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), "sleep\x001001") {
			t.Errorf("process %s (%q) survived the time limit", e.Name(), b)
		}
	}
}

// TestConfirmLiveNoProgramTwice: live mode never runs a program and then
// hands the chain to /bin/sh, which would run it again: a first pass that
// runs nothing sees the pipeline further down, and the whole chain goes to
// the shell, which runs the program once. A chain with programs only runs
// each once, from the evaluator.
func TestConfirmLiveNoProgramTwice(t *testing.T) {
	mounttest.RequireRoot(t)
	if !mounttest.InNamespace(t) {
		return
	}
	dir := t.TempDir()
	count := filepath.Join(dir, "count")
	prog := filepath.Join(dir, "tick")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\necho x >> '"+count+"'\necho v\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		rc    string
		shell bool
		runs  int
	}{
		{"a=$(" + prog + ")\nb=$(echo y | cat)\n", true, 1},
		{"a=$(" + prog + ")\nif " + prog + " >/dev/null; then b=1; fi\n", false, 2},
	} {
		root := filepath.Join(dir, fmt.Sprint(i))
		if err := rcconftest.WriteFiles(root, map[string]string{"etc/rc.conf": "jail_enable=YES\n" + tc.rc}); err != nil {
			t.Fatal(err)
		}
		tr := confirmTree{name: "twice", root: root, env: []string{"PATH=/usr/bin:/bin"}}
		if _, stderr, err := runDash(t, tr, "true"); err != nil {
			t.Fatalf("dash: %v %s", err, stderr)
		}
		os.Remove(count)
		v, err := rcconf.Load(context.Background(), rcconf.Options{Root: "/", Env: tr.env, Shell: rcconf.DashPath(t), Stderr: io.Discard})
		if err != nil {
			t.Fatalf("%q: %v", tc.rc, err)
		}
		if v.Shell() != tc.shell {
			t.Errorf("%q: went to the shell: %v, want %v", tc.rc, v.Shell(), tc.shell)
		}
		b, _ := os.ReadFile(count)
		if n := strings.Count(string(b), "x"); n != tc.runs {
			t.Errorf("%q: the program ran %d times, want %d", tc.rc, n, tc.runs)
		}
		if got, _ := v.Get("a"); got != "v" {
			t.Errorf("%q: a = %q", tc.rc, got)
		}
	}
}
