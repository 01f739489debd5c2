package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"mvdan.cc/sh/v3/syntax"
)

// wrapperPath is rc.d/jail in this repository.
var wrapperPath = filepath.Join("..", "..", "rc.d", "jail")

func readWrapper(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(wrapperPath)
	if err != nil {
		t.Fatalf("read the wrapper: %v", err)
	}
	return b
}

// needTool finds a program the test cannot do without. CI installs every one
// (.ci/run), and there a missing tool is a failure, not a skip.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("RCJAIL_REQUIRE_ROOT") == "1" {
		t.Fatalf("%s is not installed (CI installs it): %v", name, err)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

// The wrapper is run by FreeBSD's /bin/sh, which knows no bash: a bashism
// must fail here, not at boot.
func TestWrapperIsPOSIX(t *testing.T) {
	src := readWrapper(t)
	p := syntax.NewParser(syntax.Variant(syntax.LangPOSIX))
	if _, err := p.Parse(bytes.NewReader(src), "rc.d/jail"); err != nil {
		t.Fatalf("rc.d/jail is not POSIX sh: %v", err)
	}
}

func TestWrapperShellcheck(t *testing.T) {
	sc := needTool(t, "shellcheck")
	out, err := exec.Command(sc, "-s", "sh", wrapperPath).CombinedOutput()
	if err != nil {
		t.Fatalf("shellcheck -s sh rc.d/jail: %v\n%s", err, out)
	}
	// install.sh is bash (make runs it with bash); lint it as such.
	inst := filepath.Join(filepath.Dir(wrapperPath), "install.sh")
	if out, err := exec.Command(sc, "-s", "bash", inst).CombinedOutput(); err != nil {
		t.Fatalf("shellcheck -s bash rc.d/install.sh: %v\n%s", err, out)
	}
}

// rcorder(8) orders boot by these lines, and rc.shutdown selects by the
// "shutdown" keyword; they must be the current (FreeBSD 12–14) script's:
// no "nojail" keyword, so that a jail can run jails of its own, and
// cleanvar is no longer named (FILESYSTEMS, which LOGIN follows, requires it).
func TestWrapperRcorderHeader(t *testing.T) {
	src := string(readWrapper(t))
	var got []string
	for _, l := range strings.Split(src, "\n") {
		for _, k := range []string{"PROVIDE", "REQUIRE", "BEFORE", "KEYWORD"} {
			if strings.HasPrefix(l, "# "+k+":") {
				got = append(got, l)
			}
		}
	}
	want := []string{
		"# PROVIDE: jail",
		"# REQUIRE: LOGIN FILESYSTEMS",
		"# BEFORE: securelevel",
		"# KEYWORD: shutdown",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rcorder header (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(src, "#!/bin/sh\n") {
		t.Errorf("rc.d/jail does not start with #!/bin/sh")
	}
	if !strings.Contains(src, "\n# rcjail-wrapper") {
		t.Errorf("rc.d/jail lacks the marker line install.sh recognises it by")
	}
}

// wrapperRig is a fake installation: the wrapper at <dir>/etc/rc.d/jail with
// @PREFIX@ replaced by <dir>/usr/local, and a stub rcjail there that records
// its pid and argv (NUL-separated) in <dir>/argv.<pid> and exits with the
// status in its file "status".
type wrapperRig struct {
	dir, script, stub string
}

func newWrapperRig(t *testing.T, status int) *wrapperRig {
	t.Helper()
	dir := t.TempDir()
	r := &wrapperRig{
		dir:    dir,
		script: filepath.Join(dir, "etc", "rc.d", "jail"),
		stub:   filepath.Join(dir, "usr", "local", "sbin", "rcjail"),
	}
	for _, d := range []string{filepath.Dir(r.script), filepath.Dir(r.stub)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src := strings.ReplaceAll(string(readWrapper(t)), "@PREFIX@", filepath.Join(dir, "usr", "local"))
	if err := os.WriteFile(r.script, []byte(src), 0o555); err != nil {
		t.Fatal(err)
	}
	stub := "#!/bin/sh\n" +
		"printf '%s\\0' \"$$\" \"$@\" >'" + dir + "'/argv.$$\n" +
		"exit " + strconv.Itoa(status) + "\n"
	if err := os.WriteFile(r.stub, []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	return r
}

// calls returns every recorded invocation: pid, then argv after argv[0].
func (r *wrapperRig) calls(t *testing.T) [][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(r.dir, "argv.*"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"))
	}
	return out
}

func exitStatus(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	t.Fatalf("run: %v", err)
	return -1
}

// Executed as "/etc/rc.d/jail start a b" or by service(8) with a clean
// environment: rcjail gets --name <the script> and every argument exactly,
// the shell is replaced (the stub runs as the very process we started), and
// rcjail's status is the script's.
func TestWrapperExecuted(t *testing.T) {
	dash := needTool(t, "dash")
	hostile := []string{"onestart", "a b", "it's", "$HOME", "*", "-x", "new\nline", `"q"`, `back\slash`, "", "--name", "ünï"}
	for _, tc := range []struct {
		name string
		env  []string
	}{
		{"installed-prefix", []string{"PATH=/usr/bin:/bin"}},
		{"RCJAIL_BIN", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newWrapperRig(t, 3)
			env := tc.env
			if env == nil {
				// The override wins over the installed prefix: point it at a
				// copy, so that only RCJAIL_BIN can explain the call.
				bin := filepath.Join(r.dir, "other-rcjail")
				b, _ := os.ReadFile(r.stub)
				if err := os.WriteFile(bin, b, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Remove(r.stub); err != nil {
					t.Fatal(err)
				}
				env = []string{"PATH=/usr/bin:/bin", "RCJAIL_BIN=" + bin}
			}
			cmd := exec.Command(dash, append([]string{r.script}, hostile...)...)
			cmd.Env = env
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if st := exitStatus(t, cmd.Run()); st != 3 {
				t.Fatalf("status %d, want 3 (the stub's); stderr:\n%s", st, stderr.String())
			}
			calls := r.calls(t)
			if len(calls) != 1 {
				t.Fatalf("rcjail ran %d times, want once: %q", len(calls), calls)
			}
			if calls[0][0] != strconv.Itoa(cmd.Process.Pid) {
				t.Errorf("rcjail ran as pid %s, not as the script's own process %d: the wrapper did not exec", calls[0][0], cmd.Process.Pid)
			}
			want := append([]string{"--name", r.script}, hostile...)
			if diff := cmp.Diff(want, calls[0][1:]); diff != "" {
				t.Errorf("argv (-want +got):\n%s", diff)
			}
		})
	}
}

// rcHarness does what rc.subr's run_rc_script does with a script (read in
// libexec/rc/rc.subr, restated here): _file holds the script's path, and the
// script is sourced after "set <verb>", in a subshell; older rc.subr with
// rc_fast_and_loose set sourced it in rc's own shell. Then "rc" goes on to the
// next script, which it can only do if the wrapper neither exec'd nor exited.
const rcHarness = `_file=$1
_arg=$2
( set $_arg; . $_file )
echo "subshell: $?"
set $_arg; . $_file
echo "own shell: $?"
echo "rc reached the next script"
`

func TestWrapperSourcedByRc(t *testing.T) {
	dash := needTool(t, "dash")
	for _, verb := range []string{"faststart", "faststop"} {
		t.Run(verb, func(t *testing.T) {
			r := newWrapperRig(t, 1)
			harness := filepath.Join(r.dir, "etc", "rc")
			if err := os.WriteFile(harness, []byte(rcHarness), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(dash, harness, r.script, verb)
			cmd.Env = []string{"PATH=/usr/bin:/bin"}
			out, err := cmd.Output()
			if st := exitStatus(t, err); st != 0 {
				t.Fatalf("rc harness: status %d\n%s", st, out)
			}
			wantOut := "subshell: 1\nown shell: 1\nrc reached the next script\n"
			if diff := cmp.Diff(wantOut, string(out)); diff != "" {
				t.Errorf("rc harness output (-want +got):\n%s", diff)
			}
			calls := r.calls(t)
			if len(calls) != 2 {
				t.Fatalf("rcjail ran %d times, want twice: %q", len(calls), calls)
			}
			for _, c := range calls {
				want := []string{"--name", r.script, verb}
				if diff := cmp.Diff(want, c[1:]); diff != "" {
					t.Errorf("argv (-want +got):\n%s", diff)
				}
			}
		})
	}
}
