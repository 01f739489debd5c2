package mount

import (
	"fmt"
	"strings"
)

// flagName names one bit (or value) of a system call's flag word. The tables
// hold plain numbers so that every OS's names can be printed and tested on
// any OS.
type flagName struct {
	bit  uint64
	name string
}

// Linux mount(2) flags (include/uapi/linux/mount.h values).
var linuxMountFlags = []flagName{
	{0x1, "MS_RDONLY"}, {0x2, "MS_NOSUID"}, {0x4, "MS_NODEV"}, {0x8, "MS_NOEXEC"},
	{0x10, "MS_SYNCHRONOUS"}, {0x20, "MS_REMOUNT"}, {0x40, "MS_MANDLOCK"},
	{0x80, "MS_DIRSYNC"}, {0x100, "MS_NOSYMFOLLOW"}, {0x400, "MS_NOATIME"},
	{0x800, "MS_NODIRATIME"}, {0x1000, "MS_BIND"}, {0x2000, "MS_MOVE"},
	{0x4000, "MS_REC"}, {0x8000, "MS_SILENT"}, {0x20000, "MS_UNBINDABLE"},
	{0x40000, "MS_PRIVATE"}, {0x80000, "MS_SLAVE"}, {0x100000, "MS_SHARED"},
	{0x200000, "MS_RELATIME"}, {0x1000000, "MS_STRICTATIME"}, {0x2000000, "MS_LAZYTIME"},
}

// Linux umount2(2) flags.
var linuxUmountFlags = []flagName{
	{0x1, "MNT_FORCE"}, {0x2, "MNT_DETACH"}, {0x4, "MNT_EXPIRE"}, {0x8, "UMOUNT_NOFOLLOW"},
}

// FreeBSD nmount(2) flags (sys/mount.h values, the ones we may pass).
var freebsdMountFlags = []flagName{
	{0x1, "MNT_RDONLY"}, {0x2, "MNT_SYNCHRONOUS"}, {0x4, "MNT_NOEXEC"}, {0x8, "MNT_NOSUID"},
	{0x20, "MNT_UNION"}, {0x40, "MNT_ASYNC"}, {0x10000, "MNT_UPDATE"},
	{0x400000, "MNT_NOSYMFOLLOW"}, {0x10000000, "MNT_NOATIME"},
}

// FreeBSD unmount(2) flags.
var freebsdUnmountFlags = []flagName{
	{0x80000, "MNT_FORCE"}, {0x4000000, "MNT_NONBUSY"}, {0x8000000, "MNT_BYFSID"},
}

// flagString prints flags as NAME|NAME|0x…; "0" when no bit is set.
func flagString(flags uint64, names []flagName) string {
	if flags == 0 {
		return "0"
	}
	var parts []string
	rest := flags
	for _, f := range names {
		if flags&f.bit == f.bit && rest&f.bit != 0 {
			parts = append(parts, f.name)
			rest &^= f.bit
		}
	}
	if rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", rest))
	}
	return strings.Join(parts, "|")
}
