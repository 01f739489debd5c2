package main

import (
	"errors"
	"fmt"

	"rcjail/cmd/rcjail/cmdexec"
	"rcjail/compat"
)

// newNativeBackend constructs the native backend (cmd/rcjail/native). It is
// set from the native backend's own wiring file in this package; nil means
// the native backend is not built into this binary yet.
var newNativeBackend func(g *Globals, cfg *compat.Config) (compat.Executor, error)

// errNoNative is returned when the native backend is asked for but absent.
var errNoNative = errors.New("native backend not built into this rcjail; use -b command (or rcjail_backend=\"command\")")

// backendName is the backend to use: -b, then rc.conf's rcjail_backend,
// then native.
func backendName(g *Globals, cfg *compat.Config) string {
	switch {
	case g.Backend != "":
		return g.Backend
	case cfg != nil && cfg.Backend != "":
		return cfg.Backend
	}
	return "native"
}

// newBackend constructs the executor that acts (or, under -n, answers the
// dry run's queries).
func newBackend(g *Globals, cfg *compat.Config) (compat.Executor, error) {
	switch name := backendName(g, cfg); name {
	case "command":
		x := cmdexec.New(g.Root)
		x.HookOutput = g.Stderr
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
