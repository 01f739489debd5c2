package compat

import (
	"strings"
)

// DefaultConsoleCmd is the modern script's jail_consolecmd default.
const DefaultConsoleCmd = "/usr/bin/login -f root"

// modern resolves the per-jail knobs of the modern (FreeBSD 10–14) script
// that the 8.x script did not know, into the jail(8) parameters its
// generated jail.conf would hold (SPEC §1 "Modern additions"). rcjail keeps
// doing what the 8.x script did (aliases, mounts, hooks, console log) and
// passes only these parameters to jail(8).
//
// Where both scripts know a knob and differ, the 8.x meaning stays and a
// line in Jail.Choices says so, for show and check.
func (b *builder) modern(j *Jail) {
	r, jv := b.r, j.JV
	set := func(s Setting) Setting {
		if s.Value != "" {
			b.record(j, s)
		}
		return s
	}
	j.ConsoleCmd = set(r.both(jv, "consolecmd", "")).Value
	if j.JailConfFile != "" {
		return
	}

	vnetS := set(r.both(jv, "vnet_interface", ""))
	if vnetS.Value != "" {
		if len(j.IPs) > 0 {
			// The modern script makes a jail with an address a jail on
			// the host's stack and ignores vnet_interface.
			b.warn("jail " + jailLabel(j.Name) + ": " + vnetS.Var + " is ignored: the jail has addresses (jail_" + jv + "_ip), so it is not a VNET jail")
		} else {
			j.VNet = true
			j.VNetIfaces = strings.Fields(vnetS.Value)
			for _, i := range j.VNetIfaces {
				if msg := ifaceProblem(i); msg != "" {
					b.fail(j, vnetS, "vnet interface "+msg)
				}
			}
		}
	}
	if j.VNet {
		j.Params = append(j.Params, "vnet")
		for _, i := range j.VNetIfaces {
			j.Params = append(j.Params, "vnet.interface="+i)
		}
	} else if s := set(r.perJail(jv, "socket_unixiproute_only")); s.Value != "" {
		// The global jail_socket_unixiproute_only stays the 8.x sysctl.
		j.Params = append(j.Params, "allow.raw_sockets="+b.bit(s, false))
	}
	if s := set(r.perJail(jv, "set_hostname_allow")); s.Value != "" {
		j.Params = append(j.Params, "allow.set_hostname="+b.bit(s, true))
	}
	if s := set(r.perJail(jv, "sysvipc_allow")); s.Value != "" {
		j.Params = append(j.Params, "allow.sysvipc="+b.bit(s, true))
	}
	if s := set(r.both(jv, "enforce_statfs", "")); s.Value != "" {
		switch s.Value {
		case "0", "1", "2":
			j.Params = append(j.Params, "enforce_statfs="+s.Value)
		default:
			b.fail(j, s, "enforce_statfs is not 0, 1 or 2")
		}
	}
	for _, k := range []string{"osreldate", "osrelease"} {
		if s := set(r.both(jv, k, "")); s.Value != "" {
			if strings.ContainsAny(s.Value, "\n\x00") {
				b.fail(j, s, k+" contains a newline or NUL")
				continue
			}
			j.Params = append(j.Params, k+"="+s.Value)
		}
	}
	if s := set(r.both(jv, "parameters", "")); s.Value != "" {
		for _, p := range strings.Fields(s.Value) {
			// The script writes each word as one jail.conf statement,
			// without its trailing ";".
			p = strings.TrimSuffix(p, ";")
			if p == "" {
				continue
			}
			if msg := paramProblem(p, jv); msg != "" {
				b.fail(j, s, "parameter "+p+": "+msg)
				continue
			}
			j.Params = append(j.Params, p)
		}
	}

}

// Choices says, for show and check, where the 8.x and the modern script
// differ for jail j and which meaning rcjail took (SPEC §1: the 8.x one).
func Choices(j *Jail) []string {
	if j.JailConfFile != "" {
		return nil
	}
	var out []string
	jv := j.JV
	if len(j.IPs) == 0 && !j.VNet {
		out = append(out, "no jail_"+jv+"_ip: the 8.x meaning is kept, a jail without addresses on the host's network stack (the modern script makes it a VNET jail on a VIMAGE kernel; set jail_"+jv+"_vnet_interface for that)")
	}
	if j.MountEnable {
		out = append(out, "mount_enable: the 8.x meaning is kept, the host mounts the jail's fstab (the modern script also sets allow.mount; add it to jail_"+jv+"_parameters for that)")
	}
	for _, s := range j.Settings {
		if s.Knob == "exec_stop" && s.Default {
			out = append(out, "exec_stop: the 8.x default \"/bin/sh /etc/rc.shutdown\" is kept (the modern script runs \"/bin/sh /etc/rc.shutdown jail\")")
		}
	}
	return out
}

// bit is the jail(8) boolean for a YES/NO knob; invert for the
// socket_unixiproute_only knob, whose YES means allow.raw_sockets=0.
func (b *builder) bit(s Setting, yes bool) string {
	if b.yes(s) == yes {
		return "1"
	}
	return "0"
}

// paramProblem checks one jail_<jv>_parameters word: name, name=value or
// name+=value, where name is a jail(8) parameter name.
func paramProblem(p, jv string) string {
	name := p
	if i := strings.IndexByte(p, '='); i >= 0 {
		name = strings.TrimSuffix(p[:i], "+")
	}
	if name == "" {
		return "no parameter name"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(isAlnum(c) || c == '_' || c == '.') {
			return "not a jail(8) parameter name"
		}
	}
	switch name {
	case "path":
		// rcjail mounts, checks and cleans up under jail_<jv>_rootdir; a
		// second path would start the jail somewhere none of that applies
		// (SPEC §3.1).
		return "the jail's path is jail_" + jv + "_rootdir; it cannot be replaced here"
	case "command":
		// On jail(8)'s command line every word after command= is the
		// command: it would swallow the jail's own start command.
		return "the start command is jail_" + jv + "_exec_start; it cannot be replaced here"
	}
	return ""
}

// confWarn is the modern script's jail_confwarn: after a start of jails
// configured through jail_* variables, a warning that a jail.conf is the
// way forward. The modern script warned unless jail_confwarn was NO; the
// 8.x script never did, so rcjail warns only when it is set to YES.
func (r *Runner) confWarn(names []string) {
	if !r.Config.ConfWarn {
		return
	}
	for _, n := range names {
		if j := r.Config.Jails[n]; j != nil && j.JailConfFile == "" {
			r.warnf("jail_confwarn: the jails are configured through jail_* variables in rc.conf; the modern way is %s (rcjail convert writes one)", r.Config.JailConf)
			return
		}
	}
}
