package compat

import (
	"fmt"
	"path"
	"strings"
)

// parseFstab parses a jail's fstab: blank lines and lines whose first field
// starts with "#" are skipped (the script's own test); fields are separated by
// blanks: device, mount point, type, options, and optionally dump and pass.
// Each mount point must be absolute, clean and at or under rootdir (when
// rootdir is known): one spelled /jails//www/usr, or outside the root, would
// escape the string-prefix checks that guard mounts inside a jail root
// (security.md §4.1 row 16) and mount over host directories.
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
	case path.Clean(mp) != mp:
		return "is not a clean path (write " + path.Clean(mp) + ")"
	case strings.HasPrefix(mp, "-"):
		return "starts with \"-\""
	case rootdir != "" && !within(mp, rootdir):
		return "is not under the jail's root directory " + rootdir
	case len(mp) > maxPath:
		return "is longer than the mount path limit"
	}
	return ""
}
