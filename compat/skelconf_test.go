package compat

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSkelDefaults(t *testing.T) {
	j := mustConfig(t, with("jail_skel_enable=YES", "jail_skel_root=/skel"), nil).Jails["www"]
	if len(j.Errors) != 0 {
		t.Fatalf("errors %q", errStrings(j))
	}
	wantRO := strings.Fields(defaultSkelRO)
	if d := cmp.Diff(wantRO, skelPaths(j.Skel, false)); d != "" {
		t.Errorf("RO (-want +got)\n%s", d)
	}
	if strings.Count(defaultSkelRO, "usr/sbin") != 1 {
		t.Errorf("default list names usr/sbin %d times", strings.Count(defaultSkelRO, "usr/sbin"))
	}
	if skelPaths(j.Skel, true) != nil || j.Skel.Mode != "nullfs" || j.Skel.Basedir != "basejail" || !j.Skel.Enable {
		t.Errorf("skel %+v", j.Skel)
	}
	// A global list set in a file (defaults/rc.conf) replaces the built-in one.
	j = mustConfig(t, with("jail_skel_enable=YES", "jail_skel_root=/skel", "jail_skel_romounts=bin lib"), nil).Jails["www"]
	if d := cmp.Diff([]string{"bin", "lib"}, skelPaths(j.Skel, false)); d != "" {
		t.Errorf("global list (-want +got)\n%s", d)
	}
	// The host root as skeleton (the patch's default) works in nullfs mode.
	j = mustConfig(t, with("jail_skel_enable=YES"), nil).Jails["www"]
	if len(j.Errors) != 0 || j.Skel.Root != "/" {
		t.Errorf("skel_root=/: %q %+v", errStrings(j), j.Skel)
	}
}

func TestSkelOrder(t *testing.T) {
	v := with("jail_skel_enable=YES", "jail_skel_root=/skel",
		"jail_www_skel_romounts=usr/lib ./bin usr/share/ usr",
		"jail_www_skel_rwmounts=tmp usr/local usr/lib/x")
	j := mustConfig(t, v, nil).Jails["www"]
	if len(j.Errors) != 0 {
		t.Fatalf("errors %q", errStrings(j))
	}
	want := []SkelEntry{
		{Path: "usr"}, {Path: "usr/lib"}, {Path: "bin"}, {Path: "usr/share"},
		{Path: "tmp", RW: true}, {Path: "usr/local", RW: true}, {Path: "usr/lib/x", RW: true},
	}
	if d := cmp.Diff(want, j.Skel.Entries); d != "" {
		t.Errorf("Order (-want +got)\n%s", d)
	}
	if d := cmp.Diff([]string{"usr", "usr/lib", "bin", "usr/share"}, skelPaths(j.Skel, false)); d != "" {
		t.Errorf("RO (-want +got)\n%s", d)
	}
	if d := cmp.Diff([]string{"tmp", "usr/local", "usr/lib/x"}, skelPaths(j.Skel, true)); d != "" {
		t.Errorf("RW (-want +got)\n%s", d)
	}
	// A rw parent listed after its ro child still comes first.
	j = mustConfig(t, with("jail_skel_enable=YES", "jail_skel_root=/skel", "jail_skel_romounts=var/db/pkg", "jail_skel_rwmounts=var"), nil).Jails["www"]
	if d := cmp.Diff([]SkelEntry{{Path: "var", RW: true}, {Path: "var/db/pkg"}}, j.Skel.Entries); d != "" {
		t.Errorf("mixed Order (-want +got)\n%s", d)
	}
}

// Every rule of SPEC §4.1, each refusal naming the entry.
func TestSkelErrors(t *testing.T) {
	const pre = `/etc/rc.conf:8: jail www: jail_www_skel_romounts=`
	fsys := mapFS{"/etc/fstab.www": "/data /jails/www/usr/local nullfs rw 0 0\n"}
	for _, tc := range []struct {
		ro   string
		more []string
		want string
	}{
		{"/usr", nil, `"/usr": entry "/usr" is absolute (entries are relative to skel_root and the jail root)`},
		{"../etc", nil, `"../etc": entry "../etc" contains ".."`},
		{"usr/../../etc", nil, `"usr/../../etc": entry "usr/../../etc" contains ".."`},
		{"usr/../lib", nil, `"usr/../lib": entry "usr/../lib" contains ".."`},
		{".", nil, `".": entry "." names the jail root itself`},
		{"./", nil, `"./": entry "./" names the jail root itself`},
		{"usr/lib usr/lib/", nil, `"usr/lib usr/lib/": entry "usr/lib/" is listed twice (after cleaning: usr/lib)`},
		{"usr/lib ./usr/lib", nil, `"usr/lib ./usr/lib": entry "./usr/lib" is listed twice (after cleaning: usr/lib)`},
		{"usr/*", nil, `"usr/*": entry "usr/*" contains "*" (blanks, quotes, shell and glob characters are not allowed)`},
		{"a$b", nil, `"a$b": entry "a$b" contains "$" (blanks, quotes, shell and glob characters are not allowed)`},
		{"a'b", nil, `"a'b": entry "a'b" contains "'" (blanks, quotes, shell and glob characters are not allowed)`},
		{`a\b`, nil, `"a\\b": entry "a\\b" contains "\\" (blanks, quotes, shell and glob characters are not allowed)`},
		{"-o", nil, `"-o": entry "-o" starts with "-" (mount(8) would read it as an option)`},
		{"dev", nil, `"dev": entry "dev" is or is under dev or proc, which devfs, fdescfs and procfs own`},
		{"dev/fd", nil, `"dev/fd": entry "dev/fd" is or is under dev or proc, which devfs, fdescfs and procfs own`},
		{"proc", nil, `"proc": entry "proc" is or is under dev or proc, which devfs, fdescfs and procfs own`},
		{"usr/local", []string{"jail_www_mount_enable=YES"}, `"usr/local": entry "usr/local": /jails/www/usr/local is or is under the fstab mount point /jails/www/usr/local (/etc/fstab.www line 1)`},
		{"usr/local/bin", []string{"jail_www_mount_enable=YES"}, `"usr/local/bin": entry "usr/local/bin": /jails/www/usr/local/bin is or is under the fstab mount point /jails/www/usr/local (/etc/fstab.www line 1)`},
		{"basejail/x", []string{"jail_skel_mode=symlink"}, `"basejail/x": entry "basejail/x" is, is inside or contains skel_basedir basejail`},
		{"usr usr/lib", []string{"jail_skel_mode=symlink"}, `"usr usr/lib": entry "usr/lib" is under "usr", a symlink in symlink mode`},
	} {
		v := with(append([]string{"jail_skel_enable=YES", "jail_skel_root=/skel", "jail_www_skel_romounts=" + tc.ro}, tc.more...)...)
		j := mustConfig(t, v, fsys).Jails["www"]
		if d := cmp.Diff([]string{pre + tc.want}, errStrings(j)); d != "" {
			t.Errorf("%q (-want +got)\n%s", tc.ro, d)
		}
		if j.Skel.Entries != nil {
			t.Errorf("%q: refused jail has a mount order", tc.ro)
		}
	}
	// Blanks separate entries: a tab-separated list is two entries.
	j := mustConfig(t, with("jail_skel_enable=YES", "jail_skel_root=/skel", "jail_skel_romounts=bin\tlib"), nil).Jails["www"]
	if d := cmp.Diff([]string{"bin", "lib"}, skelPaths(j.Skel, false)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}

func TestSkelOtherKnobErrors(t *testing.T) {
	for _, tc := range []struct {
		more []string
		want string
	}{
		{[]string{"jail_skel_rwmounts=usr/lib"}, `/etc/rc.conf:8: jail www: jail_skel_rwmounts="usr/lib": entry "usr/lib" is in both skel_romounts and skel_rwmounts`},
		{[]string{"jail_skel_mode=union"}, `/etc/rc.conf:8: jail www: jail_skel_mode="union": skel_mode is neither "nullfs" nor "symlink"`},
		{[]string{"jail_skel_root=skel"}, `/etc/rc.conf:8: jail www: jail_skel_root="skel": skel_root is not an absolute path`},
		{[]string{"jail_skel_root=/skel/../x"}, `/etc/rc.conf:8: jail www: jail_skel_root="/skel/../x": skel_root has a ".." component`},
		{[]string{"jail_skel_root=/jails//www/skel/"}, `/etc/rc.conf:8: jail www: jail_skel_root="/jails//www/skel/": skel_root is or is inside the jail's root directory /jails/www`},
		{[]string{"jail_skel_root=/jails/www"}, `/etc/rc.conf:8: jail www: jail_skel_root="/jails/www": skel_root is or is inside the jail's root directory /jails/www`},
		{[]string{"jail_skel_root=/jails/www/skel"}, `/etc/rc.conf:8: jail www: jail_skel_root="/jails/www/skel": skel_root is or is inside the jail's root directory /jails/www`},
		{[]string{"jail_skel_root=/", "jail_skel_mode=symlink"}, `/etc/rc.conf:8: jail www: jail_skel_root="/": skel_root contains the jail's root directory /jails/www (symlink mode mounts all of skel_root)`},
		{[]string{"jail_skel_root=/", "jail_www_skel_rwmounts=jails"}, `/etc/rc.conf:9: jail www: jail_www_skel_rwmounts="jails": entry "jails": source /jails is, is inside or contains the jail's root directory /jails/www`},
		{[]string{"jail_skel_mode=symlink", "jail_skel_basedir=../b"}, `/etc/rc.conf:9: jail www: jail_skel_basedir="../b": skel_basedir contains ".."`},
		{[]string{"jail_skel_mode=symlink", "jail_skel_basedir=/b"}, `/etc/rc.conf:9: jail www: jail_skel_basedir="/b": skel_basedir is absolute (entries are relative to skel_root and the jail root)`},
	} {
		root := []string{"jail_skel_root=/skel"}
		for _, m := range tc.more {
			if strings.HasPrefix(m, "jail_skel_root=") {
				root = nil
			}
		}
		v := with(append(append([]string{"jail_skel_enable=YES"}, root...), tc.more...)...)
		if root == nil {
			// Keep line numbers as if skel_root were on line 7.
			v = with(append([]string{"jail_skel_enable=YES", "jail_unused=x"}, tc.more...)...)
		}
		j := mustConfig(t, v, nil).Jails["www"]
		if d := cmp.Diff([]string{tc.want}, errStrings(j)); d != "" {
			t.Errorf("%q (-want +got)\n%s", tc.more, d)
		}
	}
	// Junk in the lists does not matter while skel_enable is off.
	j := mustConfig(t, with("jail_skel_romounts=/abs ..", "jail_skel_mode=bogus"), nil).Jails["www"]
	if len(j.Errors) != 0 {
		t.Errorf("disabled skeleton refused: %q", errStrings(j))
	}
}

func TestSkelSymlinkMode(t *testing.T) {
	j := mustConfig(t, with("jail_skel_enable=YES", "jail_skel_root=/skel", "jail_skel_mode=symlink", "jail_skel_basedir=./base/", "jail_skel_romounts=bin usr/lib", "jail_skel_rwmounts=usr/local"), nil).Jails["www"]
	if len(j.Errors) != 0 {
		t.Fatalf("errors %q", errStrings(j))
	}
	want := Skel{Enable: true, Root: "/skel", Mode: "symlink", Basedir: "base",
		Entries: []SkelEntry{{Path: "bin"}, {Path: "usr/lib"}, {Path: "usr/local", RW: true}}}
	if d := cmp.Diff(want, j.Skel); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	// The read-only entries are links: the mounts are skel_root on the
	// base directory, then the writable entry.
	wantM := []JailMount{
		{Kind: MountSkelBase, FSType: FSNullfs, Source: "/skel", Target: "/jails/www/base", ReadOnly: true},
		{Kind: MountSkel, FSType: FSNullfs, Source: "/skel/usr/local", SourceRoot: "/skel", Target: "/jails/www/usr/local", Entry: SkelEntry{Path: "usr/local", RW: true}},
	}
	if d := cmp.Diff(wantM, j.Mounts); d != "" {
		t.Errorf("Mounts (-want +got)\n%s", d)
	}
}

// A writable skeleton directory mounted into two jails is a warning naming
// CVE-2025-15576; read-only sharing is the point of skeletons and is not.
func TestSharedRWWarning(t *testing.T) {
	v := rc("jail_list=a b c", "jail_skel_enable=YES", "jail_skel_root=/skel",
		"jail_a_rootdir=/j/a", "jail_a_hostname=a", "jail_b_rootdir=/j/b", "jail_b_hostname=b",
		"jail_c_rootdir=/j/c", "jail_c_hostname=c",
		"jail_a_skel_rwmounts=home", "jail_b_skel_rwmounts=home/shared", "jail_c_skel_rwmounts=var/tmp")
	c := mustConfig(t, v, nil)
	want := []string{`jails "a" and "b" share the skeleton directory /skel/home, writable in "a": sibling jails sharing a writable directory can escape (CVE-2025-15576)`}
	if d := cmp.Diff(want, c.Warnings); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	for _, n := range c.List {
		if len(c.Jails[n].Errors) != 0 {
			t.Errorf("%s refused: %q", n, errStrings(c.Jails[n]))
		}
	}
}

func TestMountOrder(t *testing.T) {
	in := []SkelEntry{{Path: "a/b/c"}, {Path: "x"}, {Path: "a/b", RW: true}, {Path: "a"}}
	want := []SkelEntry{{Path: "a"}, {Path: "a/b", RW: true}, {Path: "a/b/c"}, {Path: "x"}}
	if d := cmp.Diff(want, mountOrder(in)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}
