package compat

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFstab(t *testing.T) {
	fsys := mapFS{"/etc/fstab.www": "# jail fstab\n\n/usr/ports /jails/www/usr/ports nullfs ro 0 0\n  # indented comment\n/data\t/jails/www/data\tnullfs\trw # note\n"}
	j := mustConfig(t, with("jail_www_mount_enable=YES"), fsys).Jails["www"]
	if len(j.Errors) != 0 {
		t.Fatalf("errors %q", errStrings(j))
	}
	want := []FstabEntry{
		{Device: "/usr/ports", MountPoint: "/jails/www/usr/ports", FSType: "nullfs", Options: "ro", Line: 3},
		{Device: "/data", MountPoint: "/jails/www/data", FSType: "nullfs", Options: "rw", Line: 5},
	}
	if d := cmp.Diff(want, j.FstabEntries); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	// Without mount_enable the fstab is not read.
	j = mustConfig(t, with(), mapFS{}).Jails["www"]
	if len(j.Errors) != 0 || j.FstabEntries != nil {
		t.Errorf("fstab read without mount_enable: %+v", j)
	}
}

func TestFstabErrors(t *testing.T) {
	for _, tc := range []struct {
		fstab string // "" = missing
		want  string
	}{
		{"", `jail www: jail_www_fstab="/etc/fstab.www" (default): fstab does not exist`},
		{"/a /jails/www/a nullfs\n", `jail www: jail_www_fstab="/etc/fstab.www" (default): /etc/fstab.www line 1: 3 fields (want device, mount point, type, options[, dump[, pass]])`},
		{"/a jails/www/a nullfs ro\n", `jail www: jail_www_fstab="/etc/fstab.www" (default): /etc/fstab.www line 1: mount point "jails/www/a" is not an absolute path`},
		{"/a /jails/www/../x nullfs ro\n", `jail www: jail_www_fstab="/etc/fstab.www" (default): /etc/fstab.www line 1: mount point "/jails/www/../x" has a ".." component`},
		{"/a /jails/www/a/../../x nullfs ro\n", `jail www: jail_www_fstab="/etc/fstab.www" (default): /etc/fstab.www line 1: mount point "/jails/www/a/../../x" has a ".." component`},
		{"/a /jails//wwwx/ nullfs ro\n", `jail www: jail_www_fstab="/etc/fstab.www" (default): /etc/fstab.www line 1: mount point "/jails//wwwx/" is not under the jail's root directory /jails/www`},
		{"/a /jails/wwwx nullfs ro\n", `jail www: jail_www_fstab="/etc/fstab.www" (default): /etc/fstab.www line 1: mount point "/jails/wwwx" is not under the jail's root directory /jails/www`},
		{"/a /usr/local nullfs ro\n", `jail www: jail_www_fstab="/etc/fstab.www" (default): /etc/fstab.www line 1: mount point "/usr/local" is not under the jail's root directory /jails/www`},
	} {
		fsys := mapFS{}
		if tc.fstab != "" {
			fsys["/etc/fstab.www"] = tc.fstab
		}
		j := mustConfig(t, with("jail_www_mount_enable=YES"), fsys).Jails["www"]
		if d := cmp.Diff([]string{tc.want}, errStrings(j)); d != "" {
			t.Errorf("%q (-want +got)\n%s", tc.fstab, d)
		}
	}
	// A set fstab variable is named with its file:line.
	j := mustConfig(t, with("jail_mount_enable=YES", "jail_fstab=/etc/fstab.all"), mapFS{}).Jails["www"]
	if d := cmp.Diff([]string{`/etc/rc.conf:7: jail www: jail_fstab="/etc/fstab.all": fstab does not exist`}, errStrings(j)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
}
