package main

import (
	"context"
	"io"
	"os"
	"strings"

	"rcjail/cmd/rcjail/selftest"
	"rcjail/compat"
	"rcjail/compat/native"
)

// backendWrap, when set, wraps the executor of every rc.d verb this process
// runs. Only selftest sets it, in its own namespaced process, to inject
// faults; it is never set from the command line.
var backendWrap func(compat.Executor) compat.Executor

// selftestNativeFault, when set, is the native backend's own fault seam
// (native.Fault: a failure inside a step, such as the read-only remount of
// a fresh mount). Like backendWrap, only selftest's namespaced process sets
// it.
var selftestNativeFault *native.Fault

func init() {
	register(&command{
		name:  "selftest",
		usage: "selftest [-b|--backend native|command]  prove a backend on this kernel in a throwaway world; exit 0 if all held",
		// -b after the verb, as the issue spells it; -b before it works too.
		opts: []opt{{name: "b", arg: "backend"}, {name: "backend", arg: "backend"}},
		run:  runSelftest,
	})
}

func runSelftest(ctx context.Context, g *Globals, args []string) int {
	backend := backendName(g, nil)
	for _, a := range args {
		b, ok := strings.CutPrefix(a, "--b=")
		if !ok {
			b, ok = strings.CutPrefix(a, "--backend=")
		}
		if !ok {
			g.Errorf("selftest: unexpected argument %q (usage: rcjail selftest [-b native|command])", a)
			return 2
		}
		if b != "native" && b != "command" {
			g.Errorf("selftest: -b %q: unknown backend (want native or command)", b)
			return 2
		}
		backend = b
	}
	return selftest.Main(ctx, selftest.Options{
		Backend: backend,
		Root:    g.Root,
		Argv0:   os.Args[0],
		Args:    os.Args[1:],
		Stdout:  g.Stdout,
		Stderr:  g.Stderr,
		NativeFault: func(op string, at int) {
			selftestNativeFault = nil
			if op != "" {
				selftestNativeFault = &native.Fault{Op: op, At: at}
			}
		},
		RCJail: func(ctx context.Context, args []string, wrap func(compat.Executor) compat.Executor, stdout, stderr io.Writer) int {
			backendWrap = wrap
			defer func() { backendWrap = nil }()
			return run(ctx, args, stdout, stderr)
		},
	})
}
