package native

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"rcjail/compat"
	"rcjail/mount"
)

func TestFstabFreeBSD(t *testing.T) {
	const root = "/jails/www"
	for _, tc := range []struct {
		name string
		e    compat.FstabEntry
		want mount.Request
		ok   bool
	}{
		{"nullfs ro", compat.FstabEntry{Device: "/usr/ports", MountPoint: "/jails/www/usr/ports", FSType: "nullfs", Options: "ro"},
			mount.Request{FSType: mount.NullFS, Source: "/usr/ports", Root: root, Target: "usr/ports", ReadOnly: true}, true},
		{"nullfs rw, unclean paths", compat.FstabEntry{Device: "/usr//src/", MountPoint: "/jails/www/usr/src/", FSType: "nullfs", Options: "rw"},
			mount.Request{FSType: mount.NullFS, Source: "/usr/src", Root: root, Target: "usr/src"}, true},
		{"procfs", compat.FstabEntry{Device: "proc", MountPoint: "/jails/www/proc", FSType: "procfs", Options: "rw"},
			mount.Request{FSType: mount.ProcFS, Root: root, Target: "proc"}, true},
		{"fdescfs", compat.FstabEntry{Device: "fdesc", MountPoint: "/jails/www/dev/fd", FSType: "fdescfs", Options: "rw"},
			mount.Request{FSType: mount.FdescFS, Root: root, Target: "dev/fd"}, true},
		{"devfs with a ruleset", compat.FstabEntry{Device: "devfs", MountPoint: "/jails/www/dev", FSType: "devfs", Options: "rw,ruleset=4"},
			mount.Request{FSType: mount.DevFS, Root: root, Target: "dev", Options: map[string]string{"ruleset": "4"}}, true},
		{"tmpfs with size and mode", compat.FstabEntry{Device: "tmpfs", MountPoint: "/jails/www/tmp", FSType: "tmpfs", Options: "rw,size=64m,mode=1777"},
			mount.Request{FSType: mount.TmpFS, Root: root, Target: "tmp", Options: map[string]string{"size": "64m", "mode": "1777"}}, true},
		{"empty options", compat.FstabEntry{Device: "proc", MountPoint: "/jails/www/proc", FSType: "procfs"},
			mount.Request{FSType: mount.ProcFS, Root: root, Target: "proc"}, true},
		{"ro then rw: the last one wins", compat.FstabEntry{Device: "/a", MountPoint: "/jails/www/a", FSType: "nullfs", Options: "ro,rw"},
			mount.Request{FSType: mount.NullFS, Source: "/a", Root: root, Target: "a"}, true},

		{"ufs is mount(8)'s", compat.FstabEntry{Device: "/dev/ada1p1", MountPoint: "/jails/www/data", FSType: "ufs", Options: "rw"}, mount.Request{}, false},
		{"nfs is mount(8)'s", compat.FstabEntry{Device: "srv:/x", MountPoint: "/jails/www/x", FSType: "nfs", Options: "rw"}, mount.Request{}, false},
		{"Linux's proc is not a FreeBSD type", compat.FstabEntry{Device: "proc", MountPoint: "/jails/www/proc", FSType: "proc", Options: "rw"}, mount.Request{}, false},
		{"noauto changes what mount -a does", compat.FstabEntry{Device: "/a", MountPoint: "/jails/www/a", FSType: "nullfs", Options: "ro,noauto"}, mount.Request{}, false},
		{"late changes what mount -a does", compat.FstabEntry{Device: "/a", MountPoint: "/jails/www/a", FSType: "nullfs", Options: "rw,late"}, mount.Request{}, false},
		{"nosuid is not passed by the mount package", compat.FstabEntry{Device: "tmpfs", MountPoint: "/jails/www/tmp", FSType: "tmpfs", Options: "rw,nosuid"}, mount.Request{}, false},
		{"ruleset is devfs's only", compat.FstabEntry{Device: "tmpfs", MountPoint: "/jails/www/tmp", FSType: "tmpfs", Options: "rw,ruleset=4"}, mount.Request{}, false},
		{"an option without a value", compat.FstabEntry{Device: "tmpfs", MountPoint: "/jails/www/tmp", FSType: "tmpfs", Options: "rw,size="}, mount.Request{}, false},
		{"relative nullfs source", compat.FstabEntry{Device: "usr/ports", MountPoint: "/jails/www/usr/ports", FSType: "nullfs", Options: "ro"}, mount.Request{}, false},
		{"mount point outside the jail", compat.FstabEntry{Device: "/a", MountPoint: "/jails/other/a", FSType: "nullfs", Options: "ro"}, mount.Request{}, false},
		{"mount point is the jail root", compat.FstabEntry{Device: "/a", MountPoint: "/jails/www", FSType: "nullfs", Options: "ro"}, mount.Request{}, false},
		{"mount point is a sibling with the root's prefix", compat.FstabEntry{Device: "/a", MountPoint: "/jails/www2/a", FSType: "nullfs", Options: "ro"}, mount.Request{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := fstabFreeBSD(root, tc.e)
			if ok != tc.ok {
				t.Fatalf("fstabFreeBSD(%+v) ok = %v, want %v (request %+v)", tc.e, ok, tc.ok, got)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("fstabFreeBSD(%+v) (-want +got):\n%s", tc.e, diff)
			}
		})
	}
}

func TestFstabNeedsProgram(t *testing.T) {
	null := compat.FstabEntry{Device: "/usr/ports", MountPoint: "/j/usr/ports", FSType: "nullfs", Options: "ro", Line: 1}
	proc := compat.FstabEntry{Device: "proc", MountPoint: "/j/proc", FSType: "procfs", Options: "rw", Line: 2}
	ufs := compat.FstabEntry{Device: "/dev/md0", MountPoint: "/j/data", FSType: "ufs", Options: "rw", Line: 3}
	for _, tc := range []struct {
		name    string
		entries []compat.FstabEntry
		want    bool
	}{
		{"empty", nil, false},
		{"all mapped", []compat.FstabEntry{null, proc}, false},
		{"one unmapped line sends the whole file", []compat.FstabEntry{null, ufs, proc}, true},
		{"only unmapped", []compat.FstabEntry{ufs}, true},
	} {
		if got := fstabNeedsProgram(compat.FstabMount{Jail: "j", Root: "/j", Fstab: "/etc/fstab.j", Entries: tc.entries}); got != tc.want {
			t.Errorf("%s: fstabNeedsProgram = %v, want %v", tc.name, got, tc.want)
		}
	}
}
