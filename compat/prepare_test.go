package compat

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// render writes a tree as one line per item, the way the tests state it.
func prepRender(items []PrepItem) []string {
	var out []string
	for _, it := range items {
		if it.Kind == PrepLink {
			out = append(out, it.Path+" -> "+it.Target)
			continue
		}
		m := fmt.Sprintf("%04o", it.Mode.Perm())
		if it.Mode&fs.ModeSticky != 0 {
			m = "1" + m[1:]
		}
		out = append(out, it.Path+" "+m)
	}
	return out
}

// prepJail is jail www of the base rc.conf with the assignments added,
// through NewConfig; it must be accepted.
func prepJail(t *testing.T, assign ...string) *Jail {
	t.Helper()
	j := mustConfig(t, with(assign...), nil).Jails["www"]
	if len(j.Errors) > 0 {
		t.Fatalf("jail refused: %q", errStrings(j))
	}
	return j
}

// baseLines is BaseTree as render prints it, less the paths in drop.
func prepBaseLines(drop ...string) []string {
	var out []string
	for _, b := range prepRender(BaseTree) {
		keep := true
		for _, d := range drop {
			if strings.HasPrefix(b, d+" ") {
				keep = false
			}
		}
		if keep {
			out = append(out, b)
		}
	}
	return out
}

func TestPrepareTreeNullfsDefault(t *testing.T) {
	j := prepJail(t, "jail_skel_enable=YES")
	got, err := PrepareTree(j)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"bin 0755", "dev 0555", "etc 0755", "home 0755", "lib 0755", "libexec 0755",
		"mnt 0755", "proc 0555", "root 0700", "sbin 0755", "tmp 1777",
		"usr 0755", "usr/bin 0755", "usr/include 0755", "usr/lib 0755", "usr/libdata 0755",
		"usr/libexec 0755", "usr/local 0755", "usr/sbin 0755", "usr/share 0755",
		"var 0755", "var/backups 0755", "var/cache 0755", "var/crash 0750", "var/cron 0750",
		"var/cron/tabs 0700", "var/db 0755", "var/empty 0555", "var/log 0755", "var/mail 0755",
		"var/run 0755", "var/spool 0755", "var/tmp 1777",
	}
	if d := cmp.Diff(want, prepRender(got)); d != "" {
		t.Errorf("tree (-want +got):\n%s", d)
	}
}

func TestPrepareTreeSymlinkDefault(t *testing.T) {
	j := prepJail(t, "jail_skel_enable=YES", "jail_skel_root=/skel", "jail_skel_rwmounts=usr/ports", "jail_skel_mode=symlink")
	got, err := PrepareTree(j)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"basejail 0755", "bin -> basejail/bin", "dev 0555", "etc 0755", "home 0755",
		"lib -> basejail/lib", "libexec -> basejail/libexec",
		"mnt 0755", "proc 0555", "root 0700", "sbin -> basejail/sbin", "tmp 1777",
		"usr 0755", "usr/bin -> ../basejail/usr/bin", "usr/include -> ../basejail/usr/include",
		"usr/lib -> ../basejail/usr/lib", "usr/libdata -> ../basejail/usr/libdata",
		"usr/libexec -> ../basejail/usr/libexec", "usr/local 0755", "usr/ports 0755",
		"usr/sbin -> ../basejail/usr/sbin", "usr/share -> ../basejail/usr/share",
		"var 0755", "var/backups 0755", "var/cache 0755", "var/crash 0750", "var/cron 0750",
		"var/cron/tabs 0700", "var/db 0755", "var/empty 0555", "var/log 0755", "var/mail 0755",
		"var/run 0755", "var/spool 0755", "var/tmp 1777",
	}
	if d := cmp.Diff(want, prepRender(got)); d != "" {
		t.Errorf("tree (-want +got):\n%s", d)
	}
}

func TestSymlinkTargetDepth(t *testing.T) {
	for _, c := range []struct{ entry, base, want string }{
		{"bin", "basejail", "basejail/bin"},
		{"usr/lib", "basejail", "../basejail/usr/lib"},
		{"usr/local/lib", "basejail", "../../basejail/usr/local/lib"},
		{"usr/lib", "b/base", "../b/base/usr/lib"},
	} {
		if got := SymlinkTarget(c.entry, c.base); got != c.want {
			t.Errorf("SymlinkTarget(%q, %q) = %q, want %q", c.entry, c.base, got, c.want)
		}
	}
}

func TestPrepareTreeWithoutSkeleton(t *testing.T) {
	j := prepJail(t)
	got, err := PrepareTree(j)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(prepBaseLines(), prepRender(got)); d != "" {
		t.Errorf("a jail without skel_enable gets the base tree only (-want +got):\n%s", d)
	}
}

// Nested entries: a child's mount point lies in the parent's source, so only
// the parent's is made; the base tree under a skeleton entry is left out.
func TestPrepareTreeNested(t *testing.T) {
	j := prepJail(t, "jail_skel_enable=YES", "jail_skel_root=/skel", "jail_skel_romounts=usr usr/lib", "jail_skel_rwmounts=var/db/pkg")
	got, err := PrepareTree(j)
	if err != nil {
		t.Fatal(err)
	}
	r := prepRender(got)
	want := prepBaseLines("usr/local") // usr stays: it is the mount point of the ro entry
	want = append(want, "var/db/pkg 0755")
	for _, l := range r {
		if strings.HasPrefix(l, "usr/") {
			t.Errorf("%q made under the ro entry usr", l)
		}
	}
	if !prepContains(r, "usr 0755") || !prepContains(r, "var/db/pkg 0755") || !prepContains(r, "var/db 0755") {
		t.Errorf("missing usr or var/db/pkg: %q", r)
	}
	if len(r) != len(want) {
		t.Errorf("got %d items, want %d: %q", len(r), len(want), r)
	}
}

func TestPrepareTreeSymlinkNested(t *testing.T) {
	// NewConfig refuses nested entries in symlink mode; PrepareTree
	// guards against them on its own.
	j := &Jail{Name: "n", Skel: Skel{Enable: true, Entries: []SkelEntry{{Path: "usr"}, {Path: "usr/lib"}}, Mode: SkelSymlink}}
	got, err := PrepareTree(j)
	if err != nil {
		t.Fatal(err)
	}
	r := prepRender(got)
	if !prepContains(r, "usr -> basejail/usr") || prepContains(r, "usr/lib -> ../basejail/usr/lib") {
		t.Errorf("want only the parent's link: %q", r)
	}

	j.Skel.Entries = append(j.Skel.Entries, SkelEntry{Path: "usr/local", RW: true})
	_, err = PrepareTree(j)
	if err == nil || !strings.Contains(err.Error(), `skel_rwmounts="usr/local"`) || !strings.Contains(err.Error(), "symlink into the read-only base") {
		t.Errorf("rw entry under a ro link: err = %v", err)
	}
}

func TestPrepareTreeRefusesBadEntries(t *testing.T) {
	// Skeletons NewConfig refuses: PrepareTree does not rely on that.
	for _, c := range []struct {
		skel Skel
		want string
	}{
		{Skel{Enable: true, Entries: []SkelEntry{{Path: "/usr"}}}, `skel_romounts="/usr": is not a clean relative path`},
		{Skel{Enable: true, Entries: []SkelEntry{{Path: "a/../b", RW: true}}}, `skel_rwmounts="a/../b": is not a clean relative path`},
		{Skel{Enable: true, Entries: []SkelEntry{{Path: "bin"}}, Mode: SkelSymlink, Basedir: "../x"}, `skel_basedir="../x"`},
		{Skel{Enable: true, Entries: []SkelEntry{{Path: "basejail/x"}}, Mode: SkelSymlink, Basedir: "basejail"}, "overlaps skel_basedir"},
	} {
		_, err := PrepareTree(&Jail{Name: "bad", Skel: c.skel})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "jail bad") {
			t.Errorf("%+v: err = %v, want one containing %q", c.skel, err, c.want)
		}
	}
}

func prepContains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
