package compat

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every kind of mount of one jail, in the order start mounts them, each
// skeleton mount with its skel_root; a jail.conf jail and a jail without
// a root directory have none.
func TestJailMounts(t *testing.T) {
	fsys := mapFS{
		"/etc/fstab.www":            "/data /jails/www/data nullfs rw 0 0\n/dev/ada1 /jails/www/mnt ufs ro 0 0\n",
		"/etc/defaults/devfs.rules": testRules,
	}
	j := mustConfig(t, with("jail_skel_enable=YES", "jail_skel_root=/skel", "jail_skel_romounts=usr/lib usr",
		"jail_skel_rwmounts=var/db", "jail_mount_enable=YES", "jail_devfs_enable=YES", "jail_fdescfs_enable=YES",
		"jail_procfs_enable=YES"), fsys).Jails["www"]
	if len(j.Errors) > 0 {
		t.Fatalf("refused: %q", errStrings(j))
	}
	want := []JailMount{
		{Kind: MountSkel, FSType: FSNullfs, Source: "/skel/usr", SourceRoot: "/skel", Target: "/jails/www/usr", ReadOnly: true, Entry: SkelEntry{Path: "usr"}},
		{Kind: MountSkel, FSType: FSNullfs, Source: "/skel/usr/lib", SourceRoot: "/skel", Target: "/jails/www/usr/lib", ReadOnly: true, Entry: SkelEntry{Path: "usr/lib"}},
		{Kind: MountSkel, FSType: FSNullfs, Source: "/skel/var/db", SourceRoot: "/skel", Target: "/jails/www/var/db", Entry: SkelEntry{Path: "var/db", RW: true}},
		{Kind: MountFstab, FSType: "nullfs", Source: "/data", Target: "/jails/www/data", FstabLine: 1},
		{Kind: MountFstab, FSType: "ufs", Source: "/dev/ada1", Target: "/jails/www/mnt", FstabLine: 2},
		{Kind: MountDevfs, FSType: FSDevfs, Target: "/jails/www/dev"},
		{Kind: MountFdescfs, FSType: FSFdescfs, Target: "/jails/www/dev/fd"},
		{Kind: MountProcfs, FSType: FSProcfs, Target: "/jails/www/proc"},
	}
	if d := cmp.Diff(want, j.Mounts); d != "" {
		t.Errorf("Mounts (-want +got)\n%s", d)
	}

	// The plan mounts exactly these, in this order (the fstab as one
	// file), and stop unmounts fdescfs, devfs, procfs, then the rest in
	// reverse.
	var mounted []string
	for _, s := range PlanStart(j, StartFacts{}) {
		switch s := s.(type) {
		case Mount:
			mounted = append(mounted, s.Target)
		case FstabMount:
			for _, e := range s.Entries {
				mounted = append(mounted, e.MountPoint)
			}
		}
	}
	var unmounted []string
	for _, s := range PlanStop(j, StopFacts{}) {
		if u, ok := s.(Unmount); ok {
			unmounted = append(unmounted, u.Target)
		}
	}
	var targets []string
	for _, m := range j.Mounts {
		targets = append(targets, m.Target)
	}
	if d := cmp.Diff(targets, mounted); d != "" {
		t.Errorf("start mounts (-want +got)\n%s", d)
	}
	wantUn := []string{"/jails/www/dev/fd", "/jails/www/dev", "/jails/www/proc", "/jails/www/mnt", "/jails/www/data",
		"/jails/www/var/db", "/jails/www/usr/lib", "/jails/www/usr"}
	if d := cmp.Diff(wantUn, unmounted); d != "" {
		t.Errorf("stop unmounts (-want +got)\n%s", d)
	}

	// No root directory (refused) or a jail.conf jail: no mounts.
	c := mustConfig(t, rc("jail_list=a b", "jail_devfs_enable=YES", "jail_a_hostname=a", "jail_b_hostname=b"),
		mapFS{"/etc/jail.conf": "b { path = /j/b; }\n", "/etc/defaults/devfs.rules": testRules})
	for _, n := range []string{"a", "b"} {
		if ms := c.Jails[n].Mounts; ms != nil {
			t.Errorf("jail %s: mounts %v, want none", n, ms)
		}
	}
	if c.Jails["b"].JailConfFile == "" {
		t.Errorf("jail b is not the jail.conf jail the test needs")
	}
}
