package main

import (
	"rcjail/compat"
	"rcjail/compat/native"
)

// The native backend's wiring (see newNativeBackend in backend.go): its
// state lives under -R; hook output goes where the script's would.
func init() {
	newNativeBackend = func(g *Globals, cfg *compat.Config) (compat.Executor, error) {
		x, err := native.New(native.Options{Root: g.Root, Stdout: g.Stdout, Stderr: g.Stderr, Fault: selftestNativeFault})
		if err != nil {
			return nil, err
		}
		return x, nil
	}
}
