package inspect

import (
	"fmt"
	"runtime"

	"rcjail/compat"
	"rcjail/compat/native/linuxjail"
	"rcjail/compat/native/proc"
)

// Limits lists what a Linux host cannot take of jail j (a host name
// over 64 bytes, a command over ARG_MAX): on Linux these are errors of
// check, said in Linux's terms, instead of a start that fails in the
// kernel. Elsewhere (FreeBSD's limits are the script's own) nothing.
func Limits(j *compat.Jail) []string {
	if runtime.GOOS != "linux" {
		return nil
	}
	cmds := map[string][]string{}
	add := func(name string, argv []string) {
		if len(argv) > 0 {
			cmds[fmt.Sprintf("jail_%s_%s", j.JV, name)] = argv
		}
	}
	add("exec_start", j.ExecStart)
	add("exec_stop", j.ExecStop)
	for _, hs := range []struct {
		name string
		argv [][]string
	}{{"exec_prestart", j.PreStart}, {"exec_poststart", j.PostStart}, {"exec_prestop", j.PreStop}, {"exec_poststop", j.PostStop}} {
		for i, a := range hs.argv {
			add(fmt.Sprintf("%s%d", hs.name, i), a)
		}
	}
	for i, a := range j.AfterStart {
		add(fmt.Sprintf("exec_afterstart%d", i+1), a)
	}
	return jailLimits(j, cmds)
}

// StartLimits is the part of [Limits] that makes the jail's own
// start fail on Linux: its host name and its start command. A hook over
// a limit fails alone, and a failing hook is a warning (SPEC §3.3), so it
// does not refuse the start. The runner (compat.Runner.Limits) refuses
// such a jail with check's message before doing anything.
func StartLimits(j *compat.Jail) []string {
	if runtime.GOOS != "linux" {
		return nil
	}
	cmds := map[string][]string{}
	if len(j.ExecStart) > 0 {
		cmds[fmt.Sprintf("jail_%s_exec_start", j.JV)] = j.ExecStart
	}
	return jailLimits(j, cmds)
}

// jailLimits checks j's host name and the commands cmds (by variable)
// against this Linux host's limits.
func jailLimits(j *compat.Jail, cmds map[string][]string) []string {
	// The start command reaches execve(2) inside the init's own arguments
	// and environment (linuxjail.Start); the hooks run as they are.
	extra := map[string]int64{"jail_" + j.JV + "_exec_start": linuxjail.InitOverhead(j.Hostname, j.RootDir)}
	return linuxjail.Limits("jail_"+j.JV+"_hostname", j.Hostname, cmds, []string{proc.CleanPath}, extra, linuxjail.ArgMax(stackLimit()))
}
