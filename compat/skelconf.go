package compat

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"rcjail/mount"
)

// defaultSkelRO is the 2006 patch's default list with usr/sbin named once.
const defaultSkelRO = "bin sbin lib libexec usr/bin usr/sbin usr/include usr/lib usr/libdata usr/libexec usr/share"

// skelEntryChars are refused in skeleton entries: the lists are
// blank-separated words, the entries end up in mount(8) arguments, sh
// command lines and mount tables (which escape blanks), and glob or quote
// characters would mean something else to a shell.
const skelEntryChars = "\"'`$;&|<>()*?[]\\#~!{}="

// skelEntryProblem checks one entry lexically (security.md §4.1 rows 9–11,
// 15, 16).
func skelEntryProblem(e string) string {
	if c, ok := controlChar(e); ok {
		return fmt.Sprintf("contains control character %q", c)
	}
	if strings.HasPrefix(e, "/") {
		// An absolute entry is not silently made relative: the admin may
		// have meant the host path, and the mount would land elsewhere.
		return "is absolute (entries are relative to skel_root and the jail root)"
	}
	if strings.HasPrefix(e, "-") {
		return "starts with \"-\" (mount(8) would read it as an option)"
	}
	if i := strings.IndexAny(e, skelEntryChars); i >= 0 {
		return fmt.Sprintf("contains %q (blanks, quotes, shell and glob characters are not allowed)", e[i:i+1])
	}
	for _, c := range strings.Split(e, "/") {
		if c == ".." {
			// Lexically refused even when cleaning would remove it: it
			// points the mount outside the jail root or the skeleton.
			return "contains \"..\""
		}
	}
	clean := path.Clean(e)
	if clean == "." {
		// A mount over the jail root itself would cover the whole jail.
		return "names the jail root itself"
	}
	if clean == "dev" || strings.HasPrefix(clean, "dev/") || clean == "proc" || strings.HasPrefix(clean, "proc/") {
		// devfs, fdescfs and procfs own these mount points.
		return "is or is under dev or proc, which devfs, fdescfs and procfs own"
	}
	return ""
}

// isUnder reports whether the relative clean path p is under dir (not equal).
func isUnder(p, dir string) bool { return strings.HasPrefix(p, dir+"/") }

// mountOrder puts the entries in mount order: every entry comes after the
// entries that are its parents, otherwise in the order given (romounts list,
// then rwmounts list). Unmounting in the exact reverse order then always
// unmounts a child before its parent (a parent first would be EBUSY).
func mountOrder(ents []SkelEntry) []SkelEntry {
	out := make([]SkelEntry, 0, len(ents))
	done := make([]bool, len(ents))
	var place func(i int)
	place = func(i int) {
		if done[i] {
			return
		}
		done[i] = true
		// Parents first, shallowest first, each in list order.
		for depth := 1; depth <= strings.Count(ents[i].Path, "/"); depth++ {
			for k, p := range ents {
				if !done[k] && strings.Count(p.Path, "/") == depth-1 && isUnder(ents[i].Path, p.Path) {
					place(k)
				}
			}
		}
		out = append(out, ents[i])
	}
	for i := range ents {
		place(i)
	}
	return out
}

// skel resolves and checks the skeleton knobs (SPEC §1, §4).
func (b *builder) skel(j *Jail, rootOK bool) {
	r, jv := b.r, j.JV
	enS := b.record(j, r.both(jv, "skel_enable", "NO"))
	rootS := r.both(jv, "skel_root", "/")
	if hostPathProblem(rootS.Value, "skel_root") == "" {
		rootS = cleaned(rootS)
	}
	b.record(j, rootS)
	// skel_root, skel_mode and skel_basedir keep "" = default: an empty
	// skel_root is "/" to the patched script's "${_skel_root}/${entry}"
	// anyway, and the other two are rcjail's own.
	roS := b.record(j, r.bothSetDefault(jv, "skel_romounts", defaultSkelRO))
	rwS := b.record(j, r.both(jv, "skel_rwmounts", ""))
	modeS := b.record(j, r.both(jv, "skel_mode", string(SkelNullfs)))
	baseS := b.record(j, r.both(jv, "skel_basedir", "basejail"))
	sk := &j.Skel
	sk.Enable = b.yes(enS)
	sk.Root, sk.Mode, sk.Basedir = rootS.Value, SkelMode(modeS.Value), baseS.Value
	if !sk.Enable {
		// Unused knobs do not refuse a jail.
		return
	}
	nerr := len(j.Errors)
	symlink := false
	switch sk.Mode {
	case SkelNullfs:
	case SkelSymlink:
		symlink = true
	default:
		b.fail(j, modeS, "skel_mode is neither \"nullfs\" nor \"symlink\"")
	}
	rootGood := true
	if msg := hostPathProblem(sk.Root, "skel_root"); msg != "" {
		b.fail(j, rootS, msg)
		rootGood = false
	} else if i := strings.IndexAny(sk.Root, shellSpecial); i >= 0 {
		b.fail(j, rootS, fmt.Sprintf("skel_root contains %q, which a shell would interpret", sk.Root[i:i+1]))
		rootGood = false
	} else if rootOK {
		switch {
		case mount.Within(j.RootDir, sk.Root):
			// The jail could write its own (and its siblings') skeleton,
			// and the mount would loop onto itself.
			b.fail(j, rootS, "skel_root is or is inside the jail's root directory "+j.RootDir)
			rootGood = false
		case symlink && mount.Within(sk.Root, j.RootDir):
			// The one read-only mount of skel_root would show the jail the
			// whole tree above its root, host files included.
			b.fail(j, rootS, "skel_root contains the jail's root directory "+j.RootDir+" (symlink mode mounts all of skel_root)")
			rootGood = false
		}
	}
	if symlink {
		if msg := skelEntryProblem(sk.Basedir); msg != "" {
			b.fail(j, baseS, "skel_basedir "+msg)
		} else {
			sk.Basedir = path.Clean(sk.Basedir)
		}
	}

	var ents []SkelEntry
	seen := map[string]bool{} // cleaned entry → rw
	check := func(s Setting, rw bool) {
		for _, e := range strings.Fields(s.Value) {
			if msg := skelEntryProblem(e); msg != "" {
				b.fail(j, s, fmt.Sprintf("entry %q %s", e, msg))
				continue
			}
			clean := path.Clean(e)
			if prevRW, ok := seen[clean]; ok {
				// The same directory twice would stack two mounts.
				if prevRW == rw {
					b.fail(j, s, fmt.Sprintf("entry %q is listed twice (after cleaning: %s)", e, clean))
				} else {
					b.fail(j, s, fmt.Sprintf("entry %q is in both skel_romounts and skel_rwmounts", e))
				}
				continue
			}
			seen[clean] = rw
			if rootOK {
				target := j.RootDir + "/" + clean
				if len(target) > maxPath {
					b.fail(j, s, fmt.Sprintf("entry %q: %s is longer than the mount path limit", e, target))
					continue
				}
				if rootGood && !symlink {
					src := path.Join(sk.Root, clean)
					if mount.Within(j.RootDir, src) || mount.Within(src, j.RootDir) {
						b.fail(j, s, fmt.Sprintf("entry %q: source %s is, is inside or contains the jail's root directory %s", e, src, j.RootDir))
						continue
					}
				}
				bad := false
				for _, fe := range j.FstabEntries {
					if mount.Within(fe.MountPoint, target) {
						// The fstab mount would cover (or be covered by)
						// the skeleton mount; the unmount order breaks.
						b.fail(j, s, fmt.Sprintf("entry %q: %s is or is under the fstab mount point %s (%s line %d)", e, target, fe.MountPoint, j.Fstab, fe.Line))
						bad = true
						break
					}
				}
				if bad {
					continue
				}
			}
			if symlink && (clean == sk.Basedir || isUnder(clean, sk.Basedir) || isUnder(sk.Basedir, clean)) {
				b.fail(j, s, fmt.Sprintf("entry %q is, is inside or contains skel_basedir %s", e, sk.Basedir))
				continue
			}
			ents = append(ents, SkelEntry{Path: clean, RW: rw})
		}
	}
	check(roS, false)
	check(rwS, true)
	if symlink {
		// In symlink mode a romounts entry is a symlink: nothing can be
		// linked or mounted through it without following it.
		for _, p := range ents {
			if p.RW {
				continue
			}
			for _, c := range ents {
				if isUnder(c.Path, p.Path) {
					s := roS
					if c.RW {
						s = rwS
					}
					b.fail(j, s, fmt.Sprintf("entry %q is under %q, a symlink in symlink mode", c.Path, p.Path))
				}
			}
		}
	}
	if len(j.Errors) > nerr {
		return
	}
	sk.Entries = mountOrder(ents)
}

// sharedRW warns when a writable skeleton directory is also mounted into
// another jail of this configuration: two jails sharing a writable directory
// can pass directory descriptors and escape (CVE-2025-15576).
func (b *builder) sharedRW() {
	type src struct {
		jail, path string
		rw         bool
	}
	var all []src
	names := make([]string, 0, len(b.c.Jails))
	for n := range b.c.Jails {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sk := b.c.Jails[n].Skel
		if !sk.Enable {
			continue
		}
		if sk.Mode == SkelSymlink {
			all = append(all, src{n, sk.Root, false})
		}
		for _, e := range sk.Entries {
			if sk.Mode == SkelSymlink && !e.RW {
				continue
			}
			all = append(all, src{n, path.Join(sk.Root, e.Path), e.RW})
		}
	}
	for i, a := range all {
		if !a.rw {
			continue
		}
		for k, o := range all {
			if k == i || o.jail == a.jail || (o.rw && k < i) {
				continue
			}
			if mount.Within(o.path, a.path) || mount.Within(a.path, o.path) {
				b.warn(fmt.Sprintf("jails %q and %q share the skeleton directory %s, writable in %q: sibling jails sharing a writable directory can escape (CVE-2025-15576)",
					a.jail, o.jail, a.path, a.jail))
			}
		}
	}
}
