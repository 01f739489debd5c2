package mount

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Checking a new mount against the request after the attach: the kernel's
// own record of it (statmount(2), or /proc/self/mountinfo before Linux 6.8).

// verify checks the attached mount mfd against the request and returns its
// mount id.
func verify(r Request, full string, mfd, srcfd int, parentID uint64) (id, uniq uint64, err error) {
	// One statx gives the mount id (unique, for statmount; or the
	// mountinfo one) and the root's device and inode, for the source check.
	var stx unix.Statx_t
	var found *Entry
	viaStatmount := false
	if useStatmount.Load() {
		if err := unix.Statx(mfd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID_UNIQUE|unix.STATX_INO, &stx); err != nil {
			return 0, 0, fmt.Errorf("statx new mount: %w", err)
		}
		e, err := statmountID(stx)
		switch {
		case err == nil:
			found, viaStatmount, uniq = e, true, stx.Mnt_id
		case errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL):
			useStatmount.Store(false)
		default:
			return 0, 0, fmt.Errorf("statmount: %w", err)
		}
	}
	if !viaStatmount {
		if err := unix.Statx(mfd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID|unix.STATX_INO, &stx); err != nil {
			return 0, 0, fmt.Errorf("statx new mount: %w", err)
		}
		// Where the kernel says the new mount is (d_path of its root);
		// statmount's mount point says the same in one call.
		where, err := os.Readlink(fdPath(mfd))
		if err != nil {
			return 0, 0, fmt.Errorf("read new mount's path: %w", err)
		}
		if where != full {
			return 0, 0, fmt.Errorf("kernel path %q: %w", where, ErrEscaped)
		}
		tab, err := table()
		if err != nil {
			return 0, 0, err
		}
		for i := range tab {
			if tab[i].ID == stx.Mnt_id {
				found = &tab[i]
			}
		}
		if found == nil {
			return 0, 0, fmt.Errorf("mount id %d not in the mount table: %w", stx.Mnt_id, ErrEscaped)
		}
	}
	id = found.ID
	switch {
	case found.Target != full:
		return id, 0, fmt.Errorf("mount table puts mount %d on %q: %w", id, found.Target, ErrEscaped)
	case found.Parent != parentID:
		return id, 0, fmt.Errorf("mount %d sits on mount %d, not %d: %w", id, found.Parent, parentID, ErrEscaped)
	case found.FSType != linuxFSType(r.FSType) && r.FSType != NullFS:
		return id, 0, fmt.Errorf("mount %d has type %q, want %q", id, found.FSType, linuxFSType(r.FSType))
	case r.ReadOnly && !found.ReadOnly:
		return id, 0, fmt.Errorf("mount %d is not read-only", id)
	}
	if srcfd >= 0 {
		var src unix.Stat_t
		if err := unix.Fstat(srcfd, &src); err != nil {
			return id, 0, err
		}
		if unix.Major(src.Dev) != stx.Dev_major || unix.Minor(src.Dev) != stx.Dev_minor || src.Ino != stx.Ino {
			return id, 0, fmt.Errorf("mount %d's root is not the source directory: %w", id, ErrEscaped)
		}
	}
	return id, uniq, nil
}

// useStatmount is cleared when the kernel lacks statmount(2) (before 6.8);
// verify then reads the whole of /proc/self/mountinfo instead.
var useStatmount atomic.Bool

func init() { useStatmount.Store(true) }

// statmount(2) request and reply layout (include/uapi/linux/mount.h; the
// reply header is 512 bytes, strings follow as offsets into str[]).
const (
	statmountMntBasic = 0x02
	statmountMntPoint = 0x10
	statmountFSType   = 0x20
	statmountHeader   = 512
)

// statmount returns the kernel's record of the mount mfd is the root of.
func statmount(mfd int) (*Entry, error) {
	var stx unix.Statx_t
	if err := unix.Statx(mfd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID_UNIQUE, &stx); err != nil {
		return nil, err
	}
	return statmountID(stx)
}

// statmountID asks statmount(2) about the mount whose unique id stx holds.
// It reports the same fields as that mount's mountinfo line, for one system
// call (reading and parsing all of mountinfo was half the cost of a Mount).
func statmountID(stx unix.Statx_t) (*Entry, error) {
	if stx.Mask&unix.STATX_MNT_ID_UNIQUE == 0 {
		return nil, unix.ENOSYS // statx too old for unique ids: no statmount either
	}
	// Most mount points are short: a small buffer on the stack first (the
	// kernel allocates one of the size passed, and a large one was a third
	// of the call), the full size only when the kernel says EOVERFLOW.
	return statmountUnique(stx.Mnt_id)
}

// statmountRaw is one statmount(2) of the mount with unique id id into
// buf, asking for what mask names.
func statmountRaw(id, mask uint64, buf []byte) error {
	var req [24]byte // struct mnt_id_req, version 0
	le := binary.LittleEndian
	if !isLittleEndian {
		return unix.ENOSYS // the layout is written for little-endian
	}
	le.PutUint32(req[0:], uint32(len(req)))
	le.PutUint64(req[8:], id)
	le.PutUint64(req[16:], mask)
	_, _, errno := unix.Syscall6(unix.SYS_STATMOUNT, uintptr(unsafe.Pointer(&req[0])),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// statmountBuf is one statmount(2) of the mount with unique id id into buf.
func statmountBuf(id uint64, buf []byte) (*Entry, error) {
	if err := statmountRaw(id, statmountMntBasic|statmountMntPoint|statmountFSType, buf); err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	str := func(off uint32) string {
		if statmountHeader+int(off) >= len(buf) {
			return ""
		}
		s := buf[statmountHeader+int(off):]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s)
	}
	attr := le.Uint64(buf[64:])
	return &Entry{
		ID:       uint64(le.Uint32(buf[56:])), // mnt_id_old: the mountinfo id
		Parent:   uint64(le.Uint32(buf[60:])), // mnt_parent_id_old
		FSType:   str(le.Uint32(buf[36:])),
		Target:   str(le.Uint32(buf[108:])),
		ReadOnly: attr&unix.MOUNT_ATTR_RDONLY != 0,
	}, nil
}

var isLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// linuxFSType is the type the kernel reports for our stand-ins ("" for a
// bind, whose type is the source's).
func linuxFSType(t string) string {
	switch t {
	case ProcFS:
		return "proc"
	case DevFS, TmpFS:
		return "tmpfs"
	}
	return ""
}

func fsMagic(t string) int64 {
	switch t {
	case ProcFS:
		return unix.PROC_SUPER_MAGIC
	case DevFS, TmpFS:
		return unix.TMPFS_MAGIC
	}
	return 0
}
