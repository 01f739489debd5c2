package main

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"

	"rcjail/compat"
	"rcjail/compat/cmdexec"
)

// newNativeBackend constructs the native backend (compat/native). It is
// set from the native backend's own wiring file in this package; nil means
// the native backend is not built into this binary yet.
var newNativeBackend func(g *Globals, cfg *compat.Config) (compat.Executor, error)

// errNoNative is returned when the native backend is asked for but absent.
var errNoNative = errors.New("native backend not built into this rcjail; use -b command (or rcjail_backend=\"command\")")

// defaultBackend is the backend used when neither -b nor rc.conf's
// rcjail_backend names one. On FreeBSD it is "command": the 8.x script's
// exact commands, verified against the script, until the administrator opts
// in to the native backend (whose system calls have not run on a FreeBSD
// kernel as part of rcjail's own tests; `rcjail selftest -b native` proves
// them on the host). Elsewhere (Linux) it is "native", the only backend
// whose steps run there for real.
func defaultBackend(goos string) string {
	if goos == "freebsd" {
		return "command"
	}
	return "native"
}

// backendChoice is the backend to use and why: -b, then rc.conf's
// rcjail_backend (where = "FILE:LINE"), then the system's default
// (where = "default").
func backendChoice(g *Globals, cfg *compat.Config, goos string) (name, where string) {
	switch {
	case g.Backend != "":
		return g.Backend, "-b"
	case cfg != nil && cfg.Backend != "":
		return cfg.Backend, backendWhere(cfg)
	}
	return defaultBackend(goos), "default"
}

// backendWhere is where rc.conf set rcjail_backend: "FILE:LINE", "FILE",
// or "rc.conf" when the evaluation could not tell.
func backendWhere(cfg *compat.Config) string {
	for _, s := range cfg.Host {
		if s.Var != "rcjail_backend" || s.File == "" {
			continue
		}
		if s.Line > 0 {
			return s.File + ":" + strconv.Itoa(s.Line)
		}
		return s.File
	}
	return "rc.conf"
}

// backendName is the backend to use on this system (see backendChoice).
func backendName(g *Globals, cfg *compat.Config) string {
	name, _ := backendChoice(g, cfg, runtime.GOOS)
	return name
}

// newBackend constructs the executor that acts (or, under -n, answers the
// dry run's queries).
func newBackend(g *Globals, cfg *compat.Config) (compat.Executor, error) {
	switch name := backendName(g, cfg); name {
	case "command":
		x := cmdexec.New(g.Root)
		// The runner points the hooks at its stdout before each jail;
		// this is for a caller without a runner.
		x.SetHookOutput(g.Stdout, g.Stderr)
		return x, nil
	case "native":
		if newNativeBackend == nil {
			return nil, errNoNative
		}
		return newNativeBackend(g, cfg)
	default:
		return nil, fmt.Errorf("backend %q: unknown (want native or command)", name)
	}
}
