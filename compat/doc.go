// Package compat gives rc.conf variables the meaning FreeBSD's legacy
// /etc/rc.d/jail (the 8.x script) gives them, plus rcjail's skeleton jails:
// variables → [Config] → plan → stdout, exactly as the script prints it.
//
// [NewConfig] is the one constructor of the typed model: it resolves every
// knob of a [Jail] and computes, once, the file systems the jail's start
// mounts in mount order ([Jail.Mounts]: skeleton, fstab, devfs, fdescfs,
// procfs, each skeleton mount with its skel_root). The plan ([PlanStart],
// [PlanStop]), status, convert, prepare and the skeleton checks read that
// list instead of deriving their own. Skeleton modes ([SkelMode]) and rc.d
// verbs ([Verb]) are typed.
//
// compat is pure: it imports none of rcjail's other packages and nothing that
// touches the operating system. Files it must read (fstab, devfs.rules) come in
// through the [FS] interface and every effect goes out through an executor
// interface, so the whole package is tested on any GOOS.
package compat
