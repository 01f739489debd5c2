package compat

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A devfs.rules in the style of the stock file, written for this test.
const testRules = `#
# test rules
#
[devfsrules_hide_all=1]
add hide

[devfsrules_unhide_basic=2]
add path null unhide
add path 'pts/*' unhide    # trailing comment
  add path "fd" \
      unhide

[devfsrules_jail=4]
add include $devfsrules_hide_all
add include ${devfsrules_unhide_basic}
add path zfs unhide
`

func TestLoadDevfsRules(t *testing.T) {
	d := loadDevfsRules(mapFS{
		"/etc/defaults/devfs.rules": testRules,
		"/etc/devfs.rules":          "[local=10]\nadd include $devfsrules_jail\nadd path 'bpf*' unhide\nadd path tun* unhide\n",
	}, []string{"/etc/defaults/devfs.rules", "/etc/missing.rules", "/etc/devfs.rules"})
	if d.err != nil {
		t.Fatalf("err %+v", d.err)
	}
	want := []DevfsRule{
		{1, []string{"delset"}},
		{1, []string{"add", "hide"}},
		{2, []string{"delset"}},
		{2, []string{"add", "path", "null", "unhide"}},
		{2, []string{"add", "path", "pts/*", "unhide"}},
		{2, []string{"add", "path", "fd", "unhide"}},
		{4, []string{"delset"}},
		{4, []string{"add", "include", "1"}},
		{4, []string{"add", "include", "2"}},
		{4, []string{"add", "path", "zfs", "unhide"}},
		{10, []string{"delset"}},
		{10, []string{"add", "include", "4"}},
		{10, []string{"add", "path", "bpf*", "unhide"}},
		{10, []string{"add", "path", "tun*", "unhide"}},
	}
	if d := cmp.Diff(want, d.rules); d != "" {
		t.Errorf("rules (-want +got)\n%s", d)
	}
	if d := cmp.Diff(map[string]int{"devfsrules_hide_all": 1, "devfsrules_unhide_basic": 2, "devfsrules_jail": 4, "local": 10}, d.names); d != "" {
		t.Errorf("names (-want +got)\n%s", d)
	}
}

func TestLoadDevfsRulesErrors(t *testing.T) {
	for _, tc := range []struct{ text, msg string }{
		{"[x]\nadd hide\n", `cannot extract rule number from "[x]"`},
		{"[x=]\n", `cannot extract rule number from "[x=]"`},
		{"[a;b=3]\n", `ruleset name "a;b" is not a valid name`},
		{"[x=99999]\n", `ruleset number "99999" out of range`},
		{"add hide\n", `rule "add hide" comes before any [name=N] header`},
		{"[x=3]\nadd include $nosuch\n", `rule "add include $nosuch": $nosuch is not a ruleset defined above`},
		{"[x=3]\nadd path a; reboot\n", `rule "add path a; reboot": ";" separates commands: a shell would run a second command`},
		{"[x=3]\nadd path $(id)\n", `rule "add path $(id)": command substitution would make a shell run a command`},
	} {
		d := loadDevfsRules(mapFS{"/r": "# c\n" + tc.text}, []string{"/r"})
		if d.err == nil {
			t.Errorf("%q accepted", tc.text)
			continue
		}
		if d.err.msg != tc.msg || d.err.file != "/r" || d.err.line < 2 {
			t.Errorf("%q: %+v, want %s at /r:2+", tc.text, d.err, tc.msg)
		}
	}
}

// C3: a ruleset by name and by number; an unknown name refuses the jail, but
// only when devfs is enabled.
func TestDevfsRulesetResolution(t *testing.T) {
	fsys := mapFS{"/etc/defaults/devfs.rules": testRules}
	for _, tc := range []struct {
		assign []string
		n      int
		errs   []string
	}{
		{[]string{"jail_www_devfs_enable=YES"}, 4, nil},
		{[]string{"jail_www_devfs_enable=YES", "jail_www_devfs_ruleset=devfsrules_jail"}, 4, nil},
		{[]string{"jail_www_devfs_enable=YES", "jail_www_devfs_ruleset=4"}, 4, nil},
		{[]string{"jail_www_devfs_enable=YES", "jail_devfs_ruleset=17"}, 17, nil},
		{[]string{"jail_www_devfs_enable=YES", "jail_www_devfs_ruleset=nosuch"}, -1,
			[]string{`/etc/rc.conf:7: jail www: jail_www_devfs_ruleset="nosuch": unknown devfs ruleset (not defined by a [nosuch=N] header in devfs_rulesets)`}},
		{[]string{"jail_www_devfs_enable=YES", "jail_www_devfs_ruleset=0"}, -1,
			[]string{`/etc/rc.conf:7: jail www: jail_www_devfs_ruleset="0": devfs ruleset 0 hides no device (the jail would see every host device)`}},
		{[]string{"jail_www_devfs_enable=YES", "jail_www_devfs_ruleset=$x"}, -1,
			[]string{`/etc/rc.conf:7: jail www: jail_www_devfs_ruleset="$x": devfs ruleset is neither a number nor a ruleset name`}},
		{[]string{"jail_www_devfs_ruleset=nosuch"}, -1, nil},
		{[]string{"jail_www_devfs_enable=YES", "devfs_rulesets=/etc/other.rules"}, -1,
			[]string{`jail www: jail_www_devfs_ruleset="devfsrules_jail" (default): unknown devfs ruleset (not defined by a [devfsrules_jail=N] header in devfs_rulesets)`}},
	} {
		j := mustConfig(t, with(tc.assign...), fsys).Jails["www"]
		if d := cmp.Diff(tc.errs, errStrings(j)); d != "" {
			t.Errorf("%q: errors (-want +got)\n%s", tc.assign, d)
		}
		if j.DevfsRulesetN != tc.n {
			t.Errorf("%q: ruleset %d, want %d", tc.assign, j.DevfsRulesetN, tc.n)
		}
		if tc.n > 0 && len(j.DevfsRules) != 10 {
			t.Errorf("%q: %d rules, want 10", tc.assign, len(j.DevfsRules))
		}
	}
	// A broken rules file refuses devfs jails with its file:line.
	j := mustConfig(t, with("jail_www_devfs_enable=YES"), mapFS{"/etc/devfs.rules": "[ok=5]\n[bad]\n"}).Jails["www"]
	want := []string{`/etc/devfs.rules:2: jail www: devfs_rulesets="/etc/defaults/devfs.rules /etc/devfs.rules" (default): cannot extract rule number from "[bad]"`}
	if d := cmp.Diff(want, errStrings(j)); d != "" {
		t.Errorf("broken file (-want +got)\n%s", d)
	}
}

// FuzzLoadDevfsRules: any file either fails with a position or yields rules
// that each belong to a ruleset declared by a header before them.
func FuzzLoadDevfsRules(f *testing.F) {
	f.Add(testRules)
	f.Add("[a=1]\nadd include $a\n[b=2]\\\nadd hide\n")
	f.Add("[x]\n")
	f.Fuzz(func(t *testing.T, s string) {
		d := loadDevfsRules(mapFS{"/r": s}, []string{"/r"})
		if d.err != nil {
			if d.err.file != "/r" || d.err.line < 1 {
				t.Fatalf("error without position: %+v", d.err)
			}
			return
		}
		declared := map[int]bool{}
		for _, r := range d.rules {
			if len(r.Args) == 1 && r.Args[0] == "delset" {
				declared[r.Ruleset] = true
			}
			if !declared[r.Ruleset] || len(r.Args) == 0 {
				t.Fatalf("rule %+v before its header", r)
			}
		}
	})
}

// devfs_rulesets set to "" over the defaults/rc.conf list reads no rules
// file (issue 10 item 12): the default ruleset name is then unknown.
func TestDevfsRulesetsSetEmpty(t *testing.T) {
	fsys := mapFS{"/etc/defaults/devfs.rules": testRules}
	j := mustConfig(t, with("jail_www_devfs_enable=YES"), fsys).Jails["www"]
	if len(j.Errors) != 0 || j.DevfsRulesetN < 0 {
		t.Fatalf("unset devfs_rulesets: %q %d", errStrings(j), j.DevfsRulesetN)
	}
	j = mustConfig(t, with("jail_www_devfs_enable=YES", "devfs_rulesets="), fsys).Jails["www"]
	if len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error(), "devfsrules_jail") {
		t.Errorf("devfs_rulesets=\"\": %q", errStrings(j))
	}
}
