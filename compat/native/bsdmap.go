package native

import (
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"

	"rcjail/compat"
	"rcjail/mount"
)

// Pure decisions of the FreeBSD native backend (sys_freebsd.go), portable
// so that their tests run on Linux.

// mountedAt reports whether the mount table tbl (kernel order) has a mount
// exactly on dir, of type fstype when fstype is not empty. Only the top
// mount counts: what a later mount covers is not what dir shows.
func mountedAt(tbl []mount.Entry, dir, fstype string) bool {
	top := -1
	for i := range tbl {
		if tbl[i].Target == dir {
			top = i
		}
	}
	return top >= 0 && (fstype == "" || tbl[top].FSType == fstype)
}

// adoptableFreeBSD reports whether the mount e (from getfsstat) is exactly
// what req would make: same type, same read-only state, and for nullfs the
// same source. FreeBSD's f_mntfromname of a nullfs mount is the source
// path exactly as it was passed, which is what the mount package passes
// (and checks after mounting); a crashed start's leftover of this very
// step matches, an admin's mount of something else does not.
//
// A nullfs mount's statfs flags are its own ORed with its lower file
// system's (nullfs_statfs), so a read-write nullfs over a read-only lower
// file system shows MNT_RDONLY. What is compared is the flag rcjail sets:
// lowerRO says the lower file system (req.Source's) is read-only, and then
// the read-only bit says nothing about the mount itself: a read-write
// request adopts it (issue 13 item 4). A read-only request over a
// read-only lower file system cannot tell the two apart either; it adopts
// what the jail sees read-only today.
func adoptableFreeBSD(e mount.Entry, req mount.Request, lowerRO bool) bool {
	if e.FSType != req.FSType {
		return false
	}
	if req.FSType == mount.NullFS {
		if e.Source != req.Source {
			return false
		}
		if lowerRO && !req.ReadOnly {
			return true
		}
	}
	return e.ReadOnly == req.ReadOnly
}

// ifaceHas reports whether addrs (an interface's addresses) hold ip.
func ifaceHas(addrs []net.Addr, ip string) bool {
	want := net.ParseIP(ip)
	if want == nil {
		return false
	}
	for _, a := range addrs {
		var got net.IP
		switch a := a.(type) {
		case *net.IPNet:
			got = a.IP
		case *net.IPAddr:
			got = a.IP
		}
		if got != nil && got.Equal(want) {
			return true
		}
	}
	return false
}

// jlsPath reads the output of `jls -j JID path`: one line, the jail's root.
func jlsPath(out []byte) (string, bool) {
	s := strings.TrimSuffix(string(out), "\n")
	if s == "" || strings.Contains(s, "\n") {
		return "", false
	}
	return s, true
}

// fsidPath is unmount(2)'s MNT_BYFSID path for a packed fsid (see
// mount.Entry.ID): "FSID:<val0>:<val1>", signed decimal.
func fsidPath(id uint64) string {
	return fmt.Sprintf("FSID:%d:%d", int32(uint32(id>>32)), int32(uint32(id)))
}

// mountPkgType reports whether package mount makes and unmounts fstype.
func mountPkgType(fstype string) bool {
	switch fstype {
	case mount.NullFS, mount.DevFS, mount.FdescFS, mount.ProcFS, mount.TmpFS:
		return true
	}
	return false
}

// devfsOptions is the mount option list of a Mount step: a devfs with the
// jail's ruleset mounts with "ruleset=N" (issue 13 item 6; jail(8) does the
// same), so that the kernel sets the ruleset before /dev is populated and
// no unfiltered node is ever visible. Linux's devfs stand-in ignores it.
func devfsOptions(s compat.Mount) map[string]string {
	if s.FSType != compat.FSDevfs || s.DevfsRuleset <= 0 {
		return nil
	}
	return map[string]string{"ruleset": strconv.Itoa(s.DevfsRuleset)}
}

// devfsByProgram reports whether a devfs step must still run devfs(8) under
// the native backend on FreeBSD. mountedWith maps each devfs this run
// mounted itself to the ruleset it was mounted with: for those, setting
// that ruleset and applying it (`devfs -m DIR ruleset N`, `devfs -m DIR
// rule applyset`) is what the kernel already did at mount time. Rule
// definitions (`devfs rule -s N ...`, loaded before the mount), another
// ruleset, and a devfs adopted from a crashed start still go to devfs(8).
func devfsByProgram(s compat.Step, mountedWith map[string]int) bool {
	switch s := s.(type) {
	case compat.DevfsRuleset:
		n, ok := mountedWith[path.Clean(s.Dir)]
		return !ok || n != s.Ruleset
	case compat.DevfsApply:
		_, ok := mountedWith[path.Clean(s.Dir)]
		return !ok
	}
	return true
}
