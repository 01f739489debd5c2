package compat

import (
	"fmt"
	"path"
	"strings"
)

// maxPath is the longest mount path FreeBSD accepts (MNAMELEN is 1024 with
// the NUL); a longer one would fail half-way through a start.
const maxPath = 1023

// controlChar returns the first control character of s, if any.
func controlChar(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return s[i : i+1], true
		}
	}
	return "", false
}

// shellSpecial is every character a sh command line would act on. The script
// eval'd rootdir and hostname into the jail(8) command line; refusing them
// keeps the command backend's output a faithful, harmless command line.
const shellSpecial = " \t\"'`$;&|<>()*?[]\\#~!{}"

// rootdirProblem checks jail_<jv>_rootdir (security.md §4.1 rows 1–3). Each
// case has its own message. An unclean spelling (/jails//www/, /jails/./www)
// is not a problem: the kernel and mount(8) accept it, so the caller cleans
// it lexically and uses only the clean form from then on (SPEC §3.1), which
// keeps mount-table and string-prefix comparisons (jail(8)'s own symlink
// check among them) on one canonical path. A ".." component is refused: it
// cannot be cleaned lexically without changing its meaning when a component
// before it is a symlink.
func rootdirProblem(v string) string {
	if c, ok := controlChar(v); ok {
		return fmt.Sprintf("root directory contains control character %q", c)
	}
	if !strings.HasPrefix(v, "/") {
		// jail(8) needs an absolute path, and a relative one would resolve
		// against whatever directory rcjail runs in.
		return "root directory is not an absolute path"
	}
	if hasDotDot(v) {
		return "root directory has a \"..\" component"
	}
	clean := path.Clean(v)
	if clean == "/" {
		// Skeleton entries, devfs, procfs would be mounted over the host's
		// own /bin, /dev, /proc.
		return "root directory is the host's / (" + v + " names /)"
	}
	if i := strings.IndexAny(v, shellSpecial); i >= 0 {
		return fmt.Sprintf("root directory contains %q, which a shell would interpret", v[i:i+1])
	}
	if len(clean) > maxPath {
		return "root directory is longer than the mount path limit"
	}
	return ""
}

// hasDotDot reports whether p has a ".." component.
func hasDotDot(p string) bool {
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return true
		}
	}
	return false
}

// cleaned returns s with its value cleaned lexically (path.Clean) and the
// value as written kept in Written when the two differ (SPEC §3.1: cleaned
// before any use, shown as written and as cleaned).
func cleaned(s Setting) Setting {
	if c := path.Clean(s.Value); s.Value != "" && c != s.Value {
		s.Written, s.Value = s.Value, c
	}
	return s
}

// hostnameProblem checks jail_<jv>_hostname. jail(8) accepts nearly anything,
// but the script eval'd the hostname and printed it on the start line, so
// blanks and shell characters would have split or run things.
func hostnameProblem(v string) string {
	if c, ok := controlChar(v); ok {
		return fmt.Sprintf("hostname contains control character %q", c)
	}
	if i := strings.IndexAny(v, shellSpecial); i >= 0 {
		return fmt.Sprintf("hostname contains %q, which a shell would interpret", v[i:i+1])
	}
	if strings.HasPrefix(v, "-") {
		return "hostname starts with \"-\" (it would be read as an option)"
	}
	if len(v) > 255 {
		return "hostname is longer than 255 characters (MAXHOSTNAMELEN)"
	}
	return ""
}

// hostPathProblem checks a host path knob (fstab, consolelog, skel_root):
// absolute, no ".." component, no control characters. An unclean spelling
// is cleaned by the caller ([cleaned]); the length is checked on the clean
// form.
func hostPathProblem(v, what string) string {
	if c, ok := controlChar(v); ok {
		return fmt.Sprintf("%s contains control character %q", what, c)
	}
	if !strings.HasPrefix(v, "/") {
		return what + " is not an absolute path"
	}
	if hasDotDot(v) {
		return what + " has a \"..\" component"
	}
	if len(path.Clean(v)) > maxPath {
		return what + " is longer than the mount path limit"
	}
	return ""
}
