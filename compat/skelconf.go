package compat

import (
	"fmt"
	"path"
	"strings"
)

// defaultSkelRO is the 2006 patch's default list with usr/sbin named once.
const defaultSkelRO = "bin sbin lib libexec usr/bin usr/sbin usr/include usr/lib usr/libdata usr/libexec usr/share"

// skelEntryChars are refused in skeleton entries: the lists are
// blank-separated words, the entries end up in mount(8) arguments, sh
// command lines and mount tables (which escape blanks), and glob or quote
// characters would mean something else to a shell.
const skelEntryChars = "\"'`$;&|<>()*?[]\\#~!{}="

// skelEntryProblem checks one entry lexically (security.md §4.1 rows 9–11,
// 15, 16).
func skelEntryProblem(e string) string {
	if c, ok := controlChar(e); ok {
		return fmt.Sprintf("contains control character %q", c)
	}
	if strings.HasPrefix(e, "/") {
		// An absolute entry is not silently made relative: the admin may
		// have meant the host path, and the mount would land elsewhere.
		return "is absolute (entries are relative to skel_root and the jail root)"
	}
	if strings.HasPrefix(e, "-") {
		return "starts with \"-\" (mount(8) would read it as an option)"
	}
	if i := strings.IndexAny(e, skelEntryChars); i >= 0 {
		return fmt.Sprintf("contains %q (blanks, quotes, shell and glob characters are not allowed)", e[i:i+1])
	}
	for _, c := range strings.Split(e, "/") {
		if c == ".." {
			// Lexically refused even when cleaning would remove it: it
			// points the mount outside the jail root or the skeleton.
			return "contains \"..\""
		}
	}
	clean := path.Clean(e)
	if clean == "." {
		// A mount over the jail root itself would cover the whole jail.
		return "names the jail root itself"
	}
	if clean == "dev" || strings.HasPrefix(clean, "dev/") || clean == "proc" || strings.HasPrefix(clean, "proc/") {
		// devfs, fdescfs and procfs own these mount points.
		return "is or is under dev or proc, which devfs, fdescfs and procfs own"
	}
	return ""
}

// isUnder reports whether the relative clean path p is under dir (not equal).
func isUnder(p, dir string) bool { return strings.HasPrefix(p, dir+"/") }

// mountOrder puts the entries in mount order: every entry comes after the
// entries that are its parents, otherwise in the order given (romounts list,
// then rwmounts list). Unmounting in the exact reverse order then always
// unmounts a child before its parent (a parent first would be EBUSY).
func mountOrder(ents []SkelEntry) []SkelEntry {
	out := make([]SkelEntry, 0, len(ents))
	done := make([]bool, len(ents))
	var place func(i int)
	place = func(i int) {
		if done[i] {
			return
		}
		done[i] = true
		// Parents first, shallowest first, each in list order.
		for depth := 1; depth <= strings.Count(ents[i].Path, "/"); depth++ {
			for k, p := range ents {
				if !done[k] && strings.Count(p.Path, "/") == depth-1 && isUnder(ents[i].Path, p.Path) {
					place(k)
				}
			}
		}
		out = append(out, ents[i])
	}
	for i := range ents {
		place(i)
	}
	return out
}
