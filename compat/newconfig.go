package compat

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"rcjail/compat/state"
	"rcjail/mount"
)

// builder carries what NewConfig needs while it resolves every jail.
type builder struct {
	r      *resolver
	fsys   FS
	c      *Config
	warned map[string]bool
	devfs  *devfsRules // loaded on first use
	devfsS Setting     // the devfs_rulesets setting
}

// NewConfig resolves the host-wide knobs and every jail in names (when names
// is empty: the words of jail_list) with the 8.x script's rules: each
// jail_<jv>_<knob> falls back to jail_<knob>, then to the built-in default,
// and an empty value counts as unset (SPEC §1). Config.List is the names to
// act on, in order; names given on the command line replace jail_list, as
// the script does.
//
// The error is only for problems that concern the whole run (an unknown
// rcjail_backend); two names that map to the same variables refuse those two
// jails only. A problem with one
// jail goes into that Jail's Errors: the jail is refused, the others go on.
// fsys reads the files the configuration names (fstab, devfs.rules, jail.conf
// candidates); it may be nil when there are none to read.
//
// checkyesno warnings name the rc.conf variable that was actually read
// (jail_www_devfs_enable, or the global jail_devfs_enable it fell back to),
// not the script's internal variable (_devfs), and each is given once.
func NewConfig(v Vars, fsys FS, names []string) (*Config, error) {
	b := &builder{r: newResolver(v), fsys: fsys, warned: map[string]bool{}}
	c := &Config{Jails: map[string]*Jail{}}
	b.c = c

	host := func(name, def string) Setting {
		s := b.r.host(name, def)
		c.Host = append(c.Host, s)
		return s
	}
	en := host("jail_enable", "")
	c.EnableRaw = en.Value
	if val, ok := yesNo(en.Value); ok {
		c.Enable = val
	} else {
		// checkyesno warns for anything but yes/no, the empty string
		// included; the gate prints it (not the run's warnings, which
		// only a run that passes the gate prints).
		c.EnableWarning = notSetProperly("jail_enable")
	}
	host("jail_list", "")
	for _, s := range b.r.unknowns {
		// Which jails there are, or whether the gate opens, is not known
		// (rcjail -R): jails named on the command line still go on.
		b.warn(fmt.Sprintf("%s: value unknown without running the rc.conf chain: %s", s.Var, s.Unknown))
	}
	if v, ok := v.Get("rc_info"); ok {
		// rc.subr's info matches yes/true/on/1 without checkyesno's warning.
		c.Info, _ = yesNo(v)
	}
	c.ParallelStart = b.yes(host("jail_parallel_start", ""))
	c.ReverseStop = b.yes(host("jail_reverse_stop", ""))
	c.JailConf = host("jail_conf", "/etc/jail.conf").Value
	c.ConfWarn = b.yes(b.r.host("jail_confwarn", ""))
	backend := host("rcjail_backend", "")
	switch backend.Value {
	case "", "native", "command":
		c.Backend = backend.Value
	default:
		return nil, fmt.Errorf("resolve configuration: %s: rcjail_backend=%q: not \"native\" or \"command\"", where(backend), backend.Value)
	}
	for _, k := range []struct{ v, mib, label string }{
		{"jail_set_hostname_allow", "security.jail.set_hostname_allowed", "set_hostname_allow"},
		{"jail_socket_unixiproute_only", "security.jail.socket_unixiproute_only", "unixiproute_only"},
		{"jail_sysvipc_allow", "security.jail.sysvipc_allowed", "sysvipc_allow"},
	} {
		s := host(k.v, "")
		want, warn := "", ""
		_, set := v.Get(k.v)
		if set {
			// Set in a file of the chain, "" included (it is set over
			// defaults/rc.conf's value): set_sysctl's checkyesno decides,
			// and "" is neither yes nor no. Unset entirely (a modern
			// defaults/rc.conf has no such line): the sysctl is left alone.
			want = "0"
			if val, ok := yesNo(s.Value); ok {
				if val {
					want = "1"
				}
			} else {
				// Printed by the "Configuring jails:" block only: the
				// script's checkyesno of these runs in set_sysctl.
				warn = notSetProperly(k.v)
			}
		}
		c.Sysctls = append(c.Sysctls, SysctlKnob{Label: k.label, MIB: k.mib, Var: k.v, Want: want, Warning: warn})
	}

	if len(names) > 0 {
		c.List = append([]string(nil), names...)
	} else {
		list, _ := v.Get("jail_list")
		c.List = strings.Fields(list)
		b.all()
	}

	// Two names whose variables are the same would silently share one
	// configuration (and one id file): refuse those jails, and only those
	// (SPEC §3.1); the others still start.
	byJV := map[string][]string{}
	for _, n := range c.List {
		if nameProblem(n) != "" {
			continue
		}
		_, jv := jailNames(n)
		if !slices.Contains(byJV[jv], n) {
			byJV[jv] = append(byJV[jv], n)
		}
	}

	for _, n := range c.List {
		if _, ok := c.Jails[n]; ok {
			continue
		}
		_, jv := jailNames(n)
		if len(byJV[jv]) < 2 {
			c.Jails[n] = b.jail(n)
			continue
		}
		// Which jail the variables were meant for cannot be known:
		// nothing of them is resolved.
		j := &Jail{Name: n, DevfsRulesetN: -1}
		j.J, j.JV = jailNames(n)
		for _, other := range byJV[jv] {
			if other != n {
				j.Errors = append(j.Errors, &ConfigError{Jail: n,
					Msg: fmt.Sprintf("jails %q and %q both map to variables jail_%s_* (and one id file): both are refused", n, other, jv)})
			}
		}
		c.Jails[n] = j
	}
	b.sharedRW()
	return c, nil
}

// where formats a setting's origin for a whole-run error.
func where(s Setting) string {
	if w := s.Where(); w != "unset" && w != "set" {
		return w
	}
	return "configuration"
}

// yes is checkyesno: unset or empty is "no" without a warning (the script
// replaced empty by NO first), anything not yes/no is "no" with a warning.
func (b *builder) yes(s Setting) bool {
	if s.Value == "" {
		return false
	}
	val, ok := yesNo(s.Value)
	if !ok {
		b.warn(notSetProperly(s.Var))
	}
	return val
}

func (b *builder) warn(msg string) {
	if b.warned[msg] {
		return
	}
	b.warned[msg] = true
	b.c.Warnings = append(b.c.Warnings, msg)
}

// fail refuses jail j because of setting s.
func (b *builder) fail(j *Jail, s Setting, msg string) {
	val := s.Value
	if s.Written != "" {
		// The offending value as the administrator wrote it.
		val = s.Written
	}
	j.Errors = append(j.Errors, &ConfigError{
		Jail: j.Name, Var: s.Var, Value: val, File: s.File, Line: s.Line,
		Default: s.Default, Msg: msg,
	})
}

func (b *builder) record(j *Jail, s Setting) Setting {
	j.Settings = append(j.Settings, s)
	return s
}

func (b *builder) jail(name string) *Jail {
	b.r.unknowns = b.r.unknowns[:0]
	j := b.jailKnobs(name)
	seen := map[string]bool{}
	for _, s := range b.r.unknowns {
		if seen[s.Var] {
			continue
		}
		seen[s.Var] = true
		b.fail(j, s, "value unknown without running the rc.conf chain: "+s.Unknown)
	}
	return j
}

func (b *builder) jailKnobs(name string) *Jail {
	j := &Jail{Name: name, DevfsRulesetN: -1}
	j.J, j.JV = jailNames(name)
	if msg := nameProblem(name); msg != "" {
		b.fail(j, Setting{Value: name}, msg)
		return j
	}
	r := b.r
	jv := j.JV

	rootS := r.perJail(jv, "rootdir")
	if rootdirProblem(rootS.Value) == "" && rootS.Value != "" {
		rootS = cleaned(rootS)
	}
	b.record(j, rootS)
	hostS := b.record(j, r.perJail(jv, "hostname"))
	j.Hostname = hostS.Value
	rootOK := false
	if rootS.Value == "" || hostS.Value == "" {
		// A jail that rc.conf does not define may be defined in a jail.conf
		// file (the modern script's rule).
		j.JailConfFile = findJailConf(b.fsys, jailConfCandidates(r, j.J, jv, b.c.JailConf))
	}
	if j.JailConfFile != "" && hostS.Value != "" {
		// Still printed on the start line: check it all the same.
		if msg := hostnameProblem(hostS.Value); msg != "" {
			b.fail(j, hostS, msg)
		}
	}
	if j.JailConfFile == "" {
		switch {
		case rootS.Unknown != "":
			// Defined by what -R does not run: one error, the unknown
			// value's (builder.jail), not also "no root directory".
		case rootS.Value == "":
			// Without this check "${rootdir}/bin" would become the host's /bin.
			b.fail(j, rootS, "no root directory has been defined")
		default:
			if msg := rootdirProblem(rootS.Value); msg != "" {
				b.fail(j, rootS, msg)
			} else {
				j.RootDir = rootS.Value
				rootOK = true
			}
		}
		if hostS.Unknown != "" {
			// One error, the unknown value's (builder.jail).
		} else if hostS.Value == "" {
			b.fail(j, hostS, "no hostname has been defined")
		} else if msg := hostnameProblem(hostS.Value); msg != "" {
			b.fail(j, hostS, msg)
		}
	}

	ifS := b.record(j, r.both(jv, "interface", ""))
	j.Interface = ifS.Value
	if j.Interface != "" {
		if msg := ifaceProblem(j.Interface); msg != "" {
			b.fail(j, ifS, "interface "+msg)
		}
	}
	fibS := b.record(j, r.both(jv, "fib", ""))
	j.Fib = fibS.Value
	if j.Fib != "" && (strings.Trim(j.Fib, "0123456789") != "" || len(j.Fib) > 5) {
		// The script put the fib between single quotes in an eval'd line.
		b.fail(j, fibS, "fib is not a number")
	}
	ips := []Setting{b.record(j, r.perJail(jv, "ip"))}
	if ips[0].Value == "" {
		ips = nil
	}
	for _, s := range r.numbered(jv, "ip_multi", 0, false) {
		ips = append(ips, b.record(j, s))
	}
	for _, s := range ips {
		a, warns, err := parseIPList(s.Value, j.Interface)
		if err != nil {
			b.fail(j, s, err.Error())
			continue
		}
		for _, w := range warns {
			b.warn(w)
		}
		j.IPs = append(j.IPs, a...)
	}

	b.commands(j)

	flagsS := b.record(j, r.both(jv, "flags", "-l -U root"))
	if w, err := splitWords(flagsS.Value); err != nil {
		b.fail(j, flagsS, err.Error())
	} else {
		j.Flags = w
	}
	logS := r.both(jv, "consolelog", state.ConsoleLog(j.J))
	msg := hostPathProblem(logS.Value, "console log")
	if msg == "" {
		logS = cleaned(logS)
	}
	b.record(j, logS)
	if msg != "" {
		b.fail(j, logS, msg)
	} else if rootOK && mount.Within(j.RootDir, logS.Value) {
		// SA-07:01: inside the jail root, the jail's root user can replace
		// the log (or a directory above it) by a symlink to any host file,
		// which the host would then truncate and write.
		b.fail(j, logS, "console log is inside the jail's root directory "+j.RootDir+" (the jail could redirect it to any host file)")
	} else {
		j.ConsoleLog = logS.Value
	}

	j.Devfs = b.yes(b.record(j, r.both(jv, "devfs_enable", "NO")))
	rsS := b.record(j, r.both(jv, "devfs_ruleset", "devfsrules_jail"))
	j.DevfsRuleset = rsS.Value
	j.Fdescfs = b.yes(b.record(j, r.both(jv, "fdescfs_enable", "NO")))
	j.Procfs = b.yes(b.record(j, r.both(jv, "procfs_enable", "NO")))
	if j.Devfs {
		b.devfsFor(j, rsS)
	}

	j.MountEnable = b.yes(b.record(j, r.both(jv, "mount_enable", "NO")))
	fstabS := r.both(jv, "fstab", "/etc/fstab."+j.J)
	if hostPathProblem(fstabS.Value, "fstab") == "" {
		fstabS = cleaned(fstabS)
	}
	b.record(j, fstabS)
	j.Fstab = fstabS.Value
	if j.MountEnable {
		b.fstab(j, fstabS, rootOK)
	}

	b.skel(j, rootOK)
	b.modern(j)
	j.Mounts = jailMounts(j)
	return j
}

// commands resolves exec, exec_start, exec_stop and the hook lists.
func (b *builder) commands(j *Jail) {
	r, jv := b.r, j.JV
	execS := b.record(j, r.perJail(jv, "exec"))
	startS := r.both(jv, "exec_start", "")
	stopS := r.both(jv, "exec_stop", "")
	switch {
	case execS.Value != "":
		// Legacy exec: it is the start command and there is no stop command.
		startS = Setting{Knob: "exec_start", Var: execS.Var, Value: execS.Value, File: execS.File, Line: execS.Line}
		stopS = Setting{Knob: "exec_stop", Var: stopS.Var}
	case startS.Value == "":
		startS.Value, startS.Default = "/bin/sh /etc/rc", true
		if stopS.Value == "" {
			// The stop command is defaulted only with the start command.
			stopS.Value, stopS.Default = "/bin/sh /etc/rc.shutdown", true
		}
	}
	b.record(j, startS)
	b.record(j, stopS)
	if w, err := splitWords(startS.Value); err != nil {
		b.fail(j, startS, err.Error())
	} else if len(w) == 0 {
		b.fail(j, startS, "start command has no words")
	} else {
		j.ExecStart = w
	}
	if stopS.Value != "" {
		if w, err := splitWords(stopS.Value); err != nil {
			b.fail(j, stopS, err.Error())
		} else if len(w) > 0 {
			j.ExecStop = w
		}
	}
	hooks := func(knob string, first int) [][]string {
		var out [][]string
		for _, s := range r.numbered(jv, knob, first, true) {
			b.record(j, s)
			w, err := splitBlanks(s.Value)
			if err != nil {
				b.fail(j, s, err.Error())
				continue
			}
			if len(w) > 0 {
				out = append(out, w)
			}
		}
		return out
	}
	j.PreStart = hooks("exec_prestart", 0)
	j.AfterStart = hooks("exec_afterstart", 1)
	j.PostStart = hooks("exec_poststart", 0)
	j.PreStop = hooks("exec_prestop", 0)
	j.PostStop = hooks("exec_poststop", 0)
}

// devfsFor resolves the devfs ruleset of a jail with devfs enabled.
func (b *builder) devfsFor(j *Jail, rsS Setting) {
	if b.devfs == nil {
		b.devfsS = b.r.host("devfs_rulesets", defaultDevfsRulesets)
		if s, ok := b.r.setEmpty("devfs_rulesets", "devfs_rulesets"); ok {
			// Set to "" over defaults/rc.conf's list: rc.subr reads no
			// rules file at all (issue 10 item 12).
			b.devfsS = s
		}
		if b.fsys == nil {
			b.devfs = &devfsRules{names: map[string]int{}}
		} else {
			b.devfs = loadDevfsRules(b.fsys, strings.Fields(b.devfsS.Value))
		}
	}
	d := b.devfs
	if d.err != nil {
		j.Errors = append(j.Errors, &ConfigError{Jail: j.Name, Var: b.devfsS.Var, Value: b.devfsS.Value,
			File: d.err.file, Line: d.err.line, Default: b.devfsS.Default, Msg: d.err.msg})
		return
	}
	n, err := resolveRuleset(rsS.Value, d)
	if err != nil {
		b.fail(j, rsS, err.Error())
		return
	}
	j.DevfsRulesetN = n
	j.DevfsRules = append([]DevfsRule(nil), d.rules...)
}

// fstab reads and checks the jail's fstab (mount_enable is on).
func (b *builder) fstab(j *Jail, s Setting, rootOK bool) {
	if msg := hostPathProblem(s.Value, "fstab"); msg != "" {
		b.fail(j, s, msg)
		return
	}
	if rootOK && mount.Within(j.RootDir, s.Value) {
		// The jail's root user could rewrite it and have the host mount
		// any device or host directory into the jail.
		b.fail(j, s, "fstab is inside the jail's root directory "+j.RootDir+" (the jail could rewrite it)")
		return
	}
	if b.fsys == nil {
		b.fail(j, s, "fstab does not exist")
		return
	}
	data, err := b.fsys.ReadFile(s.Value)
	if errors.Is(err, fs.ErrNotExist) {
		// The script stopped the whole run here (err 3); rcjail refuses
		// only this jail (SPEC §3.1).
		b.fail(j, s, "fstab does not exist")
		return
	}
	if err != nil {
		b.fail(j, s, fmt.Sprintf("cannot read fstab: %v", err))
		return
	}
	root := ""
	if rootOK {
		root = j.RootDir
	}
	ents, problems := parseFstab(string(data), root)
	for _, p := range problems {
		b.fail(j, s, s.Value+" "+p)
	}
	j.FstabEntries = ents
}
