package compat

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every rootdir and hostname refusal, with the exact message: jail,
// variable, file:line and value (security.md §4.1 rows 1–3, 15, 17).
func TestRootdirHostnameErrors(t *testing.T) {
	long := "/" + strings.Repeat("a", 1100)
	for _, tc := range []struct {
		assign []string
		want   string
	}{
		{[]string{"jail_www_rootdir="}, `jail www: jail_www_rootdir="": no root directory has been defined`},
		{[]string{"jail_www_rootdir=jails/www"}, `/etc/rc.conf:6: jail www: jail_www_rootdir="jails/www": root directory is not an absolute path`},
		{[]string{"jail_www_rootdir=/"}, `/etc/rc.conf:6: jail www: jail_www_rootdir="/": root directory is the host's / (/ names /)`},
		{[]string{"jail_www_rootdir=//"}, `/etc/rc.conf:6: jail www: jail_www_rootdir="//": root directory is the host's / (// names /)`},
		{[]string{"jail_www_rootdir=/./"}, `/etc/rc.conf:6: jail www: jail_www_rootdir="/./": root directory is the host's / (/./ names /)`},
		{[]string{"jail_www_rootdir=/usr/.."}, `/etc/rc.conf:6: jail www: jail_www_rootdir="/usr/..": root directory has a ".." component`},
		{[]string{"jail_www_rootdir=/jails/x/../www"}, `/etc/rc.conf:6: jail www: jail_www_rootdir="/jails/x/../www": root directory has a ".." component`},
		{[]string{"jail_www_rootdir=/jails/w\nw"}, `/etc/rc.conf:6: jail www: jail_www_rootdir="/jails/w\nw": root directory contains control character "\n"`},
		{[]string{"jail_www_rootdir=/jails/w w"}, `/etc/rc.conf:6: jail www: jail_www_rootdir="/jails/w w": root directory contains " ", which a shell would interpret`},
		{[]string{"jail_www_rootdir=/jails/$(id)"}, `/etc/rc.conf:6: jail www: jail_www_rootdir="/jails/$(id)": root directory contains "$", which a shell would interpret`},
		{[]string{"jail_www_rootdir=" + long}, `/etc/rc.conf:6: jail www: jail_www_rootdir="` + long + `": root directory is longer than the mount path limit`},
		{[]string{"jail_www_hostname="}, `jail www: jail_www_hostname="": no hostname has been defined`},
		{[]string{"jail_www_hostname=a b"}, `/etc/rc.conf:6: jail www: jail_www_hostname="a b": hostname contains " ", which a shell would interpret`},
		{[]string{"jail_www_hostname=a;b"}, `/etc/rc.conf:6: jail www: jail_www_hostname="a;b": hostname contains ";", which a shell would interpret`},
		{[]string{"jail_www_hostname=-h"}, `/etc/rc.conf:6: jail www: jail_www_hostname="-h": hostname starts with "-" (it would be read as an option)`},
		{[]string{"jail_www_hostname=a\x01"}, `/etc/rc.conf:6: jail www: jail_www_hostname="a\x01": hostname contains control character "\x01"`},
		{[]string{"jail_www_fib=one"}, `/etc/rc.conf:6: jail www: jail_www_fib="one": fib is not a number`},
		{[]string{"jail_consolelog=var/log/x"}, `/etc/rc.conf:6: jail www: jail_consolelog="var/log/x": console log is not an absolute path`},
		{[]string{"jail_www_flags=-l; reboot"}, `/etc/rc.conf:6: jail www: jail_www_flags="-l; reboot": ";" separates commands: a shell would run a second command`},
		{[]string{"jail_www_exec_start=/bin/sh /etc/rc > /tmp/x"}, `/etc/rc.conf:6: jail www: jail_www_exec_start="/bin/sh /etc/rc > /tmp/x": redirection ">" would make a shell open a file`},
		{[]string{"jail_exec_stop=/bin/sh `id`"}, "/etc/rc.conf:6: jail www: jail_exec_stop=\"/bin/sh `id`\": command substitution would make a shell run a command"},
		{[]string{"jail_www_exec=$HOME/x"}, `/etc/rc.conf:6: jail www: jail_www_exec="$HOME/x": "$HOME" would be replaced by a shell variable`},
		{[]string{"jail_www_exec_start= "}, `/etc/rc.conf:6: jail www: jail_www_exec_start=" ": start command has no words`},
		{[]string{"jail_exec_prestart0=/bin/rm /tmp/*"}, `/etc/rc.conf:6: jail www: jail_exec_prestart0="/bin/rm /tmp/*": glob character "*": the script's unquoted expansion would expand it against the host's files`},
	} {
		// The base sets rootdir on line 3 and hostname on line 4; the
		// override is line 6 (the map keeps the last line).
		v := with(tc.assign...)
		if strings.HasPrefix(tc.assign[0], "jail_www_rootdir=") || strings.HasPrefix(tc.assign[0], "jail_www_hostname=") {
			// Re-place the override on line 6 by removing the base line.
			k, _, _ := strings.Cut(tc.assign[0], "=")
			v.lines[k] = 6
		}
		j := mustConfig(t, v, nil).Jails["www"]
		if d := cmp.Diff([]string{tc.want}, errStrings(j)); d != "" {
			t.Errorf("%q (-want +got)\n%s", tc.assign, d)
		}
	}
}

// Unclean spellings of path knobs are cleaned lexically and used clean,
// with the written value kept for show (issue 10 item 2, SPEC §3.1).
func TestUncleanPathsCleaned(t *testing.T) {
	fsys := mapFS{"/etc/fstab.www": "/data /jails/www/usr/ports/ nullfs ro\n/db /jails//www/./var/db nullfs rw\n"}
	v := with("jail_www_rootdir=/jails//www/", "jail_www_mount_enable=YES", "jail_www_fstab=/etc//fstab.www",
		"jail_www_consolelog=/var/log/./www.log", "jail_skel_enable=YES", "jail_skel_root=/usr/skel/", "jail_skel_romounts=bin/ usr//lib")
	j := mustConfig(t, v, fsys).Jails["www"]
	if len(j.Errors) != 0 {
		t.Fatalf("refused: %q", errStrings(j))
	}
	if j.RootDir != "/jails/www" || j.Fstab != "/etc/fstab.www" || j.ConsoleLog != "/var/log/www.log" || j.Skel.Root != "/usr/skel" {
		t.Errorf("not cleaned: root %q fstab %q log %q skel %q", j.RootDir, j.Fstab, j.ConsoleLog, j.Skel.Root)
	}
	var mps []string
	for _, e := range j.FstabEntries {
		mps = append(mps, e.MountPoint)
	}
	if d := cmp.Diff([]string{"/jails/www/usr/ports", "/jails/www/var/db"}, mps); d != "" {
		t.Errorf("fstab mount points (-want +got)\n%s", d)
	}
	if d := cmp.Diff([]string{"bin", "usr/lib"}, skelPaths(j.Skel, false)); d != "" {
		t.Errorf("skel entries (-want +got)\n%s", d)
	}
	written := map[string]string{}
	for _, s := range j.Settings {
		if s.Written != "" {
			written[s.Knob] = s.Written + " -> " + s.Value
		}
	}
	want := map[string]string{
		"rootdir":    "/jails//www/ -> /jails/www",
		"fstab":      "/etc//fstab.www -> /etc/fstab.www",
		"consolelog": "/var/log/./www.log -> /var/log/www.log",
		"skel_root":  "/usr/skel/ -> /usr/skel",
	}
	if d := cmp.Diff(want, written); d != "" {
		t.Errorf("written values (-want +got)\n%s", d)
	}
}

// Empty values have an origin but are unset: the message has no file.
func TestUnsetHasNoOrigin(t *testing.T) {
	v := with("jail_www_rootdir=")
	delete(v.lines, "jail_www_rootdir")
	e := mustConfig(t, v, nil).Jails["www"].Errors
	if len(e) != 1 || e[0].File != "" || e[0].Line != 0 || e[0].Var != "jail_www_rootdir" || e[0].Jail != "www" {
		t.Errorf("error %+v", e)
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ name, j, jv string }{
		{"www", "www", "www"},
		{"my-jail", "my-jail", "my_jail"},
		{"a.b", "a_b", "a_b"},
		{"a/b", "a_b", "a_b"},
		{"x+y@z:1", "x+y@z:1", "x_y_z_1"},
	} {
		j, jv := jailNames(tc.name)
		if j != tc.j || jv != tc.jv {
			t.Errorf("jailNames(%q) = %q, %q; want %q, %q", tc.name, j, jv, tc.j, tc.jv)
		}
	}
	// C13: a dash in the name reads jail_my_jail_* and keeps my-jail as the
	// jail name.
	v := rc("jail_list=my-jail", "jail_my_jail_rootdir=/jails/www", "jail_my_jail_hostname=dash.example.org", "jail_my_jail_ip=192.0.2.30")
	j := mustConfig(t, v, nil).Jails["my-jail"]
	if len(j.Errors) != 0 || j.J != "my-jail" || j.RootDir != "/jails/www" || j.ConsoleLog != "/var/log/jail_my-jail_console.log" || j.Fstab != "/etc/fstab.my-jail" {
		t.Errorf("my-jail: %+v %q", j, errStrings(j))
	}
	j = mustConfig(t, rc("jail_a_b_rootdir=/j/ab", "jail_a_b_hostname=ab"), nil, "a.b").Jails["a.b"]
	if len(j.Errors) != 0 || j.J != "a_b" || j.ConsoleLog != "/var/log/jail_a_b_console.log" {
		t.Errorf("a.b: %+v %q", j, errStrings(j))
	}
}

func TestNameErrors(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"", `jail "": empty jail name`},
		{"123", `jail 123: purely numeric jail name (jail(8) would take it for a jid)`},
		{"-x", `jail -x: jail name starts with "-" (it would be read as an option)`},
		{"a b", `jail "a b": jail name contains " " (only letters, digits and _ . - / + @ : are allowed)`},
		{"a;b", `jail "a;b": jail name contains ";" (only letters, digits and _ . - / + @ : are allowed)`},
		{"a\"b", `jail "a\"b": jail name contains "\"" (only letters, digits and _ . - / + @ : are allowed)`},
	} {
		c := mustConfig(t, rc(base...), nil, tc.name, "www")
		if d := cmp.Diff([]string{tc.want}, errStrings(c.Jails[tc.name])); d != "" {
			t.Errorf("%q (-want +got)\n%s", tc.name, d)
		}
		if len(c.Jails["www"].Errors) != 0 {
			t.Errorf("%q: the other jail was refused too", tc.name)
		}
	}
}

func TestNameCollision(t *testing.T) {
	// Only the colliding pair is refused (SPEC §3.1, issue 10 item 5).
	c, err := NewConfig(with("jail_list=a-b www a_b"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{`jail a-b: jails "a-b" and "a_b" both map to variables jail_a_b_* (and one id file): both are refused`}, errStrings(c.Jails["a-b"])); d != "" {
		t.Errorf("a-b (-want +got)\n%s", d)
	}
	if d := cmp.Diff([]string{`jail a_b: jails "a_b" and "a-b" both map to variables jail_a_b_* (and one id file): both are refused`}, errStrings(c.Jails["a_b"])); d != "" {
		t.Errorf("a_b (-want +got)\n%s", d)
	}
	c, err = NewConfig(rc(base...), nil, []string{"a.b", "www", "a/b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Jails["a.b"].Errors) != 1 || len(c.Jails["a/b"].Errors) != 1 {
		t.Errorf("a.b/a/b not refused: %v %v", errStrings(c.Jails["a.b"]), errStrings(c.Jails["a/b"]))
	}
	if len(c.Jails["www"].Errors) != 0 {
		t.Errorf("www refused: %v", errStrings(c.Jails["www"]))
	}
	// The same name twice is not a collision.
	c, err = NewConfig(rc(base...), nil, []string{"www", "www"})
	if err != nil || len(c.Jails["www"].Errors) != 0 {
		t.Errorf("same name twice: %v %v", err, errStrings(c.Jails["www"]))
	}
}

func TestBackend(t *testing.T) {
	for _, b := range []string{"native", "command", ""} {
		c := mustConfig(t, rc("rcjail_backend="+b), nil)
		if c.Backend != b {
			t.Errorf("backend %q -> %q", b, c.Backend)
		}
	}
	_, err := NewConfig(rc("jail_enable=YES", "rcjail_backend=fast"), nil, nil)
	if err == nil || err.Error() != `resolve configuration: /etc/rc.conf:2: rcjail_backend="fast": not "native" or "command"` {
		t.Errorf("err = %v", err)
	}
}

// The console log and the fstab are host files: inside the jail root the
// jail could redirect or rewrite them (SA-07:01).
func TestHostFilesOutsideRoot(t *testing.T) {
	j := mustConfig(t, with("jail_www_consolelog=/jails/www/var/log/console.log"), nil).Jails["www"]
	want := []string{`/etc/rc.conf:6: jail www: jail_www_consolelog="/jails/www/var/log/console.log": console log is inside the jail's root directory /jails/www (the jail could redirect it to any host file)`}
	if d := cmp.Diff(want, errStrings(j)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	j = mustConfig(t, with("jail_www_mount_enable=YES", "jail_www_fstab=/jails/www/etc/fstab"), mapFS{"/jails/www/etc/fstab": ""}).Jails["www"]
	want = []string{`/etc/rc.conf:7: jail www: jail_www_fstab="/jails/www/etc/fstab": fstab is inside the jail's root directory /jails/www (the jail could rewrite it)`}
	if d := cmp.Diff(want, errStrings(j)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}
