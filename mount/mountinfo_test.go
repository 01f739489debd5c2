package mount

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMountinfo(t *testing.T) {
	f, err := os.Open("testdata/mountinfo.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := parseMountinfo(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{
		{ID: 22, Parent: 1, Root: "/", Target: "/", FSType: "ext4", Source: "/dev/vda1", Options: "rw,relatime"},
		{ID: 23, Parent: 22, Root: "/", Target: "/proc", FSType: "proc", Source: "proc", Options: "rw,nosuid,nodev,noexec,relatime"},
		{ID: 40, Parent: 22, Root: "/usr/lib", Target: "/j/usr/lib", FSType: "ext4", Source: "/dev/vda1", Options: "ro,nosuid,nodev,relatime", ReadOnly: true},
		{ID: 41, Parent: 22, Root: "/", Target: "/j/with space", FSType: "tmpfs", Source: "tmp fs", Options: "ro,relatime", ReadOnly: true},
		{ID: 42, Parent: 41, Root: "/", Target: "/j/with space/new\nline\ttab", FSType: "tmpfs", Source: "tmpfs", Options: "rw,relatime"},
		{ID: 43, Parent: 22, Root: "/", Target: `/j/back\slash`, FSType: "tmpfs", Source: "none", Options: "rw"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("parseMountinfo (-want +got):\n%s", d)
	}
}

func TestParseMountinfoMalformed(t *testing.T) {
	for _, in := range []string{
		"22 1 0:21 / / rw shared:1 ext4 /dev/vda1 rw", // no separator
		"x 1 0:21 / / rw - ext4 /dev/vda1 rw",         // bad id
		"22 y 0:21 / / rw - ext4 /dev/vda1 rw",        // bad parent
		"22 1 0:21 / / rw -",                          // nothing after separator
	} {
		if _, err := parseMountinfo(strings.NewReader(in + "\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("parseMountinfo(%q) = %v, want an error naming line 1", in, err)
		}
	}
}

func TestUnescapeOctal(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:        "plain",
		`a\040b`:       "a b",
		`\011\012\134`: "\t\n\\",
		`trail\04`:     `trail\04`, // too short: kept
		`\999`:         `\999`,     // not octal: kept
		`\400`:         `\400`,     // beyond a byte: kept
		`x\134040y`:    `x\040y`,   // an escaped backslash is not re-decoded
	} {
		if got := UnescapeOctal(in); got != want {
			t.Errorf("UnescapeOctal(%q) = %q, want %q", in, got, want)
		}
	}
}
