package mount

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildNmountOpts(t *testing.T) {
	got, err := buildNmountOpts(NullFS, "/j/usr/lib", "/skel/usr/lib", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []nmountOpt{
		{"fstype", []byte("nullfs\x00")},
		{"fspath", []byte("/j/usr/lib\x00")},
		{"target", []byte("/skel/usr/lib\x00")},
		{"ro", nil},
		{"nocover", nil},
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(nmountOpt{})); d != "" {
		t.Errorf("nullfs ro (-want +got):\n%s", d)
	}

	got, err = buildNmountOpts(DevFS, "/j/dev", "devfs", false, map[string]string{"ruleset": "4", "a": "b"})
	if err != nil {
		t.Fatal(err)
	}
	want = []nmountOpt{
		{"fstype", []byte("devfs\x00")},
		{"fspath", []byte("/j/dev\x00")},
		{"from", []byte("devfs\x00")},
		{"nocover", nil},
		{"a", []byte("b\x00")},
		{"ruleset", []byte("4\x00")},
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(nmountOpt{})); d != "" {
		t.Errorf("devfs with options (-want +got):\n%s", d)
	}
}

func TestBuildNmountOptsRefuses(t *testing.T) {
	long := "/" + strings.Repeat("x", mnameLen)
	tests := []struct {
		name               string
		fstype, path, from string
		opts               map[string]string
		want               error
	}{
		{"NUL in path", NullFS, "/j/a\x00b", "/s", nil, syscall.EINVAL},
		{"too long", NullFS, long, "/s", nil, syscall.ENAMETOOLONG},
		{"source too long", NullFS, "/j", long, nil, syscall.ENAMETOOLONG},
		{"reserved option", DevFS, "/j/dev", "devfs", map[string]string{"fspath": "/etc"}, syscall.EINVAL},
		{"rw sneaked in", NullFS, "/j/a", "/s", map[string]string{"rw": ""}, syscall.EINVAL},
		{"NUL in option", DevFS, "/j/dev", "devfs", map[string]string{"ruleset": "4\x00x"}, syscall.EINVAL},
	}
	for _, tt := range tests {
		if _, err := buildNmountOpts(tt.fstype, tt.path, tt.from, false, tt.opts); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := buildNmountOpts("", "/j", "", false, nil); err == nil {
		t.Error("empty fstype accepted")
	}
}

func TestFsid(t *testing.T) {
	for _, v := range [][2]int32{{0, 0}, {1, 2}, {-1, 7}, {-2147483648, 2147483647}} {
		id := packFsid(v[0], v[1])
		if a, b := unpackFsid(id); a != v[0] || b != v[1] {
			t.Errorf("round trip %v -> %#x -> %d,%d", v, id, a, b)
		}
	}
	if got := fsidPath(packFsid(-16777215, 93)); got != "FSID:-16777215:93" {
		t.Errorf("fsidPath = %q", got)
	}
	if got := errmsgString([]byte("nullfs: bad\x00junk")); got != "nullfs: bad" {
		t.Errorf("errmsgString = %q", got)
	}
}
