package main

import (
	"fmt"
	"runtime"

	"rcjail/cmd/rcjail/native/linuxjail"
	"rcjail/compat"
)

// linuxLimits lists what a Linux host cannot take of jail j (a host name
// over 64 bytes, a command over ARG_MAX): on Linux these are errors of
// check, said in Linux's terms, instead of a start that fails in the
// kernel. Elsewhere (FreeBSD's limits are the script's own) nothing.
func linuxLimits(j *compat.Jail) []string {
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
	return linuxjail.Limits("jail_"+j.JV+"_hostname", j.Hostname, cmds, []string{"PATH=/sbin:/bin:/usr/sbin:/usr/bin"}, linuxjail.ArgMax(stackLimit()))
}
