package compat

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"mvdan.cc/sh/v3/shell"
)

// confParam is one parameter statement of a parsed jail.conf block.
type confParam struct {
	Name   string
	Append bool     // "+=" rather than "="
	Values []string // nil for a valueless "param;"
}

// readJailConf is a small jail.conf(5) reader for tests, written from the
// lexical rules of jail(8)'s configuration lexer: blanks and "#", "//" and
// "/* */" comments separate tokens; "=", "+=", ",", ";", "{" and "}" are
// tokens; strings are bare words or single- or double-quoted with C-style
// backslash escapes (octal up to three digits, \x up to two hex digits,
// \a\b\f\n\r\t\v, backslash-newline dropped, any other escaped byte itself).
// A "$" outside an escape in a double-quoted or bare string starts a variable
// in jail.conf; convert never writes one, so here it is an error.
func readJailConf(src string) (map[string][]confParam, error) {
	toks, err := lexJailConf(src)
	if err != nil {
		return nil, err
	}
	out := map[string][]confParam{}
	i := 0
	next := func() (tok, error) {
		if i >= len(toks) {
			return tok{}, fmt.Errorf("unexpected end of file")
		}
		i++
		return toks[i-1], nil
	}
	for i < len(toks) {
		name, err := next()
		if err != nil || !name.str {
			return nil, fmt.Errorf("want a jail name, got %q (%v)", name.s, err)
		}
		if t, err := next(); err != nil || t.str || t.s != "{" {
			return nil, fmt.Errorf("jail %s: want {, got %q", name.s, t.s)
		}
		out[name.s] = []confParam{}
		for {
			t, err := next()
			if err != nil {
				return nil, err
			}
			if !t.str && t.s == "}" {
				break
			}
			if !t.str {
				return nil, fmt.Errorf("jail %s: want a parameter, got %q", name.s, t.s)
			}
			p := confParam{Name: t.s}
			op, err := next()
			if err != nil {
				return nil, err
			}
			switch {
			case !op.str && op.s == ";":
				out[name.s] = append(out[name.s], p)
				continue
			case !op.str && (op.s == "=" || op.s == "+="):
				p.Append = op.s == "+="
			default:
				return nil, fmt.Errorf("jail %s: %s: want = or +=, got %q", name.s, p.Name, op.s)
			}
			for {
				v, err := next()
				if err != nil || !v.str {
					return nil, fmt.Errorf("jail %s: %s: want a value, got %q", name.s, p.Name, v.s)
				}
				p.Values = append(p.Values, v.s)
				sep, err := next()
				if err != nil {
					return nil, err
				}
				if sep.s == ";" && !sep.str {
					break
				}
				if sep.s != "," || sep.str {
					return nil, fmt.Errorf("jail %s: %s: want , or ;, got %q", name.s, p.Name, sep.s)
				}
			}
			out[name.s] = append(out[name.s], p)
		}
	}
	return out, nil
}

type tok struct {
	s   string
	str bool // a string (bare or quoted), not punctuation
}

func lexJailConf(src string) ([]tok, error) {
	var toks []tok
	atom := func(c byte) bool {
		return isAlnum(c) || strings.IndexByte("_!%&()-.:<>?@[]^`|~*+/", c) >= 0
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '#' || strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated comment")
			}
			i += end + 4
		case strings.HasPrefix(src[i:], "+="):
			toks = append(toks, tok{s: "+="})
			i += 2
		case strings.IndexByte(",;={}", c) >= 0:
			toks = append(toks, tok{s: string(c)})
			i++
		case c == '"' || c == '\'':
			s, n, err := unquoteJailConf(src[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, tok{s: s, str: true})
			i += n
		case c == '$':
			return nil, fmt.Errorf("variable at offset %d", i)
		case atom(c):
			j := i
			for j < len(src) && atom(src[j]) {
				j++
			}
			toks = append(toks, tok{s: src[i:j], str: true})
			i = j
		default:
			return nil, fmt.Errorf("unexpected byte %q at offset %d", c, i)
		}
	}
	return toks, nil
}

// unquoteJailConf decodes the quoted string at the start of s and returns it
// with the number of bytes it took.
func unquoteJailConf(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, nil
		case c == '$' && q == '"':
			return "", 0, fmt.Errorf("unescaped $ in a double-quoted string: a variable")
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		c = s[i]
		switch {
		case c >= '0' && c <= '7':
			v := int(c - '0')
			for k := 0; k < 2 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(s[i]-'0')
			}
			b.WriteByte(byte(v))
		case c == 'x':
			v, k := 0, 0
			for ; k < 2 && i+1 < len(s); k++ {
				d, err := strconv.ParseUint(s[i+1:i+2], 16, 8)
				if err != nil {
					break
				}
				v = v*16 + int(d)
				i++
			}
			b.WriteByte(byte(v))
		case c == '\n':
		default:
			if r := strings.IndexByte("abfnrtv", c); r >= 0 {
				c = "\a\b\f\n\r\t\v"[r]
			}
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

// values returns every value of param in order (over all its statements).
func values(ps []confParam, name string) []string {
	var out []string
	for _, p := range ps {
		if p.Name == name {
			out = append(out, p.Values...)
		}
	}
	return out
}

func has(ps []confParam, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}

func shWords(t *testing.T, s string) []string {
	t.Helper()
	w, err := shell.Fields(s, func(string) string { return "EXPANDED" })
	if err != nil {
		t.Fatalf("sh cannot split %q: %v", s, err)
	}
	return w
}

// The reader must itself be right, or the round trip proves nothing.
func TestReadJailConfSelf(t *testing.T) {
	src := "# c\nj { a = \"x\\\"y\\\\z\\n\\101\\x41\\q\"; b += 'p\\'q', bare; c; /* d */ e = \"1\"; }\n"
	got, err := readJailConf(src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]confParam{"j": {
		{Name: "a", Values: []string{"x\"y\\z\nAAq"}},
		{Name: "b", Append: true, Values: []string{"p'q", "bare"}},
		{Name: "c"},
		{Name: "e", Values: []string{"1"}},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := readJailConf(`j { a = "$x"; }`); err == nil {
		t.Errorf("a variable was not reported")
	}
}

var hostile = []string{
	`plain`,
	`with "double" quotes`,
	`it's`,
	`back\slash\`,
	`$HOME and ${x} and $(id) and ` + "`id`",
	"new\nline",
	"semi;colon, comma",
	"tab\there\rcr",
	"ctl\x01\x7fbyte",
	"octal-like \\0101 \x0112",
	"ünïcödé",
	`}{ =+= ; # not a comment /* nor this */`,
	``,
}

// Every value convert writes reads back as exactly the configured string,
// and every command splits back into exactly the configured words.
func TestConvertRoundTrip(t *testing.T) {
	for i, h := range hostile {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			// By hand: NewConfig refuses most of these values, and
			// convert must quote them all the same.
			j := &Jail{
				Name: "x", J: "x", JV: "x",
				Hostname:      h + ".example.org",
				RootDir:       "/jails/" + h,
				Fib:           "1" + h,
				IPs:           []Addr{{Iface: "em0", Family: "inet", Addr: "192.0.2.1", Mask: "/32"}, {Family: "inet6", Addr: "2001:db8::1", Mask: "/128"}},
				Flags:         []string{"-l", "-U", h + "user", "-u", h},
				ExecStart:     []string{"/bin/sh", "-c", h},
				ExecStop:      []string{h, h},
				PreStart:      [][]string{{"/bin/pre", h}, {h}},
				AfterStart:    [][]string{{"/bin/after", h}},
				PostStart:     [][]string{{"/bin/post", h}},
				PreStop:       [][]string{{"/bin/prestop", h}},
				PostStop:      [][]string{{"/bin/poststop", h, "'"}},
				ConsoleLog:    "/var/log/" + h,
				MountEnable:   true,
				Fstab:         "/etc/fstab." + h,
				Devfs:         true,
				DevfsRulesetN: 4,
			}
			c := &Config{Jails: map[string]*Jail{"x": j}}
			out, err := ConvertJail(c, "x")
			if err != nil {
				t.Fatal(err)
			}
			conf, err := readJailConf(out)
			if err != nil {
				t.Fatalf("jail.conf does not parse back: %v\n%s", err, out)
			}
			ps, ok := conf["x"]
			if !ok || len(conf) != 1 {
				t.Fatalf("want one jail x, got %v\n%s", conf, out)
			}
			one := func(name string) string {
				v := values(ps, name)
				if len(v) != 1 {
					t.Fatalf("%s: %d values, want 1\n%s", name, len(v), out)
				}
				return v[0]
			}
			for _, c := range []struct{ param, want string }{
				{"host.hostname", j.Hostname},
				{"path", j.RootDir},
				{"exec.fib", j.Fib},
				{"exec.jail_user", h + "user"},
				{"exec.system_user", h},
				{"exec.consolelog", j.ConsoleLog},
				{"mount.fstab", j.Fstab},
				{"devfs_ruleset", "4"},
			} {
				if got := one(c.param); got != c.want {
					t.Errorf("%s = %q, want %q", c.param, got, c.want)
				}
			}
			if diff := cmp.Diff([]string{"em0|192.0.2.1/32"}, values(ps, "ip4.addr")); diff != "" {
				t.Errorf("ip4.addr (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"2001:db8::1/128"}, values(ps, "ip6.addr")); diff != "" {
				t.Errorf("ip6.addr (-want +got):\n%s", diff)
			}
			cmds := func(name string) [][]string {
				var out [][]string
				for _, v := range values(ps, name) {
					out = append(out, shWords(t, v))
				}
				return out
			}
			for _, c := range []struct {
				param string
				want  [][]string
			}{
				{"exec.start", append([][]string{j.ExecStart}, j.AfterStart...)},
				{"exec.stop", [][]string{j.ExecStop}},
				{"exec.prestart", j.PreStart},
				{"exec.poststart", j.PostStart},
				{"exec.prestop", j.PreStop},
				{"exec.poststop", j.PostStop},
			} {
				if diff := cmp.Diff(c.want, cmds(c.param)); diff != "" {
					t.Errorf("%s (-want +got):\n%s\n%s", c.param, diff, out)
				}
			}
			for _, f := range []string{"exec.clean", "mount.devfs"} {
				if !has(ps, f) {
					t.Errorf("%s missing", f)
				}
			}
		})
	}
}

func TestJailConfQuoteTable(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a", `"a"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"$x", `"\$x"`},
		{"a\nb", `"a\nb"`},
		{"\x01" + "7", `"\0017"`},
	} {
		if got := JailConfQuote(c.in); got != c.want {
			t.Errorf("JailConfQuote(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestShellWordsTable(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"/bin/sh", "/etc/rc"}, "/bin/sh /etc/rc"},
		{[]string{"a b"}, "'a b'"},
		{[]string{"it's"}, `'it'\''s'`},
		{[]string{""}, "''"},
		{[]string{"X=1", "~"}, "'X=1' '~'"},
	} {
		if got := ShellWords(c.in); got != c.want {
			t.Errorf("ShellWords(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestConvertRefuses(t *testing.T) {
	base := func(assign ...string) *Jail {
		return mustConfig(t, rc(append([]string{"jail_list=x", "jail_x_rootdir=/j", "jail_x_hostname=h", "jail_x_flags=-l"}, assign...)...), nil).Jails["x"]
	}
	cases := map[string]*Jail{}
	cases["unknown flag"] = base("jail_x_flags=-l -n name")
	cases["configuration error"] = base("jail_x_rootdir=")
	// NewConfig refuses a blank in rootdir itself; convert must not rely
	// on that.
	j := base("jail_skel_enable=YES", "jail_skel_romounts=bin")
	j.RootDir = "/jails/a b"
	j.Mounts = jailMounts(j)
	cases["blank in a mount path"] = j
	for _, n := range []string{"unknown flag", "blank in a mount path"} {
		if len(cases[n].Errors) > 0 {
			t.Fatalf("%s: NewConfig refused it already: %v", n, cases[n].Errors)
		}
	}
	for name, j := range cases {
		c := &Config{Jails: map[string]*Jail{"x": j}}
		if out, err := ConvertJail(c, "x"); err == nil {
			t.Errorf("%s: converted:\n%s", name, out)
		}
	}
}
