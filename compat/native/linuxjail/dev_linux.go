package linuxjail

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// DevNodes are the device nodes of FreeBSD's devfsrules_jail ruleset that a
// jail's /dev (devfs_enable) gets, bound in from the host's /dev, with
// their Linux device numbers (checked on the host's node before it is
// bound: a host /dev/null replaced by something else is refused). ptmx and
// pts are the jail's own devpts instance, not the host's (ownPts), and fd,
// stdin, stdout and stderr are symbolic links into /proc/self/fd.
var DevNodes = []struct {
	Name         string
	Major, Minor uint32
}{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}}

// devSource is a detached copy of one of the host's device nodes.
type devSource struct {
	name string
	fd   int // open_tree clone, or -1 when the host has no such node
}

// devSources clones the host's /dev nodes of DevNodes as detached mounts
// (open_tree), while the host's /dev is still in reach: bindDev attaches
// them in the jail after pivot_root. A missing node is left out; one that
// is not the character device it must be is an error.
func devSources() ([]devSource, error) {
	var srcs []devSource
	for _, n := range DevNodes {
		p := "/dev/" + n.Name
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			if errors.Is(err, unix.ENOENT) {
				srcs = append(srcs, devSource{n.Name, -1})
				continue
			}
			return nil, fmt.Errorf("host device %s: %w", p, err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != n.Major || unix.Minor(st.Rdev) != n.Minor {
			closeSources(srcs)
			return nil, fmt.Errorf("host device %s: not the character device %d,%d", p, n.Major, n.Minor)
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, p, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_SYMLINK_NOFOLLOW)
		if errors.Is(err, unix.ENOSYS) {
			// Linux before 5.2: the devfs stand-in's own nodes stay.
			closeSources(srcs)
			return nil, nil
		}
		if err != nil {
			closeSources(srcs)
			return nil, fmt.Errorf("clone host device %s: %w", p, err)
		}
		srcs = append(srcs, devSource{n.Name, fd})
	}
	return srcs, nil
}

func closeSources(srcs []devSource) {
	for _, s := range srcs {
		if s.fd >= 0 {
			unix.Close(s.fd)
		}
	}
}

// bindDev attaches the host's device nodes (devSources) on the nodes of a
// jail's devfs, inside the jail (after pivot_root): /dev must be the tmpfs
// the host mounted for devfs_enable, and each target a plain file or node
// in it, never a symbolic link (opened without following one: a link
// planted in the jail's /dev cannot redirect a bind). The binds live in the
// jail's mount namespace only and go with it; the host's mount table never
// sees them. Without a devfs nothing is bound.
func bindDev(srcs []devSource) error {
	defer closeSources(srcs)
	if !isMountOf("/dev", unix.TMPFS_MAGIC) {
		return nil
	}
	dev, err := unix.Open("/dev", unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open the jail's /dev: %w", err)
	}
	defer unix.Close(dev)
	for _, s := range srcs {
		if s.fd < 0 {
			continue
		}
		// The mount point: the node the host's devfs stand-in made, or a
		// new empty file.
		t, err := unix.Openat(dev, s.name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) {
			var f int
			f, err = unix.Openat(dev, s.name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o666)
			if err == nil {
				unix.Close(f)
				t, err = unix.Openat(dev, s.name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			}
		}
		if err != nil {
			return fmt.Errorf("jail's /dev/%s: %w", s.name, err)
		}
		var st unix.Stat_t
		if err := unix.Fstat(t, &st); err != nil || (st.Mode&unix.S_IFMT != unix.S_IFREG && st.Mode&unix.S_IFMT != unix.S_IFCHR) {
			unix.Close(t)
			return fmt.Errorf("jail's /dev/%s: not a file or device node to bind on", s.name)
		}
		err = unix.MoveMount(s.fd, "", t, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
		unix.Close(t)
		if err != nil {
			return fmt.Errorf("bind the host's /dev/%s in the jail: %w", s.name, err)
		}
	}
	// The jail's copy of the /dev tmpfs becomes nodev: a device node made
	// in it (the stand-in's own nodes under the binds, or one the host or
	// a hook puts there later) does not open in the jail; only the host's
	// nodes bound above work (each bind is a mount of its own, with the
	// host's /dev flags). The host's copy of the mount is unchanged.
	err = unix.MountSetattr(dev, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NODEV})
	if err != nil && !errors.Is(err, unix.ENOSYS) { // Linux before 5.12: nodes stay usable
		return fmt.Errorf("make the jail's /dev nodev: %w", err)
	}
	return nil
}
