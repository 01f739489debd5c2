package compat

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// PrepKind says what one [PrepItem] is.
type PrepKind int

const (
	PrepDir  PrepKind = iota // a directory
	PrepLink                 // a symbolic link
)

// PrepItem is one thing `rcjail prepare` makes under a jail's root. Items come
// in creation order: every directory before anything inside it.
type PrepItem struct {
	Path   string      // relative to the jail's rootdir, clean ("usr/lib")
	Kind   PrepKind    // PrepDir or PrepLink
	Mode   fs.FileMode // PrepDir: the exact permission bits, with fs.ModeSticky for 1777
	Target string      // PrepLink: the link's relative target ("../basejail/usr/lib")
	Why    string      // which variable or rule asks for it ("skel_romounts", "base tree", …)
}

// BaseTree is the writable tree a FreeBSD base system expects in a jail root
// (modelled on the usual layout of a fresh jail after `make distribution`; the
// modes are those of a stock install, except that /root is 0700 to keep the
// jail's root home private). The read-only skeleton covers bin, lib, usr/lib…;
// these are the directories that stay the jail's own: its configuration, its
// logs and spool, its scratch space and the mount points of devfs and procfs.
// An entry the skeleton itself provides (equal to or under a skeleton entry) is
// left out: it would be hidden by a mount or lie inside the read-only base.
var BaseTree = []PrepItem{
	{Path: "dev", Mode: 0o555},
	{Path: "etc", Mode: 0o755},
	{Path: "home", Mode: 0o755},
	{Path: "mnt", Mode: 0o755},
	{Path: "proc", Mode: 0o555},
	{Path: "root", Mode: 0o700},
	{Path: "tmp", Mode: 0o777 | fs.ModeSticky},
	{Path: "usr", Mode: 0o755},
	{Path: "usr/local", Mode: 0o755},
	{Path: "var", Mode: 0o755},
	{Path: "var/backups", Mode: 0o755},
	{Path: "var/cache", Mode: 0o755},
	{Path: "var/crash", Mode: 0o750},
	{Path: "var/cron", Mode: 0o750},
	{Path: "var/cron/tabs", Mode: 0o700},
	{Path: "var/db", Mode: 0o755},
	{Path: "var/empty", Mode: 0o555},
	{Path: "var/log", Mode: 0o755},
	{Path: "var/mail", Mode: 0o755},
	{Path: "var/run", Mode: 0o755},
	{Path: "var/spool", Mode: 0o755},
	{Path: "var/tmp", Mode: 0o777 | fs.ModeSticky},
}

// SymlinkTarget is the relative target of the link that stands for a
// skel_romounts entry in symlink mode: as many "../" as entry has parent
// directories, then basedir/entry ("usr/lib", "basejail" → "../basejail/usr/lib").
// Relative, so that it resolves the same inside the jail (chrooted) and from
// the host (under rootdir), and never to a host path.
func SymlinkTarget(entry, basedir string) string {
	depth := strings.Count(entry, "/")
	return strings.Repeat("../", depth) + basedir + "/" + entry
}

// PrepareTree lists what `rcjail prepare` creates under j's rootdir for j's
// skeleton mode (SPEC §4.4):
//
//   - nullfs mode: the mount point directory of every skeleton entry that is
//     not nested under another entry (a nested entry's mount point lies inside
//     its parent's source, not in the jail root);
//   - symlink mode: skel_basedir, a relative link into it for every
//     skel_romounts entry (a nested read-only entry is covered by its parent's
//     link), and the mount point of every skel_rwmounts entry;
//   - in both, [BaseTree], less what the skeleton provides;
//   - every missing parent directory (0755) of the above.
//
// The list is pure: prepare compares it with the disk, creates only what is
// missing and never changes what exists. A jail without skel_enable gets the
// base tree alone. An error names the jail, the variable and the entry.
func PrepareTree(j *Jail) ([]PrepItem, error) {
	s := j.Skel
	var ents []SkelEntry
	if s.Enable {
		ents = s.Listed()
	}
	for _, e := range ents {
		if !prepCleanRel(e.Path) {
			return nil, prepErr(j, e.RW, e.Path, "is not a clean relative path")
		}
	}
	symlink := s.Enable && s.Mode == SkelSymlink
	basedir := s.Basedir
	if basedir == "" {
		basedir = "basejail"
	}
	if symlink && !prepCleanRel(basedir) {
		return nil, &ConfigError{Jail: j.Name, Var: "skel_basedir", Value: basedir, Msg: "not a clean relative path"}
	}

	// under reports the closest other entry that contains p.
	under := func(p string) (SkelEntry, bool) {
		var best SkelEntry
		found := false
		for _, e := range ents {
			if e.Path != p && prepUnder(p, e.Path) && (!found || len(e.Path) > len(best.Path)) {
				best, found = e, true
			}
		}
		return best, found
	}

	items := map[string]PrepItem{}
	var order []string
	add := func(it PrepItem) error {
		if old, ok := items[it.Path]; ok {
			if old.Kind != it.Kind || old.Target != it.Target {
				return fmt.Errorf("jail %s: %s wants %s as %s but %s wants it as %s", j.Name, it.Why, it.Path, prepKindName(it), old.Why, prepKindName(old))
			}
			return nil
		}
		items[it.Path] = it
		order = append(order, it.Path)
		return nil
	}
	if symlink {
		if err := add(PrepItem{Path: basedir, Kind: PrepDir, Mode: 0o755, Why: "skel_basedir"}); err != nil {
			return nil, err
		}
	}
	for _, e := range ents {
		if p, nested := under(e.Path); nested {
			if symlink && !p.RW {
				if e.RW {
					// In the jail root the parent is a link into the
					// read-only base: the mount point would be reached
					// through a symlink, which start refuses.
					return nil, prepErr(j, true, e.Path, "is under "+p.Path+", a symlink into the read-only base in symlink mode")
				}
				continue // reached through the parent's link
			}
			if symlink && !e.RW {
				return nil, prepErr(j, false, e.Path, "is under the read-write mount "+p.Path+"; a link there would be written into its source")
			}
			continue // the mount point lies in the parent's source
		}
		if symlink && !e.RW {
			if prepUnder(e.Path, basedir) || prepUnder(basedir, e.Path) {
				return nil, prepErr(j, false, e.Path, "overlaps skel_basedir "+basedir)
			}
			if err := add(PrepItem{Path: e.Path, Kind: PrepLink, Target: SymlinkTarget(e.Path, basedir), Why: "skel_romounts"}); err != nil {
				return nil, err
			}
			continue
		}
		why := "skel_romounts"
		if e.RW {
			why = "skel_rwmounts"
		}
		if err := add(PrepItem{Path: e.Path, Kind: PrepDir, Mode: 0o755, Why: why}); err != nil {
			return nil, err
		}
	}
	for _, b := range BaseTree {
		if _, covered := prepCovered(b.Path, ents); covered {
			continue // the skeleton provides it
		}
		if symlink && prepUnder(b.Path, basedir) {
			continue
		}
		b.Kind, b.Why = PrepDir, "base tree"
		if err := add(b); err != nil {
			return nil, err
		}
	}
	// Missing parents, 0755.
	for _, p := range append([]string(nil), order...) {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if it, ok := items[d]; ok {
				if it.Kind == PrepLink {
					return nil, fmt.Errorf("jail %s: %s %s lies under the link %s", j.Name, items[p].Why, p, d)
				}
				continue
			}
			items[d] = PrepItem{Path: d, Kind: PrepDir, Mode: 0o755, Why: "parent of " + p}
			order = append(order, d)
		}
	}
	out := make([]PrepItem, 0, len(order))
	for _, p := range order {
		out = append(out, items[p])
	}
	// Parents before children; otherwise by path, so the output is stable.
	sort.SliceStable(out, func(a, b int) bool { return prepLess(out[a].Path, out[b].Path) })
	return out, nil
}

// prepCovered reports whether p is equal to or under one of the entries.
func prepCovered(p string, ents []SkelEntry) (string, bool) {
	for _, e := range ents {
		if prepUnder(p, e.Path) {
			return e.Path, true
		}
	}
	return "", false
}

// prepUnder reports whether p is parent or lies below it (both clean, relative).
func prepUnder(p, parent string) bool {
	return p == parent || strings.HasPrefix(p, parent+"/")
}

// prepLess orders paths component by component, so "usr" < "usr/lib" < "usr-x".
func prepLess(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] != bs[i] {
			return as[i] < bs[i]
		}
	}
	return len(as) < len(bs)
}

func prepCleanRel(p string) bool {
	return p != "" && p != "." && !path.IsAbs(p) && path.Clean(p) == p && p != ".." && !strings.HasPrefix(p, "../")
}

func prepKindName(it PrepItem) string {
	if it.Kind == PrepLink {
		return "a link to " + it.Target
	}
	return "a directory"
}

func prepErr(j *Jail, rw bool, entry, msg string) *ConfigError {
	v := "skel_romounts"
	if rw {
		v = "skel_rwmounts"
	}
	return &ConfigError{Jail: j.Name, Var: v, Value: entry, Msg: msg}
}
