package native

import (
	"net"
	"testing"

	"rcjail/compat"
	"rcjail/mount"
)

func TestMountedAt(t *testing.T) {
	tbl := []mount.Entry{
		{Target: "/", FSType: "ufs"},
		{Target: "/j/dev", FSType: "devfs"},
		{Target: "/j/devx", FSType: "tmpfs"},
		{Target: "/j/usr", FSType: "nullfs"},
		{Target: "/j/usr", FSType: "tmpfs"}, // stacked on the nullfs: the top one counts
	}
	for _, tc := range []struct {
		dir, fstype string
		want        bool
	}{
		{"/j/dev", "", true},
		{"/j/dev", "devfs", true},
		{"/j/dev", "procfs", false},
		{"/j/devx", "devfs", false},
		{"/j/de", "", false},
		{"/j", "", false},
		{"/j/usr", "tmpfs", true},
		{"/j/usr", "nullfs", false},
		{"/j/usr/lib", "", false},
		{"/", "ufs", true},
	} {
		if got := mountedAt(tbl, tc.dir, tc.fstype); got != tc.want {
			t.Errorf("mountedAt(%q, %q) = %v, want %v", tc.dir, tc.fstype, got, tc.want)
		}
	}
	if mountedAt(nil, "/j/dev", "") {
		t.Error("mountedAt(empty table) = true")
	}
}

func TestAdoptableFreeBSD(t *testing.T) {
	req := mount.Request{FSType: mount.NullFS, Source: "/skel/bin", Root: "/j", Target: "bin", ReadOnly: true}
	for _, tc := range []struct {
		name string
		e    mount.Entry
		req  mount.Request
		want bool
	}{
		{"our crashed start's nullfs", mount.Entry{FSType: "nullfs", Source: "/skel/bin", Target: "/j/bin", ReadOnly: true}, req, true},
		{"same source, read-write", mount.Entry{FSType: "nullfs", Source: "/skel/bin", Target: "/j/bin"}, req, false},
		{"another source", mount.Entry{FSType: "nullfs", Source: "/", Target: "/j/bin", ReadOnly: true}, req, false},
		{"another type", mount.Entry{FSType: "tmpfs", Source: "tmpfs", Target: "/j/bin", ReadOnly: true}, req, false},
		{"devfs", mount.Entry{FSType: "devfs", Source: "devfs", Target: "/j/dev"}, mount.Request{FSType: mount.DevFS, Root: "/j", Target: "dev"}, true},
		{"procfs where devfs is wanted", mount.Entry{FSType: "procfs", Source: "procfs", Target: "/j/dev"}, mount.Request{FSType: mount.DevFS, Root: "/j", Target: "dev"}, false},
	} {
		if got := adoptableFreeBSD(tc.e, tc.req, false); got != tc.want {
			t.Errorf("%s: adoptableFreeBSD = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A read-write nullfs over a read-only lower file system shows MNT_RDONLY
// (nullfs ORs the lower flags into its own): adopting the leftover of a
// read-write skeleton mount compares the flag rcjail set, not the union
// (issue 13 item 4).
func TestAdoptableFreeBSDLowerReadOnly(t *testing.T) {
	rw := mount.Request{FSType: mount.NullFS, Source: "/skel/etc", Root: "/j", Target: "etc"}
	ro := rw
	ro.ReadOnly = true
	union := mount.Entry{FSType: "nullfs", Source: "/skel/etc", Target: "/j/etc", ReadOnly: true}
	own := mount.Entry{FSType: "nullfs", Source: "/skel/etc", Target: "/j/etc"}
	for _, tc := range []struct {
		name    string
		e       mount.Entry
		req     mount.Request
		lowerRO bool
		want    bool
	}{
		{"rw request, read-only lower: union shows ro", union, rw, true, true},
		{"rw request, rw lower: the mount itself is ro", union, rw, false, false},
		{"ro request, rw lower, mount rw", own, ro, false, false},
		{"ro request, read-only lower", union, ro, true, true},
		{"rw request, read-only lower, another source", mount.Entry{FSType: "nullfs", Source: "/", ReadOnly: true}, rw, true, false},
		{"devfs ignores lowerRO", mount.Entry{FSType: "devfs", Source: "devfs", ReadOnly: true}, mount.Request{FSType: mount.DevFS}, true, false},
	} {
		if got := adoptableFreeBSD(tc.e, tc.req, tc.lowerRO); got != tc.want {
			t.Errorf("%s: adoptableFreeBSD = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIfaceHas(t *testing.T) {
	_, n4, _ := net.ParseCIDR("192.0.2.10/24")
	n4.IP = net.ParseIP("192.0.2.10")
	addrs := []net.Addr{
		n4,
		&net.IPNet{IP: net.ParseIP("2001:db8::1"), Mask: net.CIDRMask(64, 128)},
		&net.IPAddr{IP: net.ParseIP("198.51.100.7")},
	}
	for _, tc := range []struct {
		ip   string
		want bool
	}{
		{"192.0.2.10", true},
		{"192.0.2.11", false},
		{"2001:db8::1", true},
		{"2001:db8:0::1", true},
		{"2001:db8::2", false},
		{"198.51.100.7", true},
		{"not an address", false},
		{"", false},
	} {
		if got := ifaceHas(addrs, tc.ip); got != tc.want {
			t.Errorf("ifaceHas(%q) = %v, want %v", tc.ip, got, tc.want)
		}
	}
}

func TestJlsPath(t *testing.T) {
	for _, tc := range []struct {
		out  string
		want string
		ok   bool
	}{
		{"/jails/www\n", "/jails/www", true},
		{"/jails/with space\n", "/jails/with space", true},
		{"/jails/www", "/jails/www", true},
		{"", "", false},
		{"\n", "", false},
		{"/a\n/b\n", "", false},
	} {
		got, ok := jlsPath([]byte(tc.out))
		if got != tc.want || ok != tc.ok {
			t.Errorf("jlsPath(%q) = %q, %v; want %q, %v", tc.out, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFsidPath(t *testing.T) {
	for _, tc := range []struct {
		id   uint64
		want string
	}{
		{0x0000000100000002, "FSID:1:2"},
		{0xffffff8a0000007b, "FSID:-118:123"},
		{0x7fffffff80000000, "FSID:2147483647:-2147483648"},
	} {
		if got := fsidPath(tc.id); got != tc.want {
			t.Errorf("fsidPath(%#x) = %q, want %q", tc.id, got, tc.want)
		}
	}
}

func TestMountPkgType(t *testing.T) {
	for _, typ := range []string{mount.NullFS, mount.DevFS, mount.FdescFS, mount.ProcFS, mount.TmpFS} {
		if !mountPkgType(typ) {
			t.Errorf("mountPkgType(%q) = false", typ)
		}
	}
	for _, typ := range []string{"ufs", "zfs", "nfs", "", "proc"} {
		if mountPkgType(typ) {
			t.Errorf("mountPkgType(%q) = true", typ)
		}
	}
}

// A devfs with the jail's ruleset is mounted with "ruleset=N" (issue 13
// item 6), nothing else carries options.
func TestDevfsOptions(t *testing.T) {
	if got := devfsOptions(compat.Mount{FSType: compat.FSDevfs, DevfsRuleset: 4}); len(got) != 1 || got["ruleset"] != "4" {
		t.Errorf("devfs ruleset 4: %v", got)
	}
	for _, m := range []compat.Mount{
		{FSType: compat.FSDevfs},                   // no ruleset configured
		{FSType: compat.FSNullfs, DevfsRuleset: 4}, // not a devfs
		{FSType: compat.FSProcfs, DevfsRuleset: 4},
	} {
		if got := devfsOptions(m); got != nil {
			t.Errorf("%+v: options %v, want none", m, got)
		}
	}
}

// The native backend keeps devfs(8) only for what the kernel did not do
// at mount time: rule definitions, another ruleset, a devfs it did not
// mount itself (adopted from a crashed start, or no ruleset).
func TestDevfsByProgram(t *testing.T) {
	mounted := map[string]int{"/j/a/dev": 4}
	for _, tc := range []struct {
		s    compat.Step
		want bool
	}{
		{compat.DevfsRuleset{Dir: "/j/a/dev", Ruleset: 4}, false},
		{compat.DevfsApply{Dir: "/j/a/dev"}, false},
		{compat.DevfsRuleset{Dir: "/j/a/dev/", Ruleset: 4}, false},
		{compat.DevfsRuleset{Dir: "/j/a/dev", Ruleset: 5}, true},
		{compat.DevfsRuleset{Dir: "/j/b/dev", Ruleset: 4}, true},
		{compat.DevfsApply{Dir: "/j/b/dev"}, true},
		{compat.DevfsRule{Ruleset: 4, Args: []string{"add", "hide"}}, true},
	} {
		if got := devfsByProgram(tc.s, mounted); got != tc.want {
			t.Errorf("%#v: devfsByProgram = %v, want %v", tc.s, got, tc.want)
		}
	}
}
