package linuxjail

import (
	"slices"
	"strings"
)

// Linux capability numbers (linux/capability.h; a stable ABI), named here
// so that the mapping below is plain data every platform can test.
const (
	capChown          = 0
	capDacOverride    = 1
	capDacReadSearch  = 2
	capFowner         = 3
	capFsetid         = 4
	capKill           = 5
	capSetgid         = 6
	capSetuid         = 7
	capLinuxImmutable = 9
	capNetBindService = 10
	capNetBroadcast   = 11
	capNetRaw         = 13
	capIpcLock        = 14
	capIpcOwner       = 15
	capSysChroot      = 18
	capSysNice        = 23
	capSysResource    = 24
	capLease          = 28
	capSyslog         = 34
)

// baseCaps is what the root user of a jail keeps on Linux: what a FreeBSD
// jail's root may do with every allow.* parameter at its default (off).
// Every other capability is dropped, from the effective, permitted,
// inheritable, bounding and ambient sets, among them CAP_SYS_ADMIN (mount,
// sethostname, ...), CAP_SYS_MODULE, CAP_MKNOD, CAP_SYS_RAWIO,
// CAP_SYS_TIME, CAP_SYS_BOOT, CAP_NET_ADMIN (the jail shares the host's
// network), CAP_SYS_PTRACE, CAP_AUDIT_*, CAP_MAC_*, CAP_SYSLOG, CAP_BPF,
// CAP_PERFMON, CAP_SETPCAP, CAP_SETFCAP (a file capability set in the jail
// would work on the host), and CAP_DAC_READ_SEARCH (open_by_handle_at
// opens any file of a file system by its handle, outside the jail root:
// the "shocker" escape; CAP_DAC_OVERRIDE still overrides permissions on
// paths).
var baseCaps = []int{
	capChown, capDacOverride, capFowner, capFsetid, capKill, capSetgid, capSetuid,
	capNetBindService, capNetBroadcast, capIpcOwner, capSysChroot, capSysNice,
	capSysResource, capLease,
}

// allowCaps maps the FreeBSD allow.* parameters that have a Linux
// equivalent to the capability that grants it.
var allowCaps = map[string]int{
	"allow.raw_sockets": capNetRaw,         // raw sockets (ping)
	"allow.chflags":     capLinuxImmutable, // system file flags: chattr +i/+a
	"allow.mlock":       capIpcLock,        // mlock(2)
	"allow.read_msgbuf": capSyslog,         // the kernel message buffer (dmesg)
}

// allowNone names allow.* parameters that have no Linux equivalent, and
// why; they are reported and not granted.
var allowNone = map[string]string{
	"allow.mount":                   "mounting needs CAP_SYS_ADMIN, which is never granted",
	"allow.set_hostname":            "sethostname needs CAP_SYS_ADMIN, which is never granted",
	"allow.socket_af":               "Linux has no per-jail socket family filter",
	"allow.quotas":                  "quota administration needs CAP_SYS_ADMIN",
	"allow.sysvipc":                 "not needed: the jail has its own IPC namespace, so System V IPC works and is the jail's own",
	"allow.vmm":                     "no Linux equivalent",
	"allow.nfsd":                    "no Linux equivalent",
	"allow.suser":                   "not needed: the jail's root is uid 0 with the capabilities above",
	"allow.reserved_ports":          "not needed: the jail's root keeps CAP_NET_BIND_SERVICE",
	"allow.unprivileged_proc_debug": "ptrace among the jail's own processes follows the usual uid rules; CAP_SYS_PTRACE is never granted",
}

// Caps returns the capabilities the jail's root keeps given the jail(8)
// parameters and flags of its configuration (jail_<j>_flags, parameters):
// each "allow.X", "allow.X=1" or "allow.X=true" that has a Linux
// equivalent adds its capability; each that has none is returned in
// unmapped with the reason. allow.mount.* is allow.mount.
func Caps(params []string) (keep []int, unmapped []string) {
	keep = slices.Clone(baseCaps)
	for _, p := range params {
		name, val, hasVal := strings.Cut(p, "=")
		if !strings.HasPrefix(name, "allow.") {
			continue
		}
		if hasVal && val != "1" && val != "true" {
			continue // allow.X=0: the default
		}
		if c, ok := allowCaps[name]; ok {
			if !slices.Contains(keep, c) {
				keep = append(keep, c)
			}
			continue
		}
		base := name
		if strings.HasPrefix(name, "allow.mount.") {
			base = "allow.mount"
		}
		why, ok := allowNone[base]
		if !ok {
			why = "no Linux equivalent"
		}
		unmapped = append(unmapped, name+": "+why)
	}
	slices.Sort(keep)
	return keep, unmapped
}

// capMask is keep as a bit mask.
func capMask(keep []int) uint64 {
	var m uint64
	for _, c := range keep {
		m |= 1 << uint(c)
	}
	return m
}
