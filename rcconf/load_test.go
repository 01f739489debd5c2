package rcconf

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"rcjail/rcconf/rcconftest"
)

// TestProvenance: every kind of assignment reports the file and line of the
// assignment that produced the final value.
func TestProvenance(t *testing.T) {
	rc := `# provenance fixture
plain=one
eval 'ev=two'
setf() {
	fn=three
	local loc=x
	glob=$loc
}
for lp in a b c; do
	inloop=$lp
done
: ${dflt:=four}
read rd <<EOF
five
EOF
export ex=six
setvar sv seven
over=first
if true; then
	over=second
fi
pfx=1 :
sub=outer; (sub=inner)
: $((ai = 7))
multi="a
b"
ENVOVER=file
cs=$(echo x)
pe=${pe_unset:-dflt}
`
	root := tree(t, map[string]string{
		"etc/rc.conf":        rc,
		"etc/rc.conf.d/jail": "setf\nlate=x\n",
	})
	v, err := loadRoot(t, root, []string{"FROMENV=e", "ENVOVER=e", "PATH=/nonexistent", "TMPDIR=/nowhere"})
	if err != nil {
		t.Fatal(err)
	}
	const rcf, dj = "/etc/rc.conf", "/etc/rc.conf.d/jail"
	want := []Var{
		{"plain", "one", rcf, 2, ""},
		{"ev", "two", rcf, 3, ""},
		{"fn", "three", rcf, 5, ""}, // in a function of rc.conf, called from rc.conf.d/jail
		{"glob", "x", rcf, 7, ""},
		{"lp", "c", rcf, 9, ""},
		{"inloop", "c", rcf, 10, ""},
		{"dflt", "four", rcf, 12, ""},
		{"rd", "five", rcf, 13, ""},
		{"ex", "six", rcf, 16, ""},
		{"sv", "seven", rcf, 17, ""},
		{"over", "second", rcf, 20, ""},
		{"pfx", "1", rcf, 22, ""},
		{"sub", "outer", rcf, 23, ""},
		{"ai", "7", rcf, 24, ""},
		{"multi", "a\nb", rcf, 25, ""},
		{"ENVOVER", "file", rcf, 27, ""},
		{"cs", "x", rcf, 28, ""},
		{"pe", "dflt", rcf, 29, ""},
		{"late", "x", dj, 2, ""},
		{"FROMENV", "e", "env", 0, ""},
		{"PATH", "/nonexistent", "env", 0, ""},
		{"TMPDIR", "/nowhere", "env", 0, ""},
	}
	for _, w := range want {
		got, ok := v.Lookup(w.Name)
		if !ok {
			t.Errorf("%s not set", w.Name)
			continue
		}
		if got != w {
			t.Errorf("Lookup(%s) = %+v, want %+v", w.Name, got, w)
		}
		f, l, ok := v.Origin(w.Name)
		if !ok || f != w.File || l != w.Line {
			t.Errorf("Origin(%s) = %s:%d %v, want %s:%d", w.Name, f, l, ok, w.File, w.Line)
		}
	}
	for _, n := range []string{"loc", "_name", "_d", "_f", "_dirs"} {
		if _, ok := v.Get(n); ok {
			t.Errorf("local %s leaked out of its function", n)
		}
	}
	if got, want := v.Files(), []string{rcf, dj}; !slices.Equal(got, want) {
		t.Errorf("Files() = %q, want %q", got, want)
	}
	names := v.Names()
	if !slices.IsSorted(names) || !slices.Contains(names, "late") || !slices.Contains(names, "FROMENV") {
		t.Errorf("Names() = %q: want sorted, with file and env variables", names)
	}
	if _, _, ok := v.Origin("never_set"); ok {
		t.Errorf("Origin of an unset variable reports ok")
	}
}

// TestProvenanceDefaultsChain: the real load order (defaults, the
// source_rc_confs it defines), with values overridden across files.
func TestProvenanceDefaultsChain(t *testing.T) {
	root := tree(t, map[string]string{
		"etc/defaults/rc.conf":           rcconftest.Defaults,
		"etc/rc.conf":                    "jail_enable=YES\njail_list=\"$jail_list a\"\ni=rc\n",
		"etc/rc.conf.local":              "jail_list=\"$jail_list b\"\n",
		"usr/local/etc/rc.conf.d/jail/1": "jail_a_ip=10.0.0.1\n",
		"usr/local/etc/rc.conf.d/jail/2": "jail_a_ip=10.0.0.2\n",
	})
	v, err := loadRoot(t, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []Var{
		{"jail_enable", "YES", "/etc/rc.conf", 1, ""},
		{"jail_list", " a b", "/etc/rc.conf.local", 1, ""},
		{"jail_a_ip", "10.0.0.2", "/usr/local/etc/rc.conf.d/jail/2", 1, ""},
		{"rc_conf_files", "/etc/rc.conf /etc/rc.conf.local", "/etc/defaults/rc.conf", 1, ""},
	} {
		if got, _ := v.Lookup(w.Name); got != w {
			t.Errorf("Lookup(%s) = %+v, want %+v", w.Name, got, w)
		}
	}
	if _, ok := v.Get("i"); ok {
		t.Errorf("i is local to source_rc_confs; rc.conf's i=rc must not survive")
	}
	want := []string{"/etc/defaults/rc.conf", "/etc/rc.conf", "/etc/rc.conf.local",
		"/usr/local/etc/rc.conf.d/jail/1", "/usr/local/etc/rc.conf.d/jail/2"}
	if got := v.Files(); !slices.Equal(got, want) {
		t.Errorf("Files() = %q, want %q", got, want)
	}
}

// fastValues are assignment values the fast path takes; each is checked
// against the parser path and against dash.
var fastValues = []string{
	`plain`, `'a b'`, `"a b"`, `"$pre"`, `"${pre}x"`, `${pre#*.}`, `"${pre##*.}"`,
	`${pre%.*}`, `"${pre%%.*}"`, `${unset:-def}`, `${empty:-def}`, `${empty-def}`,
	`${pre:+alt}`, `${unset+alt}`, `"x $pre y"`, `a'b c'"d"`, `${pre#x}`, `"${pre%}"`,
	`${pre#*}`, `${pre##*}`, `${pre%*}`, `${pre%%*}`, `""`, `''`, ``, `a=b`, `/usr/local:/x`,
	`"${pre#*e}"`, `${pre%%e*}`, `"${unset:-a b}"`, `${empty:+x}`, `"$pre$pre"`, `$pre-$empty.`,
	`$((7 % 4))`, `"10.$((300 / 256)).$((300 % 256)).1"`, `$(( (2 + 3) * -4 ))`, `$((num * 2 + unset))`,
	`$((1 < 2 && 3 > 2 || 0))`, `$((0x1f | 010 ^ ~0))`, `$((1 ? 2 : 3))`, `$((num << 2 >> 1))`,
	// One operand or one binary operator: simpleArith's trees.
	`$((num))`, `$(( 7 ))`, `$((7+2))`, `$((num-1))`, `$((3*num))`, `$((9 / 2))`, `$((1 << 4))`,
	`$((256 >> 2))`, `$((2 < 1))`,
	`$((2 > 1))`, `$((6 & 3))`, `$((6 | 3))`, `$((6 ^ 3))`, `$((010 + 1))`, `$((unset + 1))`,
	`$((empty + 1))`, `em$((5 % 4))`, `$((1 + 2 * 3))`, `$((10 - 2 - 3))`, `$((num	%	4))`,
}

func TestFastPathMatchesParserAndDash(t *testing.T) {
	pre := "pre=www.example.org\nempty=\nnum=21\n"
	var fast, slow strings.Builder
	fast.WriteString(pre)
	slow.WriteString(pre)
	var names []string
	for i, val := range fastValues {
		n := "v" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		names = append(names, n)
		if _, ok := (&runner{}).fastLine(n+"="+val+"\n", 0, 1, false); !ok {
			t.Errorf("fast path does not take %s=%s", n, val)
		}
		fast.WriteString(n + "=" + val + "\n")
		// ":;" in front sends the line to the parser.
		slow.WriteString(":; " + n + "=" + val + "\n")
	}
	vf := mustLoad(t, fast.String())
	vs := mustLoad(t, slow.String())
	dash := dashValues(t, fast.String(), names...)
	for i, n := range names {
		f, s := getOr(vf, n), getOr(vs, n)
		if f != s || f != dash[n] {
			t.Errorf("%s=%s: fast %q, parser %q, dash %q", n, fastValues[i], f, s, dash[n])
		}
		if _, l, _ := vf.Origin(n); l != i+4 {
			t.Errorf("%s: fast path line %d, want %d", n, l, i+4)
		}
	}
}

// TestFastPathArithErrors: dash's arithmetic errors on the fast path name
// the assignment line.
func TestFastPathArithErrors(t *testing.T) {
	v, err := loadRoot(t, rcTree(t, "x=abc\ny=$((x + 1))\n"), nil)
	wantErr(t, v, err, `/etc/rc.conf:2:1: arithmetic: x: illegal number "abc"`)
	v, err = loadRoot(t, rcTree(t, "a=1\n  y=\"n$((5 / (a - 1)))\"\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:2:3: arithmetic: division by zero")
	v, err = loadRoot(t, rcTree(t, "a=1\n  y=$((a % 0))\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:2:3: arithmetic: division by zero")
	v, err = loadRoot(t, rcTree(t, "y=$((09 + 1))\n"), nil)
	wantErr(t, v, err, "/etc/rc.conf:1:1: arithmetic: ")
}

// TestFastPathDeclines: lines the fast path must leave to the parser.
func TestFastPathDeclines(t *testing.T) {
	for _, line := range []string{
		`a=$(x)`, "a=`x`", `a=${x:=y}`, `a=${x?y}`, `a=${#x}`, `a=b c`, `a=b;c=d`,
		`a="b\c"`, `a=b\ c`, `a=~`, `a=*`, `a=${x#?}`, `a=${x#[a]}`, `a=$1`, `a=$@`, `a="open`,
		`a=b#c`, `a=b|c`, `a=b&`, `export a=b`, `a=${x#"*"}`, `a=${x:-$y}`, `a=(1 2)`, `a+=b`,
		`if=x y`, `a=b >/dev/null`, `a=$LINENO`, `a="${PPID}"`, `a=${OPTIND:-1}`,
		`a=$((x=1))`, `a=$((x++))`, `a=$((2**3))`, `a=$((1,2))`, `a=$(($x))`, `a=$((2#10))`, `a=$((1)`, `a=$(( "1" ))`,
	} {
		if _, ok := (&runner{}).fastLine(line+"\n", 0, 1, false); ok {
			t.Errorf("fast path takes %q; it must go to the parser", line)
		}
	}
}

// TestStarMatch: the fast path's * patterns, through the byte matcher.
func TestStarMatch(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"", "", true}, {"*", "", true}, {"*", "abc", true}, {"a*c", "abc", true},
		{"a*c", "abcd", false}, {"*.", "www.", true}, {"*.*", "a.b.c", true},
		{"a**b", "ab", true}, {"x", "y", false}, {"*b*", "aaa", false},
	} {
		g, err := compileGlob(c.p, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := g.matchAll(c.s); got != c.want {
			t.Errorf("%q matching %q = %v, want %v", c.p, c.s, got, c.want)
		}
	}
}

// TestEnvironmentLayer: Options.Env is the lowest layer; nil means the
// process environment; IFS is never imported.
func TestEnvironmentLayer(t *testing.T) {
	t.Setenv("RCCONF_TEST_FROM_PROCESS", "proc")
	root := rcTree(t, "jail_x=${jail_x:-fromrc}\njail_y=${jail_y:-fromrc}\n")
	v, err := Load(context.Background(), Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := v.Lookup("RCCONF_TEST_FROM_PROCESS"); got != (Var{"RCCONF_TEST_FROM_PROCESS", "proc", "env", 0, ""}) {
		t.Errorf("nil Env: process variable = %+v", got)
	}
	v, err = loadRoot(t, root, []string{"jail_x=fromenv", "IFS=:", "1bad=x", "noequals"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.Get("RCCONF_TEST_FROM_PROCESS"); ok {
		t.Errorf("explicit Env: the process environment leaked in")
	}
	if got, _ := v.Lookup("jail_x"); got != (Var{"jail_x", "fromenv", "/etc/rc.conf", 1, ""}) {
		t.Errorf("jail_x = %+v: the rc.conf line keeps the env value and is its origin", got)
	}
	if got, _ := v.Get("jail_y"); got != "fromrc" {
		t.Errorf("jail_y = %q", got)
	}
	if got, _ := v.Get("IFS"); got != " \t\n" {
		t.Errorf("IFS = %q: it must never be imported", got)
	}
	if _, ok := v.Get("1bad"); ok {
		t.Errorf("a non-name environment entry became a variable")
	}
}

func TestErrorType(t *testing.T) {
	v, err := loadRoot(t, rcTree(t, "a=1\n  exit 3\n"), nil)
	e := wantErr(t, v, err, `/etc/rc.conf:2:3: exit 3`)
	if e.File != "/etc/rc.conf" || e.Line != 2 || e.Col != 3 || e.Msg != `exit 3: rc.conf exits the shell (rc.d/jail would stop here)` {
		t.Errorf("Error fields = %+v", e)
	}
	_, err = Load(context.Background(), Options{Root: "/nonexistent-rcconf-root", Env: []string{}})
	var oe *Error
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "open root") {
		t.Errorf("missing root: %v", err)
	}
	_, err = Load(context.Background(), Options{Root: t.TempDir(), Service: "../x", Env: []string{}})
	if err == nil || !strings.Contains(err.Error(), "service name") {
		t.Errorf("service with a slash: %v", err)
	}
}

// TestEmptyRoot: no rc.conf at all is not an error.
func TestEmptyRoot(t *testing.T) {
	v, err := loadRoot(t, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := v.Get("_rc_conf_loaded"); got != "true" {
		t.Errorf("_rc_conf_loaded = %q", got)
	}
	if len(v.Files()) != 0 {
		t.Errorf("Files() = %q", v.Files())
	}
}

// TestVFSConfined: each file operation resolves a hostile tree the same way
// whether the kernel does it (openat2 with RESOLVE_IN_ROOT on Linux) or
// vfs.walk does it a component at a time (FreeBSD, or a kernel without
// openat2): absolute links are re-rooted, ".." stops at the root, loops end
// in ELOOP, a FIFO is refused without blocking, and no host file is read.
func TestVFSConfined(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("LEAKED"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := tree(t, map[string]string{"etc/file": "in-tree", "etc/sub/x": "x", "etc/sub/inner/y": "y"})
	links := map[string]string{
		"etc/abs":      "/etc/file",
		"etc/rel":      "../etc/file",
		"etc/up":       "../../../../../../etc/file",
		"etc/loop":     "loop",
		"etc/dirlink":  "/etc",
		"etc/sub/back": "../file",
		"etc/sub/dots": "../../../..",
		"etc/fifolink": "fifo",
		"etc/dangling": "/nonexistent",
		"etc/host":     filepath.Join(outside, "secret"),
		"etc/hostrel":  strings.Repeat("../", 20) + strings.TrimPrefix(filepath.Join(outside, "secret"), "/"),
		"etc/chain":    "abs",
		"etc/deep":     "sub/inner",
		"etc/fslash":   "file/",
		"etc/rootdots": "/..",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "etc/fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A chain of links resolves; over maxLinks it is ELOOP, in both.
	for k := 1; k <= maxLinks+1; k++ {
		target := fmt.Sprintf("c%d", k-1)
		if k == 1 {
			target = "file"
		}
		if err := os.Symlink(target, filepath.Join(root, fmt.Sprintf("etc/c%d", k))); err != nil {
			t.Fatal(err)
		}
	}
	reads := []struct {
		name, want string
		err        error  // errors.Is
		msg        string // or a part of the message
	}{
		{name: "/etc/file", want: "in-tree"},
		{name: "etc/file", want: "in-tree"},
		{name: "/../../etc/file", want: "in-tree"},
		{name: "/etc/abs", want: "in-tree"},
		{name: "/etc/rel", want: "in-tree"},
		{name: "/etc/up", want: "in-tree"},
		{name: "/etc/chain", want: "in-tree"},
		{name: "/etc/dirlink/file", want: "in-tree"},
		{name: "/etc/dirlink/dirlink/abs", want: "in-tree"},
		{name: "/etc/sub/back", want: "in-tree"},
		{name: "/etc/sub/dots/etc/file", want: "in-tree"},
		{name: "/etc/sub", want: ""}, // a directory reads as empty, as in dash
		// ".." after a link is the parent of where it leads, not a
		// lexical step back (the kernel's and so /bin/sh's reading).
		{name: "/etc/deep/../x", want: "x"},
		{name: "/etc/dirlink/../etc/file", want: "in-tree"},
		{name: "/etc/deep/../../../../../etc/file", want: "in-tree"},
		{name: "/etc/dirlink/../x", err: fs.ErrNotExist},
		{name: "etc//sub/./x", want: "x"},
		{name: "", err: fs.ErrNotExist}, // not the root directory read as empty
		{name: "/etc/file/", err: syscall.ENOTDIR},
		{name: "/etc/fslash", err: syscall.ENOTDIR},
		{name: "/etc/fifolink/x", err: syscall.ENOTDIR},
		{name: "/etc/dangling/x", err: fs.ErrNotExist},
		{name: "/etc/rootdots/etc/file", want: "in-tree"},
		{name: "/etc/sub/dots/../etc/./sub/../file", want: "in-tree"},
		// (A chain near maxLinks is not always taken by openat2: the
		// kernel keeps the count of a lookup it retries out of RCU mode,
		// so a long one may fail with fewer links than the limit.)
		{name: fmt.Sprintf("/etc/c%d", maxLinks/4), want: "in-tree"},
		{name: fmt.Sprintf("/etc/c%d", maxLinks+1), err: syscall.ELOOP},
		{name: fmt.Sprintf("/etc/c%d/x", maxLinks+1), err: syscall.ELOOP},
		{name: "/etc/loop", err: syscall.ELOOP},
		{name: "/etc/loop/x", err: syscall.ELOOP},
		{name: "/etc/dangling", err: fs.ErrNotExist},
		{name: "/etc/host", err: fs.ErrNotExist},
		{name: "/etc/hostrel", err: fs.ErrNotExist},
		{name: outside + "/secret", err: fs.ErrNotExist},
		{name: "/etc/file/x", err: syscall.ENOTDIR},
		{name: "/etc/fifo", msg: "not a regular file"},
		{name: "/etc/fifolink", msg: "not a regular file"},
	}
	stats := []struct {
		name         string
		follow, link bool
		mode         fs.FileMode // type bits
	}{
		{name: "/etc/abs", follow: true, mode: 0},
		{name: "/etc/abs", link: true, mode: fs.ModeSymlink},
		{name: "/etc/dirlink", follow: true, mode: fs.ModeDir},
		{name: "/etc/dirlink/sub", link: true, mode: fs.ModeDir},
		{name: "/etc/fifolink", follow: true, mode: fs.ModeNamedPipe},
		{name: "/etc/sub/dots", follow: true, mode: fs.ModeDir},
		{name: "/", follow: true, mode: fs.ModeDir},
	}
	for _, walk := range []bool{false, true} {
		v, err := openVFS(root, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		defer v.close()
		v.noOpenat2 = walk
		for _, tc := range reads {
			b, err := v.readFile(tc.name)
			switch {
			case tc.err == nil && tc.msg == "":
				if err != nil || string(b) != tc.want {
					t.Errorf("walk=%v: readFile(%s) = %q, %v; want %q", walk, tc.name, b, err, tc.want)
				}
			case tc.err != nil && !errors.Is(err, tc.err),
				tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)):
				t.Errorf("walk=%v: readFile(%s) = %q, %v; want an error %v%s", walk, tc.name, b, err, tc.err, tc.msg)
			}
		}
		if walk {
			if b, err := v.readFile(fmt.Sprintf("/etc/c%d", maxLinks)); err != nil || string(b) != "in-tree" {
				t.Errorf("walk: a chain of %d links: %q, %v", maxLinks, b, err)
			}
		}
		for _, tc := range stats {
			fi, err := v.stat(tc.name, tc.follow)
			if err != nil || fi.Mode().Type() != tc.mode {
				t.Errorf("walk=%v: stat(%s, follow=%v) = %v, %v; want type %v", walk, tc.name, tc.follow, fi, err, tc.mode)
			}
		}
		for _, name := range []string{"/etc/host", "/etc/dangling", "/etc/nope"} {
			if fi, err := v.stat(name, true); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("walk=%v: stat(%s) = %v, %v; want not found", walk, name, fi, err)
			}
		}
		ents, err := v.readDir("/etc/dirlink/sub")
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
			if e.Name() == "back" && e.Type() != fs.ModeSymlink || e.Name() == "x" && !e.Type().IsRegular() {
				t.Errorf("walk=%v: readDir entry %s has type %v", walk, e.Name(), e.Type())
			}
		}
		slices.Sort(names)
		if err != nil || !slices.Equal(names, []string{"back", "dots", "inner", "x"}) {
			t.Errorf("walk=%v: readDir(/etc/dirlink/sub) = %q, %v", walk, names, err)
		}
	}
}

// TestNestScan: the nesting pre-scan counts ( { and the compound keywords,
// not what is quoted, escaped or commented, and names the line where the
// deepest level is reached; text too short to reach the cap is not scanned.
func TestNestScan(t *testing.T) {
	for _, c := range []struct {
		src         string
		depth, line int
	}{
		{"a=1\nb=2\n", 0, 1},
		{"f() {\n\tif x; then\n\t\tfor i in 1; do (y); done\n\tfi\n}\n", 4, 3},
		{"# ((((\na='(((('\nb=\\(\\(\n", 0, 1},
		{"case x in\n*) while :; do break; done ;;\nesac\nuntil :; do :; done\n", 1, 1},
		{"iffy=1\nfor_x=2\ndone=3\n{ a; }\n", 1, 4},
		{"x=$( (echo) )\n{ { :; }; }\n", 2, 1},
		{"if :; then :; fi; if :; then :; fi\n", 1, 1},
		{"word(x)\n", 1, 1},
		{"elif\n", 0, 1},
	} {
		if d, l := nestScan(c.src); d != c.depth || l != c.line {
			t.Errorf("nestScan(%q) = %d, line %d; want %d, line %d", c.src, d, l, c.depth, c.line)
		}
	}
	deep := strings.Repeat("(", maxNesting)
	if d, _ := nestingDepth(deep); d > maxNesting {
		t.Errorf("%d levels: depth %d, over the cap", maxNesting, d)
	}
	if d, _ := nestingDepth(deep + "("); d <= maxNesting {
		t.Errorf("%d levels: depth %d, not over the cap", maxNesting+1, d)
	}
	if d, l := nestingDepth(strings.Repeat("\n", maxNesting) + "((\n"); d != 2 || l != maxNesting+1 {
		t.Errorf("past the short-text bound: depth %d, line %d; want 2, line %d", d, l, maxNesting+1)
	}
}
