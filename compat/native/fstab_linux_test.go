package native

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rcjail/compat"
	"rcjail/mount"
)

// The Linux mapping is what it was before the FreeBSD one was added.
func TestFstabLinux(t *testing.T) {
	for _, tc := range []struct {
		e    compat.FstabEntry
		want mount.Request
	}{
		{compat.FstabEntry{Device: "/usr//ports", FSType: "nullfs", Options: "ro,noatime"},
			mount.Request{FSType: mount.NullFS, Source: "/usr/ports", Root: "/j", Target: "p", ReadOnly: true}},
		{compat.FstabEntry{Device: "proc", FSType: "proc", Options: "rw"}, mount.Request{FSType: mount.ProcFS, Root: "/j", Target: "p"}},
		{compat.FstabEntry{Device: "proc", FSType: "procfs", Options: "rw"}, mount.Request{FSType: mount.ProcFS, Root: "/j", Target: "p"}},
		{compat.FstabEntry{Device: "devfs", FSType: "devfs", Options: "rw"}, mount.Request{FSType: mount.DevFS, Root: "/j", Target: "p"}},
		{compat.FstabEntry{Device: "tmpfs", FSType: "tmpfs", Options: "rw,size=1m"}, mount.Request{FSType: mount.TmpFS, Root: "/j", Target: "p"}},
	} {
		got, err := fstabLinux("/j", "p", tc.e)
		if err != nil {
			t.Fatalf("fstabLinux(%+v): %v", tc.e, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("fstabLinux(%+v) (-want +got):\n%s", tc.e, diff)
		}
	}
	for _, typ := range []string{"ufs", "fdescfs", "ext4"} {
		_, err := fstabLinux("/j", "p", compat.FstabEntry{FSType: typ})
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("fstabLinux(type %s): err = %v, want ErrUnsupported", typ, err)
		}
	}
}
