package compat

import "path"

// MountKind says what one of a jail's mounts is for.
type MountKind uint8

// The kinds of [JailMount], in the order start mounts them (SPEC §1):
// skeleton, fstab, devfs, fdescfs, procfs.
const (
	// MountSkelBase is skel_root mounted read-only on skel_basedir
	// (skel_mode=symlink only); it comes before the skeleton entries.
	MountSkelBase MountKind = iota + 1
	// MountSkel is one skeleton entry: SourceRoot/Entry.Path on the same
	// path under the jail root (in symlink mode only skel_rwmounts entries
	// are mounts; the others are links into skel_basedir).
	MountSkel
	// MountFstab is one line of the jail's fstab (mount_enable), mounted
	// by the whole file at once.
	MountFstab
	MountDevfs   // devfs on dev
	MountFdescfs // fdescfs on dev/fd
	MountProcfs  // procfs on proc
)

// JailMount is one file system a jail's start mounts. [NewConfig] alone
// computes a jail's list ([Jail.Mounts]), in mount order; the plan, status,
// convert and the checks read it. Unmounting is its reverse, except that
// the script unmounts fdescfs, devfs and procfs first, in that order.
type JailMount struct {
	Kind   MountKind
	FSType string // FSNullfs, FSDevfs, FSFdescfs, FSProcfs, or an fstab line's type
	// Source is the directory a nullfs mount shows (a skeleton's, under
	// skel_root) or an fstab line's device; "" for devfs, fdescfs, procfs.
	Source string
	// SourceRoot is skel_root for a MountSkel (Source lies inside it: a
	// host may follow relative symlinks that stay inside), "" otherwise.
	SourceRoot string
	Target     string // clean absolute host path, under the jail root
	ReadOnly   bool   // skeleton: a skel_romounts entry or skel_basedir
	Entry      SkelEntry
	FstabLine  int // MountFstab: the line in the fstab
}

// jailMounts computes j's mounts from its resolved knobs (see [JailMount]).
// A jail without a root directory, or defined by a jail.conf file, has
// none.
func jailMounts(j *Jail) []JailMount {
	if j.RootDir == "" || j.JailConfFile != "" {
		return nil
	}
	root := j.RootDir
	var ms []JailMount
	if sk := j.Skel; sk.Enable {
		symlink := sk.Mode == SkelSymlink
		if symlink {
			ms = append(ms, JailMount{Kind: MountSkelBase, FSType: FSNullfs, Source: sk.Root, Target: under(root, sk.Basedir), ReadOnly: true})
		}
		for _, e := range sk.Entries {
			if symlink && !e.RW {
				continue // a link into skel_basedir, not a mount
			}
			ms = append(ms, JailMount{Kind: MountSkel, FSType: FSNullfs, Source: under(sk.Root, e.Path), SourceRoot: sk.Root,
				Target: under(root, e.Path), ReadOnly: !e.RW, Entry: e})
		}
	}
	if j.MountEnable {
		for _, f := range j.FstabEntries {
			ms = append(ms, JailMount{Kind: MountFstab, FSType: f.FSType, Source: f.Device, Target: path.Clean(f.MountPoint), FstabLine: f.Line})
		}
	}
	dev := under(root, "dev")
	if j.Devfs {
		ms = append(ms, JailMount{Kind: MountDevfs, FSType: FSDevfs, Target: dev})
	}
	if j.Fdescfs {
		ms = append(ms, JailMount{Kind: MountFdescfs, FSType: FSFdescfs, Target: under(dev, "fd")})
	}
	if j.Procfs {
		ms = append(ms, JailMount{Kind: MountProcfs, FSType: FSProcfs, Target: under(root, "proc")})
	}
	return ms
}

// Listed returns the skeleton entries in the order of their lists: the
// skel_romounts entries, then the skel_rwmounts entries, each in mount
// order. Checks report findings in this order.
func (s Skel) Listed() []SkelEntry {
	out := make([]SkelEntry, 0, len(s.Entries))
	for _, rw := range []bool{false, true} {
		for _, e := range s.Entries {
			if e.RW == rw {
				out = append(out, e)
			}
		}
	}
	return out
}
