package compat

import (
	"fmt"
	"strconv"
	"strings"
)

// ConvertJail renders jail j of c as a jail.conf(5) block, for a migration to
// FreeBSD's jail.conf framework (`rcjail convert`). The mapping follows the
// modern rc.d/jail's conversion of legacy variables, with this project's
// meanings where they differ:
//
//   - the fstab becomes mount.fstab only with mount_enable (the modern script
//     used a readable fstab always and turned mount_enable into allow.mount);
//   - skeleton entries become `mount += "SRC DST nullfs ro|rw 0 0";` lines in
//     mount order, before the fstab, as rcjail mounts them (in symlink mode:
//     one mount of skel_root, the links being made once by `rcjail prepare`);
//   - exec_prestart<N> … become exec.prestart += … in order, exec_afterstart<N>
//     become exec.start += … after the start command (both run inside the
//     jail), the stop command becomes exec.stop (empty when there is none);
//   - flags: -l becomes exec.clean, -U/-u the jail/system user; any other flag
//     has no jail.conf equivalent and is an error, so nothing is lost quietly.
//
// Every value is written as a double-quoted jail.conf string (see
// [JailConfQuote]) and every command as sh words (jail(8) runs exec.* through
// /bin/sh), so any string survives the trip. A jail with configuration errors,
// or whose paths cannot be written in an fstab-style mount line, is an error.
func ConvertJail(c *Config, name string) (string, error) {
	j, ok := c.Jails[name]
	if !ok {
		return "", fmt.Errorf("convert jail %q: not in the configuration", name)
	}
	if len(j.Errors) > 0 {
		return "", fmt.Errorf("convert jail %q: %w", name, j.Errors[0])
	}
	var b strings.Builder
	if j.JailConfFile != "" {
		fmt.Fprintf(&b, "# %s is defined in %s already; it is not converted.\n", jailConfName(j.J), JailConfQuote(j.JailConfFile))
		return b.String(), nil
	}
	p := func(param, val string) { fmt.Fprintf(&b, "\t%s = %s;\n", param, JailConfQuote(val)) }
	add := func(param, val string) { fmt.Fprintf(&b, "\t%s += %s;\n", param, JailConfQuote(val)) }
	flag := func(param string) { fmt.Fprintf(&b, "\t%s;\n", param) }

	fmt.Fprintf(&b, "%s {\n", jailConfName(j.J))
	p("host.hostname", j.Hostname)
	p("path", j.RootDir)
	for _, a := range j.IPs {
		v := a.Addr + a.Mask
		if a.Iface != "" {
			v = a.Iface + "|" + v
		}
		if a.Family == "inet6" {
			add("ip6.addr", v)
		} else {
			add("ip4.addr", v)
		}
	}
	if j.Fib != "" {
		p("exec.fib", j.Fib)
	}

	clean, sysUser, jailUser, err := convertFlags(j.Flags)
	if err != nil {
		return "", fmt.Errorf("convert jail %q: jail_%s_flags: %w", name, j.JV, err)
	}
	if clean {
		flag("exec.clean")
	}
	p("exec.system_user", sysUser)
	p("exec.jail_user", jailUser)

	// Skeleton mounts, in the order rcjail mounts them, then the fstab.
	// (In symlink mode the read-only entries are links made by rcjail
	// prepare, not mounts.)
	for _, m := range j.Mounts {
		if m.Kind != MountSkelBase && m.Kind != MountSkel {
			continue
		}
		line, err := mountLine(m.Source, m.Target, !m.ReadOnly)
		if err != nil {
			if m.Kind == MountSkelBase {
				return "", fmt.Errorf("convert jail %q: skeleton: %w", name, err)
			}
			return "", fmt.Errorf("convert jail %q: skeleton entry %q: %w", name, m.Entry.Path, err)
		}
		add("mount", line)
	}
	if j.MountEnable {
		p("mount.fstab", j.Fstab)
	}
	if j.Devfs {
		flag("mount.devfs")
		if j.DevfsRulesetN >= 0 {
			p("devfs_ruleset", strconv.Itoa(j.DevfsRulesetN))
		}
	}
	if j.Fdescfs {
		flag("mount.fdescfs")
	}
	if j.Procfs {
		flag("mount.procfs")
	}

	for _, h := range []struct {
		param string
		cmds  [][]string
	}{
		{"exec.prestart", j.PreStart},
		{"exec.poststart", j.PostStart},
		{"exec.prestop", j.PreStop},
		{"exec.poststop", j.PostStop},
	} {
		for _, argv := range h.cmds {
			add(h.param, ShellWords(argv))
		}
	}
	add("exec.start", ShellWords(j.ExecStart))
	for _, argv := range j.AfterStart {
		add("exec.start", ShellWords(argv))
	}
	p("exec.stop", ShellWords(j.ExecStop))
	p("exec.consolelog", j.ConsoleLog)

	for _, k := range c.Sysctls {
		if k.Want == "" {
			continue
		}
		switch k.Label {
		case "set_hostname_allow":
			fmt.Fprintf(&b, "\tallow.set_hostname = %s;\n", k.Want)
		case "sysvipc_allow":
			fmt.Fprintf(&b, "\tallow.sysvipc = %s;\n", k.Want)
		}
		// socket_unixiproute_only has no per-jail parameter: the modern
		// script's allow.raw_sockets is a different restriction.
	}
	b.WriteString("}\n")
	return b.String(), nil
}

// convertFlags maps the jail(8) options of jail_<jv>_flags to exec.clean,
// exec.system_user and exec.jail_user.
func convertFlags(flags []string) (clean bool, sysUser, jailUser string, err error) {
	sysUser, jailUser = "root", "root"
	for i := 0; i < len(flags); i++ {
		switch f := flags[i]; f {
		case "-l":
			clean = true
		case "-U", "-u":
			if i+1 >= len(flags) {
				return false, "", "", fmt.Errorf("%s without a user name", f)
			}
			i++
			if f == "-U" {
				jailUser = flags[i]
			} else {
				sysUser = flags[i]
			}
		default:
			return false, "", "", fmt.Errorf("%q has no jail.conf equivalent that convert knows", f)
		}
	}
	return clean, sysUser, jailUser, nil
}

// mountLine is one fstab-style line for jail.conf's mount parameter. jail(8)
// splits it on blanks, so a path with a blank (or a newline) cannot be
// written there.
func mountLine(src, dst string, rw bool) (string, error) {
	for _, p := range []string{src, dst} {
		if strings.ContainsAny(p, " \t\n\r\v\f") {
			return "", fmt.Errorf("path %q contains a blank, which a jail.conf mount line cannot hold", p)
		}
	}
	opt := "ro"
	if rw {
		opt = "rw"
	}
	return src + " " + dst + " nullfs " + opt + " 0 0", nil
}

// jailConfName writes a jail name bare when jail.conf's lexer reads it as one
// word, quoted otherwise.
func jailConfName(j string) string {
	for i := 0; i < len(j); i++ {
		c := j[i]
		if !isAlnum(c) && strings.IndexByte("_-.:@", c) < 0 {
			return JailConfQuote(j)
		}
	}
	if j == "" {
		return `""`
	}
	return j
}

// JailConfQuote writes s as a double-quoted jail.conf(5) string that jail(8)
// reads back as exactly s. Inside double quotes jail.conf's lexer expands
// "$name" and "${name}" and decodes C-style backslash escapes, so '"', '\\'
// and '$' are escaped, newline, tab and carriage return become \n, \t, \r
// and any other control byte a three-digit octal escape (three digits, so a
// following digit cannot join it). NUL cannot occur: rc.conf values are C
// strings.
func JailConfQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\' || c == '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\%03o`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ShellWords writes argv as one sh command line that /bin/sh -c splits back
// into exactly argv: a word of only safe characters stays bare, any other is
// single-quoted, with each single quote inside written as the four bytes
// quote, backslash, quote, quote. jail(8) runs exec.* values
// through /bin/sh, while rcjail ran the words without a shell; quoting keeps
// the two the same command.
func ShellWords(argv []string) string {
	var b strings.Builder
	for i, w := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+:,./-") == "" {
			b.WriteString(w)
			continue
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(w, "'", `'\''`))
		b.WriteByte('\'')
	}
	return b.String()
}
