package native

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"rcjail/compat"
	"rcjail/mount"
)

// fstabLinux maps one fstab line to its Linux stand-in: nullfs, procfs
// (also "proc"), devfs and tmpfs; "ro" is the only option looked at.
// Anything else is refused.
func fstabLinux(root, r string, e compat.FstabEntry) (mount.Request, error) {
	req := mount.Request{Root: root, Target: r, ReadOnly: hasOpt(e.Options, "ro")}
	switch e.FSType {
	case "nullfs":
		req.FSType, req.Source = mount.NullFS, path.Clean(e.Device)
	case "procfs", "proc":
		req.FSType = mount.ProcFS
	case "devfs":
		req.FSType = mount.DevFS
	case "tmpfs":
		req.FSType = mount.TmpFS
	default:
		return mount.Request{}, fmt.Errorf("file system type %q: %w", e.FSType, errors.ErrUnsupported)
	}
	return req, nil
}

func hasOpt(opts, o string) bool {
	for _, f := range strings.Split(opts, ",") {
		if f == o {
			return true
		}
	}
	return false
}
