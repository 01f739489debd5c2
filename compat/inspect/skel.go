package inspect

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"rcjail/compat"
	"rcjail/mount"
)

// Host-side skeleton checks for `rcjail check` (issue 5). compat's NewConfig
// already refuses what can be seen in the text (SPEC §4.1: bad entries,
// overlaps, an entry under an fstab mount point) and warns about read-write
// directories shared by two jails (CVE-2025-15576); these checks look at the
// file system, without changing it and without following any symlink: every
// path is examined one component at a time with Lstat, so a link planted in a
// jail root or a skeleton is reported, never traversed.
//
// The command line's check calls [Skeletons] once per run, after printing
// compat's own errors and warnings, and owes exit status 1 for any finding
// that is not a warning.

// Finding is one problem found on the host.
type Finding struct {
	Warning bool   // false: an error (exit status 1)
	Jail    string // the jail's name
	Var     string // the variable as read ("jail_skeltest_skel_romounts", or the global one)
	Default bool   // Var was not set: the built-in default applies
	Entry   string // the list entry concerned; "" for skel_root and rootdir
	File    string // where Var was set ("" when defaulted or unknown)
	Line    int
	Msg     string
}

// String renders a finding as "FILE:LINE: jail J: VAR: entry E: MSG".
func (f Finding) String() string {
	var b strings.Builder
	if f.File != "" {
		b.WriteString(f.File)
		if f.Line > 0 {
			fmt.Fprintf(&b, ":%d", f.Line)
		}
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "jail %s: %s", f.Jail, f.Var)
	if f.Default {
		b.WriteString(" (default)")
	}
	if f.Entry != "" {
		fmt.Fprintf(&b, ": entry %s", f.Entry)
	}
	return b.String() + ": " + f.Msg
}

// Trusted reports whether a uid may own skel_root, rootdir and their
// ancestors. Only root: anyone else who owns a directory on the path can
// rename or replace what lies below it between rcjail's checks and its mounts
// (jail(8) NOTES; security.md §4.1 row 6). Tests widen it to their own uid.
var Trusted = func(uid uint32) bool { return uid == 0 }

// Skeletons examines the host for every skeleton jail of cfg (in the
// order of cfg.List, then by name) and returns what it found.
func Skeletons(cfg *compat.Config) []Finding {
	names := append([]string(nil), cfg.List...)
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	var rest []string
	for n := range cfg.Jails {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	var out []Finding
	for _, n := range append(names, rest...) {
		j := cfg.Jails[n]
		refused := false // start refuses it anyway: no warning about a skip
		if j != nil && j.Skel.Enable {
			found := checkSkeleton(j)
			for _, f := range found {
				refused = refused || !f.Warning
			}
			out = append(out, found...)
		}
		if j != nil && !refused && j.MountEnable && len(j.Errors) == 0 && j.JailConfFile == "" {
			out = append(out, checkFstabSymlink(j)...)
		}
	}
	return out
}

// checkFstabSymlink warns where start will mount nothing from a jail's
// fstab: a mount point with a symlink on its path, at or above the jail
// root (the 8.x script's jail_mount_fstab skips the whole fstab then and
// starts the jail, and so does rcjail).
func checkFstabSymlink(j *compat.Jail) []Finding {
	for _, e := range j.FstabEntries {
		p := "/"
		for _, c := range strings.Split(strings.Trim(path.Clean(e.MountPoint), "/"), "/") {
			p = path.Join(p, c)
			if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
				return []Finding{{Warning: true, Jail: j.Name, Var: "jail_" + j.JV + "_fstab",
					Msg: fmt.Sprintf("line %d: mount point %s: %s is a symlink: start mounts nothing from %s, as the 8.x script", e.Line, e.MountPoint, p, j.Fstab)}}
			}
		}
	}
	return nil
}

// skelChecker gathers the findings of one jail.
type skelChecker struct {
	j   *compat.Jail
	out []Finding
}

func (c *skelChecker) add(warn bool, knob, entry, format string, args ...any) {
	f := Finding{Warning: warn, Jail: c.j.Name, Var: "jail_" + c.j.JV + "_" + knob, Entry: entry, Msg: fmt.Sprintf(format, args...)}
	for _, s := range c.j.Settings {
		if s.Knob == knob {
			f.Var, f.Default, f.File, f.Line = s.Var, s.Default, s.File, s.Line
			break
		}
	}
	c.out = append(c.out, f)
}

// skelLstat examines the absolute clean path p with package mount's
// no-follow walker (the walk start does). It returns the final component's
// information, or the first component that is a symlink (link, with its
// content), or the first that is missing or not a directory on the way
// (missing, with the error). Nothing is followed.
func skelLstat(p string) (fi fs.FileInfo, link, target, missing string, err error) {
	if p == "/" {
		fi, err = os.Lstat(p)
		return fi, "", "", "", err
	}
	// mount.Resolve walks root itself without following links too, so
	// the first component serves as its root.
	first, rel, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if rel == "" {
		rel = "."
	}
	fi, err = mount.Resolve("/"+first, rel)
	if err == nil {
		return fi, "", "", "", nil
	}
	at := p // what stopped the walk: the item itself unless the walker names another
	var w *mount.WalkError
	if errors.As(err, &w) {
		at = w.Path
	}
	var errno syscall.Errno
	switch {
	case errors.Is(err, mount.ErrSymlink):
		t := ""
		if w != nil {
			t = w.Link
		}
		return nil, at, t, "", nil
	case errors.Is(err, syscall.ENOTDIR):
		return nil, "", "", at, fmt.Errorf("%s is not a directory", at)
	case errors.Is(err, fs.ErrNotExist):
		return nil, "", "", at, &fs.PathError{Op: "lstat", Path: at, Err: syscall.ENOENT}
	case errors.As(err, &errno):
		return nil, "", "", at, &fs.PathError{Op: "lstat", Path: at, Err: errno}
	}
	return nil, "", "", at, err
}

// skelSource examines rel below skelRoot one component at a time with Lstat,
// following only relative symlinks that stay inside skelRoot (as the native
// backend does for a skeleton source; at most 16). It returns the final
// component's information and the links followed ("LINK -> TARGET"); or the
// first link that is absolute or leaves skelRoot (bad, with its target); or
// the first component that is missing or not a directory on the way.
func skelSource(skelRoot, rel string) (fi fs.FileInfo, via []string, bad, badTarget, missing string, err error) {
	cur := skelRoot
	todo := strings.Split(rel, "/")
	hops := 0
	lastLink, lastTarget := skelRoot, ".." // the link whose target is being walked
	for len(todo) > 0 {
		comp := todo[0]
		todo = todo[1:]
		switch comp {
		case "", ".":
			continue
		case "..":
			if cur == skelRoot {
				return nil, via, lastLink, lastTarget, "", nil
			}
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, comp)
		fi, err = os.Lstat(next)
		if err != nil {
			return nil, via, "", "", next, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			t, rerr := os.Readlink(next)
			hops++
			if rerr != nil || path.IsAbs(t) || hops > 16 {
				return nil, via, next, t, "", nil
			}
			via = append(via, next+" -> "+t)
			lastLink, lastTarget = next, t
			todo = append(strings.Split(t, "/"), todo...)
			continue
		}
		if len(todo) > 0 && !fi.IsDir() {
			return fi, via, "", "", next, fmt.Errorf("%s is not a directory", next)
		}
		cur = next
	}
	fi, err = os.Lstat(cur)
	if err != nil {
		return nil, via, "", "", cur, err
	}
	return fi, via, "", "", "", nil
}

// checkTrustedPath reports, for skel_root or rootdir (knob), every component
// of p — p itself and each ancestor — that is a symlink, is not owned by a
// trusted uid, or is writable by group or others without the sticky bit.
// done holds paths already reported for this jail.
func (c *skelChecker) checkTrustedPath(knob, p string, done map[string]bool) bool {
	if !path.IsAbs(p) || path.Clean(p) != p {
		return false // compat has refused it already
	}
	cur := "/"
	comps := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if p == "/" {
		comps = nil
	}
	check := func(q string) bool {
		fi, err := os.Lstat(q)
		if err != nil {
			hint := ""
			switch {
			case knob == "rootdir" && q == p:
				// Every ancestor exists (the walk got here), and that is
				// the one case prepare creates the jail root in.
				hint = fmt.Sprintf(" (rcjail prepare %s creates it)", c.j.Name)
			case knob == "rootdir":
				hint = fmt.Sprintf(" (create it first: rcjail prepare %s creates only the jail root itself)", c.j.Name)
			}
			c.add(false, knob, "", "%s does not exist%s: %v", q, hint, err)
			return false
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			// A symlink on the path means the mounts land wherever the
			// link points today, and whoever controls it decides.
			t, _ := os.Readlink(q)
			c.add(false, knob, "", "%s is a symbolic link (-> %s); name the real directory", q, t)
			return false
		}
		if !fi.IsDir() {
			c.add(false, knob, "", "%s is not a directory", q)
			return false
		}
		if done[q] {
			return true
		}
		done[q] = true
		uid, known := skelOwner(fi)
		if known && !Trusted(uid) {
			// An unprivileged owner can swap the directory's contents
			// (usr/lib -> /) between the checks and the mounts.
			c.add(false, knob, "", "%s is owned by uid %d, not root: its owner could replace what rcjail mounts on or from", q, uid)
		}
		if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
			// Anyone in the group (or anyone at all) could rename a
			// component and put a symlink in its place.
			c.add(false, knob, "", "%s is writable by group or others (mode %04o): anyone who can write it could replace what rcjail mounts on or from", q, fi.Mode().Perm())
		}
		return true
	}
	if !check("/") {
		return false
	}
	for _, comp := range comps {
		cur = path.Join(cur, comp)
		if !check(cur) {
			return false
		}
	}
	return true
}

// skelRootdirRefused reports whether compat refused j's rootdir (unset, "/",
// relative, …): then nothing under it is examined, since it would be the
// host's own tree ("/bin" is not the jail's mount point).
func skelRootdirRefused(j *compat.Jail) bool {
	if j.RootDir == "" || j.RootDir == "/" {
		return true
	}
	for _, e := range j.Errors {
		if strings.HasSuffix(e.Var, "_rootdir") {
			return true
		}
	}
	return false
}

// checkSkeleton runs every host check on one skeleton jail.
func checkSkeleton(j *compat.Jail) []Finding {
	c := &skelChecker{j: j}
	s := j.Skel
	symlink := s.Mode == compat.SkelSymlink
	done := map[string]bool{}
	rootOK := c.checkTrustedPath("skel_root", s.Root, done)
	dirOK := false
	if !skelRootdirRefused(j) {
		dirOK = c.checkTrustedPath("rootdir", j.RootDir, done)
	}

	ents := s.Listed()
	knob := func(rw bool) string {
		if rw {
			return "skel_rwmounts"
		}
		return "skel_romounts"
	}
	// parentOf returns the closest other entry e lies under.
	parentOf := func(e string) (compat.SkelEntry, bool) {
		var best compat.SkelEntry
		found := false
		for _, p := range ents {
			if p.Path != e && strings.HasPrefix(e, p.Path+"/") && (!found || len(p.Path) > len(best.Path)) {
				best, found = p, true
			}
		}
		return best, found
	}

	// Sources in the skeleton.
	if rootOK {
		for _, e := range ents {
			if symlink && !e.RW {
				if _, nested := parentOf(e.Path); nested {
					continue // reached through its parent's link
				}
			}
			src := path.Join(s.Root, e.Path)
			parent, nested := parentOf(e.Path)
			if symlink && !e.RW {
				// The jail's link resolves through basejail inside the
				// jail, never on the host.
				fi, link, target, missing, err := skelLstat(src)
				switch {
				case link != "":
					c.add(true, knob(e.RW), e.Path, "%s in skel_root is a symbolic link (-> %s); the jail's link resolves through it", link, target)
				case missing != "":
					c.add(false, knob(e.RW), e.Path, "source %s does not exist (%v); the jail's link would dangle", src, err)
				case !fi.IsDir():
					c.add(false, knob(e.RW), e.Path, "source %s is not a directory", src)
				}
				continue
			}
			fi, via, bad, badTarget, missing, err := skelSource(s.Root, e.Path)
			switch {
			case bad != "":
				// An absolute link, or one leaving skel_root, would
				// redirect the mount anywhere on the host
				// (skel/usr/local -> /root); name the real directory.
				c.add(false, knob(e.RW), e.Path, "source %s: %s is a symbolic link (-> %s) that leaves skel_root; rcjail never mounts through one", src, bad, badTarget)
			case missing != "" && nested && !parent.RW:
				// The mount point lies inside the parent's read-only
				// mount: it cannot be created there (EROFS).
				c.add(false, knob(e.RW), e.Path, "mount point does not exist inside the read-only parent %s (source %s is missing); it cannot be created once %s is mounted read-only", parent.Path, src, parent.Path)
			case missing != "":
				c.add(false, knob(e.RW), e.Path, "source %s does not exist (%v)", src, err)
			case !fi.IsDir():
				c.add(false, knob(e.RW), e.Path, "source %s is not a directory", src)
			case len(via) > 0:
				// Followed at start (a host-"/" skeleton on a merged-/usr
				// system has bin -> usr/bin), but whoever can change the
				// link chooses what the jail gets.
				c.add(true, knob(e.RW), e.Path, "source %s is reached through the symbolic link %s inside skel_root; the mount shows what it points to", src, strings.Join(via, ", "))
			}
		}
	}

	if !dirOK {
		return c.out
	}
	// fstab mount points under a skeleton entry.
	for _, fe := range j.FstabEntries {
		for _, e := range ents {
			target := path.Join(j.RootDir, e.Path)
			if !strings.HasPrefix(fe.MountPoint, target+"/") {
				continue
			}
			rel := strings.TrimPrefix(fe.MountPoint, target+"/")
			if symlink && !e.RW {
				// mount(8) would have to follow the link into the base.
				c.add(false, knob(e.RW), e.Path, "fstab mount point %s (%s line %d) is under %s, a symbolic link into the read-only base in symlink mode", fe.MountPoint, j.Fstab, fe.Line, target)
				continue
			}
			src := path.Join(s.Root, e.Path, rel)
			if _, _, _, missing, _ := skelLstat(src); missing != "" {
				if e.RW {
					c.add(true, knob(e.RW), e.Path, "fstab mount point %s (%s line %d) does not exist in the shared source: creating it writes %s into the skeleton", fe.MountPoint, j.Fstab, fe.Line, src)
				} else {
					c.add(false, knob(e.RW), e.Path, "fstab mount point %s (%s line %d) lies inside the read-only mount of %s and %s does not exist: it cannot be created", fe.MountPoint, j.Fstab, fe.Line, e.Path, src)
				}
			}
		}
	}

	// What start finds in the jail root.
	if symlink {
		base := path.Join(j.RootDir, s.Basedir)
		if fi, link, t, missing, _ := skelLstat(base); link != "" {
			c.add(false, "skel_basedir", "", "%s is a symbolic link (-> %s); skel_root would be mounted through it", link, t)
		} else if missing != "" {
			c.add(false, "skel_basedir", "", "%s does not exist (rcjail prepare %s creates it)", base, j.Name)
		} else if !fi.IsDir() {
			c.add(false, "skel_basedir", "", "%s is not a directory", base)
		} else {
			c.hidden("skel_basedir", "", base, s.Root)
		}
	}
	for _, e := range ents {
		if _, nested := parentOf(e.Path); nested {
			continue // inside the parent's mount or link
		}
		p := path.Join(j.RootDir, e.Path)
		fi, link, t, missing, _ := skelLstat(p)
		if symlink && !e.RW {
			// start verifies each link without following it and refuses
			// the jail when one is missing or points elsewhere.
			want := compat.SymlinkTarget(e.Path, s.Basedir)
			switch {
			case link != "" && link != p:
				c.add(false, knob(false), e.Path, "%s is a symbolic link (-> %s) on the way to the link %s", link, t, p)
			case link == p && t != want:
				// start refuses it: the jail would see something other
				// than the read-only base there.
				c.add(false, knob(false), e.Path, "link %s points to %s, not %s", p, t, want)
			case link == p:
			case missing != "":
				c.add(false, knob(false), e.Path, "link %s -> %s is missing (rcjail prepare %s creates it)", p, want, j.Name)
			default:
				c.add(false, knob(false), e.Path, "%s is not a symbolic link to %s", p, want)
			}
			continue
		}
		switch {
		case link != "":
			// SPEC §4.2: start refuses a mount point that is a symlink.
			c.add(false, knob(e.RW), e.Path, "mount point %s: %s is a symbolic link (-> %s); start refuses it", p, link, t)
		case missing != "":
			// Created (0755, without following links) at start.
		case !fi.IsDir():
			c.add(false, knob(e.RW), e.Path, "mount point %s is not a directory; start refuses it", p)
		default:
			c.hidden(knob(e.RW), e.Path, p, path.Join(s.Root, e.Path))
		}
	}
	return c.out
}

// hidden warns when the mount point p is a directory with something in it
// and nothing mounted on it now: the skeleton's src, mounted over it at
// start, hides the jail's own files there while it runs. That is the case
// of a full jail turned into a skeleton jail, whose own bin, lib, usr/lib
// would silently be shadowed (and come back, stale, at the next stop).
func (c *skelChecker) hidden(knob, entry, p, src string) {
	// Two names at most: the directory is the jail's own, and a jail's
	// root user could fill it with millions of entries to slow check down.
	f, err := os.Open(p)
	if err != nil {
		return
	}
	names, _ := f.Readdirnames(2)
	f.Close()
	if len(names) == 0 || mountedNow(p) {
		return
	}
	sort.Strings(names)
	held := strconv.Quote(names[0])
	if len(names) > 1 {
		held += ", …"
	}
	c.add(true, knob, entry, "mount point %s is not empty (it holds %s): the skeleton's %s hides that while the jail runs; if this was a full jail, move it away while the jail is stopped", p, held, src)
}

// mountedNow reports whether something is mounted on p at this moment (a
// running jail's mount point shows the skeleton, not the jail's own files).
// An unreadable mount table counts as mounted: no warning rather than a
// false one.
func mountedNow(p string) bool {
	tbl, err := mount.Table()
	if err != nil {
		return true
	}
	for _, e := range tbl {
		if e.Target == p {
			return true
		}
	}
	return false
}
