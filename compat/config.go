package compat

import (
	"strconv"
	"strings"
)

// Vars is what compat needs of an evaluated rc.conf. *rcconf.Vars satisfies it,
// and so does a plain map in tests (see [MapVars]).
type Vars interface {
	// Get returns a variable's value and whether it is set at all.
	Get(name string) (string, bool)
}

// Origins is optionally implemented by a [Vars] that knows where each value was
// set; diagnostics then name the file and line.
type Origins interface {
	Origin(name string) (file string, line int, ok bool)
}

// Unknowns is optionally implemented by a [Vars] that may hold values not
// known without running something (rcconf under rcjail -R): a jail that
// needs one is refused, naming the variable and the reason; the others go
// on.
type Unknowns interface {
	Unknown(name string) (why string, ok bool)
}

// FS reads the few files the configuration names (fstab, devfs.rules), by the
// path the host sees ("/etc/fstab.www"). The caller confines it to the root.
type FS interface {
	ReadFile(name string) ([]byte, error)
}

// MapVars is a [Vars] backed by a map, for tests and for the environment layer.
type MapVars map[string]string

// Get implements [Vars].
func (m MapVars) Get(name string) (string, bool) { v, ok := m[name]; return v, ok }

// Config is the whole rc.d/jail configuration after the rules of the 8.x script
// (per-jail → global → default, empty = unset) have been applied.
type Config struct {
	Enable    bool   // checkyesno jail_enable
	EnableRaw string // jail_enable as set ("" when unset), for rcvar
	// EnableWarning is checkyesno's warning for a jail_enable that is
	// neither yes nor no ("" when there is none). rc.subr prints it at the
	// gate, for every verb but rcvar, unless one/force set jail_enable=YES.
	EnableWarning string
	List          []string // jail_list, in order
	ParallelStart bool     // jail_parallel_start
	ReverseStop   bool     // jail_reverse_stop
	JailConf      string   // jail_conf (default /etc/jail.conf)
	// AllConf is jail_conf when the modern script's _ALL path applies: no
	// names given, jail_list empty, and jail_conf readable (see all.go).
	AllConf  string
	AllFlags []string // jail_flags as rc.conf sets it, for the _ALL path
	ConfWarn bool     // jail_confwarn set to yes (see modern.go)
	Backend  string   // rcjail_backend ("native", "command" or "")
	Info     bool     // rc_info: print rc.subr's INFO lines on stdout

	// Sysctls is the "Configuring jails:" block, in the script's order.
	Sysctls []SysctlKnob

	// Jails holds every jail that was asked about, keyed by the name as given.
	Jails map[string]*Jail

	// Host is every host-wide knob with where it was set (jail_enable,
	// jail_list, jail_parallel_start, jail_reverse_stop, jail_conf,
	// rcjail_backend, the three sysctl knobs), for `rcjail show`.
	Host []Setting

	// Warnings are non-fatal findings (checkyesno, shared rw entries, …) in
	// the exact text the script or rcjail prints after "<prog>: WARNING: ".
	Warnings []string
}

// SysctlKnob is one host-wide jail sysctl the script adjusts at start.
type SysctlKnob struct {
	Label string // "set_hostname_allow", "unixiproute_only", "sysvipc_allow"
	MIB   string // "security.jail.set_hostname_allowed", …
	Var   string // "jail_set_hostname_allow", …
	// Want is "1" (yes), "0" (no, and — as the 8.x script's checkyesno —
	// anything that is neither yes nor no, with a warning), or "" when the
	// variable is unset or empty: then the sysctl is left alone (a modern
	// defaults/rc.conf no longer sets these knobs).
	Want string
	// Warning is set_sysctl's checkyesno warning ("" when none), printed
	// when start handles this knob.
	Warning string
}

// Jail is one jail's resolved configuration.
type Jail struct {
	Name string // as given on the command line or in jail_list
	J    string // _j: Name with "." and "/" replaced by "_"
	JV   string // _jv: J with every non-alphanumeric character replaced by "_"

	RootDir    string // clean absolute path
	Hostname   string
	Interface  string
	Fib        string
	IPs        []Addr   // jail_<jv>_ip then ip_multi0..
	Flags      []string // jail(8) leading options, split like the script's eval
	ExecStart  []string
	ExecStop   []string // nil: no stop command
	PreStart   [][]string
	AfterStart [][]string // from index 1
	PostStart  [][]string
	PreStop    [][]string
	PostStop   [][]string
	ConsoleLog string

	Devfs         bool
	DevfsRuleset  string // as configured (name or number)
	DevfsRulesetN int    // resolved number; -1 if none
	DevfsRules    []DevfsRule
	Fdescfs       bool
	Procfs        bool
	MountEnable   bool
	Fstab         string
	FstabEntries  []FstabEntry // read through FS when MountEnable
	Skel          Skel
	// Mounts is every file system the jail's start mounts, in mount order
	// (skeleton, fstab, devfs, fdescfs, procfs), computed by NewConfig
	// from the knobs above.
	Mounts       []JailMount
	JailConfFile string // set when the jail is defined in a jail.conf file instead of rc.conf

	// From the modern script (SPEC §1 "Modern additions"), see modern.go.
	Params     []string // jail(8) name[=value] parameters, in the generated jail.conf's order
	VNet       bool     // a VNET jail: no address and vnet_interface set
	VNetIfaces []string // vnet_interface, moved into the jail's stack
	ConsoleCmd string   // consolecmd; "" means DefaultConsoleCmd

	// Problems that refuse this jail (SPEC §3.1). Empty means startable.
	Errors []*ConfigError

	// Settings is every resolved knob with where it was set, in a fixed
	// order, for `rcjail show` (see [Config.Describe]).
	Settings []Setting
}

// Addr is one address of jail_<jv>_ip / ip_multi<N>.
type Addr struct {
	Iface  string // "" when no interface applies (no alias is configured)
	Family string // "inet" or "inet6"
	Addr   string // the address alone
	Mask   string // "/32", "/24", "/128", or " netmask 255.255.255.0" exactly as the script appends it
}

// Skel is a jail's skeleton configuration (SPEC §4).
type Skel struct {
	Enable  bool
	Root    string   // skel_root
	Mode    SkelMode // skel_mode as set (only SkelNullfs and SkelSymlink start)
	Basedir string   // skel_basedir (symlink mode)

	// Entries are skel_romounts and skel_rwmounts, cleaned, in the one
	// order they are mounted (or, in symlink mode, linked and mounted):
	// parents before children, otherwise the romounts list then the
	// rwmounts list. Nil when a skeleton knob refuses the jail.
	Entries []SkelEntry
}

// SkelMode is how a skeleton reaches a jail (skel_mode).
type SkelMode string

// The skeleton modes (SPEC §4).
const (
	// SkelNullfs mounts every skel_romounts and skel_rwmounts entry from
	// skel_root on the same path in the jail root.
	SkelNullfs SkelMode = "nullfs"
	// SkelSymlink mounts skel_root once, read-only, on skel_basedir; each
	// skel_romounts entry is a relative link into it and only the
	// skel_rwmounts entries are mounted one by one.
	SkelSymlink SkelMode = "symlink"
)

// SkelEntry is one skeleton entry in mount order.
type SkelEntry struct {
	Path string // relative, clean ("usr/lib")
	RW   bool   // from skel_rwmounts
}

// FstabEntry is one line of a jail's fstab.
type FstabEntry struct {
	Device, MountPoint, FSType, Options string
	Line                                int
}

// DevfsRule is one "devfs rule -s N <args>" call from the devfs_rulesets files.
type DevfsRule struct {
	Ruleset int
	Args    []string // e.g. ["delset"] or ["add", "hide"]
}

// ConfigError is a configuration problem that refuses one jail. It names the
// jail, the variable, where it was set and the offending value.
type ConfigError struct {
	Jail  string
	Var   string
	File  string // "" when unknown or defaulted
	Line  int
	Value string
	// Default is true when Value is the built-in default (no variable set).
	Default bool
	Msg     string
}

// filePrefix is "FILE:LINE: " (":LINE" only for a known line), or
// nothing when the file is unknown, to begin a message.
func filePrefix(file string, line int) string {
	if file == "" {
		return ""
	}
	if line > 0 {
		file += ":" + strconv.Itoa(line)
	}
	return file + ": "
}

func (e *ConfigError) Error() string {
	s := filePrefix(e.File, e.Line)
	s += "jail " + jailLabel(e.Jail)
	if e.Var != "" {
		s += ": " + e.Var + "=" + strconv.Quote(e.Value)
		if e.Default {
			s += " (default)"
		}
	}
	return s + ": " + e.Msg
}

// jailLabel is a jail name as messages show it: quoted when it is empty or
// has characters that would make the message ambiguous.
func jailLabel(n string) string {
	if n == "" || strings.IndexFunc(n, func(r rune) bool {
		return !(r < 0x80 && (isAlnum(byte(r)) || strings.ContainsRune("_.-/+@:", r)))
	}) >= 0 {
		return strconv.Quote(n)
	}
	return n
}
