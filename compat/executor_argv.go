package compat

import (
	"path"
	"strconv"
	"strings"
)

// The command backend and the dry run share these renderings, so that `-n`
// prints exactly what `-b command` runs. Each function returns the argv of
// the external program(s) the 8.x script runs for a step or a query, in
// order. Paths of state files go through resolve (the -R root); jail paths
// are used as written.

// StateResolver maps a host state path ("/etc/fstab.www") to the path
// actually used under the -R root. Nil means the identity.
type StateResolver func(string) string

// UnderRoot returns a [StateResolver] for root: "/" (or "") is the
// identity; otherwise the clean join of root and the path.
func UnderRoot(root string) StateResolver {
	if root == "" || root == "/" {
		return nil
	}
	return func(p string) string { return path.Join(root, p) }
}

func (r StateResolver) res(p string) string {
	if r == nil {
		return p
	}
	return r(p)
}

// StepArgv returns the commands the command backend runs for s (nil for
// steps it performs without a program: Mkdir, Rmdir, CheckLink, WriteFile,
// RemoveFile).
func StepArgv(s Step, r StateResolver) [][]string {
	switch s := s.(type) {
	case SysctlSet:
		return [][]string{{"sysctl", s.MIB + "=" + s.Value}}
	case AliasAdd:
		argv := []string{"ifconfig", s.Addr.Iface, family(s.Addr)}
		if rest, ok := strings.CutPrefix(s.Addr.Mask, " netmask "); ok {
			argv = append(argv, s.Addr.Addr, "netmask", strings.TrimSpace(rest))
		} else {
			argv = append(argv, s.Addr.Addr+s.Addr.Mask)
		}
		return [][]string{append(argv, "alias")}
	case AliasRemove:
		return [][]string{{"ifconfig", s.Addr.Iface, family(s.Addr), s.Addr.Addr, "-alias"}}
	case Mount:
		switch s.FSType {
		case FSNullfs:
			if s.ReadOnly {
				return [][]string{{"mount_nullfs", "-o", "ro", s.Source, s.Target}}
			}
			return [][]string{{"mount_nullfs", s.Source, s.Target}}
		case FSDevfs:
			return [][]string{{"mount", "-t", "devfs", "dev", s.Target}}
		case FSFdescfs:
			return [][]string{{"mount", "-t", "fdescfs", "fdesc", s.Target}}
		case FSProcfs:
			return [][]string{{"mount", "-t", "procfs", "proc", s.Target}}
		}
		argv := []string{"mount", "-t", s.FSType}
		if s.ReadOnly {
			argv = append(argv, "-o", "ro")
		}
		return [][]string{append(argv, s.Source, s.Target)}
	case Unmount:
		return [][]string{{"umount", "-f", s.Target}}
	case FstabMount:
		return [][]string{{"mount", "-a", "-F", r.res(s.Fstab)}}
	case DevfsRule:
		return [][]string{append([]string{"devfs", "rule", "-s", strconv.Itoa(s.Ruleset)}, s.Args...)}
	case DevfsRuleset:
		return [][]string{{"devfs", "-m", s.Dir, "ruleset", strconv.Itoa(s.Ruleset)}}
	case DevfsApply:
		return [][]string{{"devfs", "-m", s.Dir, "rule", "applyset"}}
	case Symlink:
		return [][]string{{"ln", "-sf", s.Target, s.Path}}
	case Exec:
		return [][]string{append([]string(nil), s.Argv...)}
	case StartJail:
		return [][]string{JailArgv(s)}
	case Jexec:
		var argv []string
		if s.CleanEnv {
			argv = []string{"env", "-i", "/usr/sbin/jexec", s.JID}
		} else {
			argv = []string{"jexec", s.JID}
		}
		return [][]string{append(argv, s.Argv...)}
	case KillJail:
		return [][]string{
			{"killall", "-j", s.JID, "-TERM"},
			{"sleep", "1"},
			{"killall", "-j", s.JID, "-KILL"},
		}
	case JailConf:
		op := "-c"
		if s.Remove {
			op = "-r"
		}
		return [][]string{{"jail", "-f", r.res(s.File), op, s.J}}
	}
	if s, ok := s.(JailConfAll); ok {
		return [][]string{JailConfAllArgv(s, r)}
	}
	return nil
}

// JailArgv is jail(8)'s command line for s, with setfib in front when a fib
// is set, as the 8.x script builds it.
func JailArgv(s StartJail) []string {
	var argv []string
	if s.Fib != "" {
		argv = append(argv, "setfib", "-F", s.Fib)
	}
	argv = append(argv, "jail")
	argv = append(argv, s.Flags...)
	if len(s.Params) == 0 {
		argv = append(argv, "-i", s.Root, s.Hostname, strings.Join(s.IPs, ","))
		return append(argv, s.Command...)
	}
	// The legacy positional form has no room for parameters; the parameter
	// form says the same (path, hostname, addresses, command) by name, and
	// names the jail as the modern script's jail.conf does.
	argv = append(argv, "-i", "-c", "name="+s.J, "path="+s.Root, "host.hostname="+s.Hostname)
	var v4, v6 []string
	for _, a := range s.IPs {
		if strings.Contains(a, ":") {
			v6 = append(v6, a)
		} else {
			v4 = append(v4, a)
		}
	}
	if len(v4) > 0 {
		argv = append(argv, "ip4.addr="+strings.Join(v4, ","))
	}
	if len(v6) > 0 {
		argv = append(argv, "ip6.addr="+strings.Join(v6, ","))
	}
	argv = append(argv, s.Params...)
	if len(s.Command) > 0 {
		argv = append(argv, "command="+s.Command[0])
		argv = append(argv, s.Command[1:]...)
	}
	return argv
}

// SysctlGetArgv is the query `sysctl -n MIB`.
func SysctlGetArgv(mib string) []string { return []string{"sysctl", "-n", mib} }

// MountedArgv is the query `df DIR` or `df -t FSTYPE DIR`.
func MountedArgv(dir, fstype string) []string {
	if fstype != "" {
		return []string{"df", "-t", fstype, dir}
	}
	return []string{"df", dir}
}

// JailRunningArgv is the query `jls -j JID`.
func JailRunningArgv(jid string) []string { return []string{"jls", "-j", jid} }

func family(a Addr) string {
	if a.Family == "" {
		if strings.Contains(a.Addr, ":") {
			return "inet6"
		}
		return "inet"
	}
	return a.Family
}
