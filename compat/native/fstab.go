package native

import (
	"path"
	"strings"

	"rcjail/compat"
	"rcjail/mount"
)

// The mapping of a jail's fstab lines to mount requests on FreeBSD. Pure,
// so that its tests run on any OS (Linux's is in fstab_linux.go).

// fstabOptions are the fstab options FreeBSD's native backend passes to
// nmount itself, per type, as mount(8) would pass them ("name=value"
// pairs). "rw" and "ro" are understood for every type.
var fstabOptions = map[string][]string{
	mount.TmpFS: {"size", "mode", "inodes"},
	mount.DevFS: {"ruleset"},
}

// fstabFreeBSD maps one fstab line to the request mount(8) would make of it
// on FreeBSD. ok is false when the line is anything the mount package does
// not make exactly as mount(8) would: another type (ufs, nfs, zfs …), an
// option other than rw, ro and the few name=value ones of fstabOptions
// (noauto, late, nosuid … change what `mount -a` does), a nullfs source
// that is not an absolute path, or a mount point outside the jail root.
// Then the whole fstab goes to `mount -a -F` (see fstabNeedsProgram).
func fstabFreeBSD(root string, e compat.FstabEntry) (mount.Request, bool) {
	r, err := rel(root, path.Clean(e.MountPoint))
	if err != nil {
		return mount.Request{}, false
	}
	req := mount.Request{Root: root, Target: r}
	switch e.FSType {
	case "nullfs":
		if !path.IsAbs(e.Device) {
			return mount.Request{}, false
		}
		req.FSType, req.Source = mount.NullFS, path.Clean(e.Device)
	case "procfs":
		req.FSType = mount.ProcFS
	case "devfs":
		req.FSType = mount.DevFS
	case "fdescfs":
		req.FSType = mount.FdescFS
	case "tmpfs":
		req.FSType = mount.TmpFS
	default:
		return mount.Request{}, false
	}
	for _, o := range strings.Split(e.Options, ",") {
		if o == "" {
			continue
		}
		switch name, value, hasValue := strings.Cut(o, "="); {
		case o == "rw" && !hasValue:
			req.ReadOnly = false
		case o == "ro" && !hasValue:
			req.ReadOnly = true
		case hasValue && value != "" && contains(fstabOptions[req.FSType], name):
			if req.Options == nil {
				req.Options = map[string]string{}
			}
			req.Options[name] = value
		default:
			return mount.Request{}, false
		}
	}
	return req, true
}

// fstabNeedsProgram reports whether any line of s is one fstabFreeBSD does
// not map: then the file is mounted as a whole by `mount -a -F`, as the
// script does, so that its lines keep their order and meaning.
func fstabNeedsProgram(s compat.FstabMount) bool {
	for _, e := range s.Entries {
		if _, ok := fstabFreeBSD(s.Root, e); !ok {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
