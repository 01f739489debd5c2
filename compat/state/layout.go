package state

import (
	"path"
	"strings"
)

// The layout of rcjail's state, as the host names it (resolve a path under
// the -R root with [HostPath], [ResolveDir] or [ResolveFile]).
const (
	// RunDir holds the script's id files.
	RunDir = "/var/run"
	// DirPath is rcjail's own state directory: locks, records, journals,
	// and the Linux stand-ins for the jail sysctls.
	DirPath = "/var/run/rcjail"
	// LogDir holds the default console logs.
	LogDir = "/var/log"
)

// File name parts of the layout.
const (
	idPrefix   = "jail_"
	idSuffix   = ".id"
	lockExt    = ".lock"
	recordExt  = ".json"
	journalExt = ".journal"
	tmpExt     = ".tmp"
	sysctlPre  = "sysctl."
)

// IDFile is the id file the script keeps for a jail: /var/run/jail_<j>.id,
// j being the jail's _j (its name with "." and "/" made "_").
func IDFile(j string) string { return RunDir + "/" + idPrefix + j + idSuffix }

// IDFileJail is the _j of an id file's base name ("jail_www.id" → "www");
// false when name is not one.
func IDFileJail(name string) (string, bool) {
	if len(name) <= len(idPrefix)+len(idSuffix) || !strings.HasPrefix(name, idPrefix) || !strings.HasSuffix(name, idSuffix) {
		return "", false
	}
	return name[len(idPrefix) : len(name)-len(idSuffix)], true
}

// IsIDFile reports whether p (as the host names it) is an id file of the
// layout: /var/run/jail_<j>.id.
func IsIDFile(p string) bool {
	_, ok := IDFileJail(path.Base(p))
	return ok && path.Dir(p) == RunDir
}

// ConsoleLog is the default console log of a jail (jail_<jv>_consolelog
// unset): /var/log/jail_<j>_console.log.
func ConsoleLog(j string) string { return LogDir + "/jail_" + j + "_console.log" }

// Key maps a jail's name to the stem of its files in the state directory:
// its rc.conf variable name (the script's _jv: every character but an ASCII
// letter or digit made "_"; "_" for an empty name). "a-b" and "a_b" read the
// same jail_a_b_* variables, so they are one jail: one lock, one record
// (issue 12, item 4). The key can never walk out of the directory ("../x" →
// "___x") nor be "" or "..".
func Key(jail string) string {
	if jail == "" {
		return "_"
	}
	b := []byte(jail)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// LockName, RecordName and JournalName are the base names, in the state
// directory, of a jail's lock, record snapshot and journal.
func LockName(jail string) string    { return Key(jail) + lockExt }
func RecordName(jail string) string  { return Key(jail) + recordExt }
func JournalName(jail string) string { return Key(jail) + journalExt }

// RecordKey is the key of a record's base name ("www.json" → "www"); false
// when name is not a record's.
func RecordKey(name string) (string, bool) {
	k, ok := strings.CutSuffix(name, recordExt)
	return k, ok && k != "" && Key(k) == k
}

// SysctlName is the base name, in the state directory, of the stand-in for
// a jail sysctl on a host that has none (Linux).
func SysctlName(mib string) string { return sysctlPre + mib }

// tmpName is the temporary name [Dir.WriteAtomic] writes name under before
// renaming it: fixed (not per process), because only the holder of the
// jail's lock writes its files, so a crash's leftover is overwritten by the
// next write and removed by the next [Dir.Lock] of that jail.
func tmpName(name string) string { return name + tmpExt }
