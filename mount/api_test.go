package mount

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

func TestFlagString(t *testing.T) {
	tests := []struct {
		flags uint64
		names []flagName
		want  string
	}{
		{0, linuxMountFlags, "0"},
		{0x1000, linuxMountFlags, "MS_BIND"},
		{0x1000 | 0x20 | 0x1 | 0x2 | 0x4, linuxMountFlags, "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND"},
		{0x8 | 0x2, linuxUmountFlags, "MNT_DETACH|UMOUNT_NOFOLLOW"},
		{0x1 | 0x40000000, linuxMountFlags, "MS_RDONLY|0x40000000"},
		{0x8000000, freebsdUnmountFlags, "MNT_BYFSID"},
		{0x1 | 0x8 | 0x4, freebsdMountFlags, "MNT_RDONLY|MNT_NOEXEC|MNT_NOSUID"},
		{0x80000 | 0x8000000, freebsdUnmountFlags, "MNT_FORCE|MNT_BYFSID"},
	}
	for _, tt := range tests {
		if got := flagString(tt.flags, tt.names); got != tt.want {
			t.Errorf("flagString(%#x) = %q, want %q", tt.flags, got, tt.want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{Op: "remount-ro", FSType: "nullfs", Source: "/skel/usr/lib", Target: "/j/usr/lib",
		Flags: 0x1000 | 0x20 | 0x1, flagNames: linuxMountFlags, Err: syscall.EPERM}
	want := `remount-ro nullfs "/skel/usr/lib" on "/j/usr/lib" (flags MS_RDONLY|MS_REMOUNT|MS_BIND): operation not permitted`
	if got := e.Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if !errors.Is(e, syscall.EPERM) {
		t.Error("Error does not unwrap to its cause")
	}
	e = &Error{Op: "mount", FSType: "devfs", Target: "/j/dev", Flags: 0x1, flagNames: freebsdMountFlags,
		Errmsg: "devfs: ruleset 9 does not exist", Err: syscall.EINVAL}
	want = `mount devfs "/j/dev" (flags MNT_RDONLY): devfs: ruleset 9 does not exist: invalid argument`
	if got := e.Error(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestUnder(t *testing.T) {
	tab := []Entry{
		{ID: 1, Target: "/"},
		{ID: 2, Target: "/j"},
		{ID: 3, Target: "/j/usr/lib"},
		{ID: 4, Target: "/jail"},
		{ID: 5, Target: "/j/usr"},
		{ID: 6, Target: "/j/bin"},
		{ID: 7, Target: "/j/usr/lib"}, // stacked on 3: undone first
		{ID: 8, Target: "/jx/usr"},
	}
	var got []uint64
	for _, e := range Under(tab, "/j/") {
		got = append(got, e.ID)
	}
	want := []uint64{7, 3, 6, 5, 2}
	if len(got) != len(want) {
		t.Fatalf("Under = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Under = %v, want %v", got, want)
		}
	}
}

func TestRequestValidate(t *testing.T) {
	ok := Request{FSType: NullFS, Source: "/skel/usr/lib", Root: "/j", Target: "usr/lib"}
	if err := ok.validate(); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	tests := []struct {
		name string
		mod  func(*Request)
		want string
	}{
		{"unknown type", func(r *Request) { r.FSType = "zfs" }, `unknown file system type "zfs"`},
		{"relative source", func(r *Request) { r.Source = "skel" }, "not an absolute clean path"},
		{"unclean source", func(r *Request) { r.Source = "/skel/../etc" }, "not an absolute clean path"},
		{"root slash", func(r *Request) { r.Root = "/" }, "root \"/\""},
		{"relative root", func(r *Request) { r.Root = "j" }, "root \"j\""},
		{"absolute target", func(r *Request) { r.Target = "/usr/lib" }, "not a clean relative path"},
		{"dotdot target", func(r *Request) { r.Target = "../etc" }, "not a clean relative path"},
		{"inner dotdot", func(r *Request) { r.Target = "usr/../../etc" }, "not a clean relative path"},
		{"dot target", func(r *Request) { r.Target = "." }, "not a clean relative path"},
		{"empty target", func(r *Request) { r.Target = "" }, "not a clean relative path"},
		{"source outside source root", func(r *Request) { r.SourceRoot = "/other" }, "not inside source root"},
		{"source below target", func(r *Request) { r.Source = "/j/usr/lib/x" }, "inside the target"},
		{"devfs with source", func(r *Request) { r.FSType = DevFS }, "takes no source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.mod(&r)
			err := r.validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("validate() = %v, want an error containing %q", err, tt.want)
			}
			var me *Error
			if !errors.As(err, &me) || me.Op != "mount" {
				t.Fatalf("validate() error %T is not a mount *Error", err)
			}
		})
	}
}
