package main

import (
	"context"
	"io"
	"os"

	"rcjail/cmd/rcjail/selftest"
	"rcjail/compat"
)

// backendWrap, when set, wraps the executor of every rc.d verb this process
// runs. Only selftest sets it, in its own namespaced process, to inject
// faults; it is never set from the command line.
var backendWrap func(compat.Executor) compat.Executor

func init() {
	register(&command{
		name:  "selftest",
		usage: "selftest        prove the backend (-b) on this kernel in a throwaway world; exit 0 if all held",
		run:   runSelftest,
	})
}

func runSelftest(ctx context.Context, g *Globals, args []string) int {
	if len(args) != 0 {
		g.Errorf("selftest: takes no arguments (the backend is chosen with -b)")
		return 2
	}
	return selftest.Main(ctx, selftest.Options{
		Backend: backendName(g, nil),
		Root:    g.Root,
		Argv0:   os.Args[0],
		Args:    os.Args[1:],
		Stdout:  g.Stdout,
		Stderr:  g.Stderr,
		RCJail: func(ctx context.Context, args []string, wrap func(compat.Executor) compat.Executor, stdout, stderr io.Writer) int {
			backendWrap = wrap
			defer func() { backendWrap = nil }()
			return run(ctx, args, stdout, stderr)
		},
	})
}
