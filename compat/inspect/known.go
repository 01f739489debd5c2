package inspect

import (
	"os"
	"path"
	"time"

	"rcjail/compat"
	"rcjail/compat/state"
)

// HasState reports whether root's state files (under -R) know jail j: its
// id file, a record under its name, or a record whose "jail" member is j
// by key ([compat.RecordFiles]). A jail that still runs but was removed
// from rc.conf stays a known name by them, so it can be stopped (SPEC §0).
// Anything at those names counts, a symlink included: a planted file is
// still a sign the name was used.
func HasState(root string, j *compat.Jail) bool {
	exists := func(p string) bool {
		_, err := os.Lstat(state.HostPath(root, p))
		return err == nil
	}
	return exists(compat.IDFile(j)) || exists(state.DirPath+"/"+state.RecordName(j.Name)) ||
		len(compat.RecordFiles(root, j.Name)) > 0
}

// EtcRC returns the modification times of etc/rc in j's root and in its
// skeleton, each the zero time when it cannot be read: skel's report says
// a jail's /etc is older than the skeleton it runs on.
func EtcRC(j *compat.Jail) (jail, skel time.Time) {
	if fi, err := os.Stat(path.Join(j.RootDir, "etc/rc")); err == nil {
		jail = fi.ModTime()
	}
	if fi, err := os.Stat(path.Join(j.Skel.Root, "etc/rc")); err == nil {
		skel = fi.ModTime()
	}
	return jail, skel
}
