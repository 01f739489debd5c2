// Package jailroot looks at and creates the directories and links of a jail
// root (what `rcjail prepare` makes for a skeleton jail) through package
// mount's no-follow walker, and words the walker's refusals for the
// administrator.
//
// Every path is reached by mount's walker (mount.OpenDir, mount.Resolve:
// each component opened relative to its parent with O_NOFOLLOW|O_DIRECTORY)
// and every creation is a mkdirat/symlinkat in a parent that walker opened.
// A symlink planted in the jail root (usr -> /usr, var -> /) makes the walk
// fail, naming it, instead of leading to directories or links made on the
// host (the SA-07:01 / CVE-2021-30465 class). What the walker reports is
// worded from its typed errors (mount.WalkError and the sentinels), never
// from its text.
package jailroot

import "errors"

// ErrSymlink is in the chain of every refusal of a symbolic link inside a
// jail root (with mount.ErrSymlink when the walker found it).
var ErrSymlink = errors.New("symlinks inside a jail root are never followed")
