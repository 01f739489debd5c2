package compat

// jailConfCandidates lists, in the modern script's order, the files that may
// define a jail that rc.conf does not (no rootdir or hostname): the per-jail
// jail_<jv>_conf or /etc/jail.<j>.conf, /etc/jail.conf.d/<j>.conf, then
// jail_conf.
func jailConfCandidates(r *resolver, j, jv, jailConf string) []string {
	first := r.perJail(jv, "conf").Value
	if first == "" {
		first = "/etc/jail." + j + ".conf"
	}
	return []string{first, "/etc/jail.conf.d/" + j + ".conf", jailConf}
}

// findJailConf returns the first candidate FS can read, or "".
func findJailConf(fsys FS, cands []string) string {
	if fsys == nil {
		return ""
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if _, err := fsys.ReadFile(c); err == nil {
			return c
		}
	}
	return ""
}
