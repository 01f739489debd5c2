package rcconf

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rcjail/rcconf/rcconftest"
)

// tree writes files (path relative to the root -> content) into a new root.
func tree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := rcconftest.WriteFiles(root, files); err != nil {
		t.Fatal(err)
	}
	return root
}

// rcTree is a root with only /etc/rc.conf (the driver then sources it alone).
func rcTree(t testing.TB, rc string) string {
	return tree(t, map[string]string{"etc/rc.conf": rc})
}

func loadRoot(t testing.TB, root string, env []string) (*Vars, error) {
	t.Helper()
	if env == nil {
		env = []string{}
	}
	return Load(context.Background(), Options{Root: root, Env: env, Timeout: 10 * time.Second})
}

// mustLoad loads rc as /etc/rc.conf and fails the test on error.
func mustLoad(t *testing.T, rc string) *Vars {
	t.Helper()
	v, err := loadRoot(t, rcTree(t, rc), nil)
	if err != nil {
		t.Fatalf("Load: %v\nrc.conf:\n%s", err, rc)
	}
	return v
}

// wantErr loads rc and checks the error is an *Error whose text starts with
// prefix (FILE:LINE:COL: …) and contains every part; it returns the error.
func wantErr(t *testing.T, v *Vars, err error, prefix string, parts ...string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("Load succeeded, want an error starting %q", prefix)
	}
	if v != nil {
		t.Errorf("Load returned variables along with its error")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error %q does not start with %q", err, prefix)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
	return e
}

// canary is an executable that would create its marker file if it ever ran.
type canary struct {
	prog, marker string
}

func newCanary(t *testing.T) canary {
	t.Helper()
	dir := t.TempDir()
	c := canary{prog: filepath.Join(dir, "rcconf-canary"), marker: filepath.Join(dir, "ran")}
	script := "#!/bin/sh\ntouch '" + c.marker + "'\n"
	if err := os.WriteFile(c.prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return c
}

// check fails the test if the canary ran. The canary itself is checked to
// work, so that a silent "not run" cannot come from a broken canary.
func (c canary) check(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(c.marker); err == nil {
		t.Fatalf("the canary program ran: a program was executed")
	}
}

func (c canary) selfTest(t *testing.T) {
	t.Helper()
	if err := exec.Command(c.prog).Run(); err != nil {
		t.Fatalf("canary does not run: %v", err)
	}
	if _, err := os.Stat(c.marker); err != nil {
		t.Fatalf("canary ran but left no marker: %v", err)
	}
	os.Remove(c.marker)
}

// dashPath finds dash, the shell the tests check rcconf against; without it
// they cannot run, which is a failure under RCJAIL_REQUIRE_ROOT=1 (CI
// installs dash) and a skip otherwise.
func dashPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("dash")
	if err != nil {
		if os.Getenv("RCJAIL_REQUIRE_ROOT") == "1" {
			t.Fatalf("dash not found: %v", err)
		}
		t.Skipf("dash not found: %v", err)
	}
	return p
}

// dashValues runs src under dash and returns the values of names ("<unset>"
// for unset), or skips when dash is missing (CI installs it).
func dashValues(t *testing.T, src string, names ...string) map[string]string {
	t.Helper()
	dash := dashPath(t)
	var sb strings.Builder
	sb.WriteString(src)
	sb.WriteString("\n")
	for _, n := range names {
		sb.WriteString("printf '%s\\0' \"${" + n + "-<unset>}\"\n")
	}
	cmd := exec.Command(dash, "-c", sb.String())
	cmd.Env = []string{}
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dash: %v", err)
	}
	vals := strings.Split(string(out), "\x00")
	m := map[string]string{}
	for i, n := range names {
		if i < len(vals) {
			m[n] = vals[i]
		}
	}
	return m
}

func getOr(v *Vars, name string) string {
	s, ok := v.Get(name)
	if !ok {
		return "<unset>"
	}
	return s
}

// wantUnknown checks that Load succeeded and that name is unknown, with a
// reason that holds every part (the construct, file:line).
func wantUnknown(t *testing.T, v *Vars, err error, name string, parts ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("Load: %v; want %s unknown", err, name)
	}
	why, ok := v.Unknown(name)
	if !ok {
		val, set := v.Get(name)
		t.Fatalf("%s = %q (set: %v), want it unknown", name, val, set)
	}
	for _, p := range parts {
		if !strings.Contains(why, p) {
			t.Errorf("%s is unknown because %q, which does not name %q", name, why, p)
		}
	}
}

// wantSoft checks that Load succeeded and met, at FILE:LINE:COL, a construct
// only /bin/sh evaluates (what live mode hands to the shell and inspection
// reports as unknown), whose text starts with prefix ("FILE:LINE:COL: msg")
// and holds every part. It returns that place as an *Error.
func wantSoft(t *testing.T, v *Vars, err error, prefix string, parts ...string) *Error {
	t.Helper()
	if err != nil {
		t.Fatalf("Load: %v; want it to go on past %q", err, prefix)
	}
	var seen []string
	for _, r := range v.runs {
		e := &Error{File: r.file, Line: r.line, Col: r.col, Msg: r.what}
		if !strings.HasPrefix(e.Error(), prefix) {
			seen = append(seen, e.Error())
			continue
		}
		for _, p := range parts {
			if !strings.Contains(e.Error(), p) {
				t.Errorf("%q does not contain %q", e, p)
			}
		}
		return e
	}
	t.Errorf("no construct for /bin/sh at %q; met: %q", prefix, seen)
	return nil
}
