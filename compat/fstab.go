package compat

import (
	"fmt"
	"path"
	"strings"

	"rcjail/mount"
)

// parseFstab parses a jail's fstab: blank lines and lines whose first field
// starts with "#" are skipped (the script's own test); fields are separated by
// blanks: device, mount point, type, options, and optionally dump and pass.
// Each mount point must be absolute, without a ".." component, and at or
// under rootdir (when rootdir is known): one outside the root would mount
// over host directories. An unclean spelling (/jails//www/usr/, a "."
// component) is cleaned lexically and only the clean form is used (SPEC
// §3.1): comparisons, the unmounts at stop, the record; mount(8) reads the
// file itself and the kernel names the mount by the clean path.
func parseFstab(data, rootdir string) ([]FstabEntry, []string) {
	var out []FstabEntry
	var problems []string
	for i, line := range strings.Split(data, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		// A "#" later on the line starts a comment for getfsent(3).
		for k, w := range f {
			if strings.HasPrefix(w, "#") {
				f = f[:k]
				break
			}
		}
		at := fmt.Sprintf("line %d", i+1)
		if len(f) < 4 || len(f) > 6 {
			problems = append(problems, fmt.Sprintf("%s: %d fields (want device, mount point, type, options[, dump[, pass]])", at, len(f)))
			continue
		}
		e := FstabEntry{Device: f[0], MountPoint: f[1], FSType: f[2], Options: f[3], Line: i + 1}
		if msg := mountPointProblem(e.MountPoint, rootdir); msg != "" {
			problems = append(problems, fmt.Sprintf("%s: mount point %q %s", at, e.MountPoint, msg))
			continue
		}
		e.MountPoint = path.Clean(e.MountPoint)
		if c, ok := controlChar(line); ok && c != "\t" && c != "\r" {
			problems = append(problems, fmt.Sprintf("%s: control character %q", at, c))
			continue
		}
		out = append(out, e)
	}
	return out, problems
}

func mountPointProblem(mp, rootdir string) string {
	switch {
	case !strings.HasPrefix(mp, "/"):
		return "is not an absolute path"
	case hasDotDot(mp):
		return "has a \"..\" component"
	case rootdir != "" && !mount.Within(rootdir, path.Clean(mp)):
		return "is not under the jail's root directory " + rootdir
	case len(path.Clean(mp)) > maxPath:
		return "is longer than the mount path limit"
	}
	return ""
}
