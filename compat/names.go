package compat

import (
	"fmt"
	"strings"

	"rcjail/compat/state"
)

// JailKey is what a jail's lock and record are keyed by: its rc.conf
// variable name (the script's _jv). "a-b" and "a_b" read the same
// jail_a_b_* variables, so they are one jail: one lock, one record (issue
// 12, item 4); two processes given the two spellings exclude each other.
// The key is ASCII letters, digits and '_' only, "_" for an empty name: it
// is a file name that can never leave the state directory.
func JailKey(name string) string { return state.Key(name) }

// jailNames maps a jail name to the modern script's _j (the jail(8) name and
// the file-name part) and _jv (the rc.conf variable part).
func jailNames(name string) (j, jv string) {
	j = strings.NewReplacer(".", "_", "/", "_").Replace(name)
	b := []byte(j)
	for i, c := range b {
		if !isAlnum(c) {
			b[i] = '_'
		}
	}
	return j, string(b)
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// nameProblem says why a jail name cannot be used, or "" when it can.
func nameProblem(name string) string {
	if name == "" {
		return "empty jail name"
	}
	allDigits := true
	for i := 0; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits {
		// jail(8) and jexec(8) read a number as a jid, so a numeric name
		// would act on whatever jail has that jid.
		return "purely numeric jail name (jail(8) would take it for a jid)"
	}
	if name[0] == '-' {
		// A leading "-" would be read as an option by jail(8), jexec(8) and
		// every other tool the name is passed to.
		return "jail name starts with \"-\" (it would be read as an option)"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if isAlnum(c) || strings.IndexByte("_.-/+@:", c) >= 0 {
			continue
		}
		// The name ends up in file names (/var/run/jail_<j>.id), in jail(8)
		// arguments and, with the command backend, in sh command lines:
		// anything a shell or jail.conf would interpret is refused.
		return fmt.Sprintf("jail name contains %q (only letters, digits and _ . - / + @ : are allowed)", string(c))
	}
	return ""
}
