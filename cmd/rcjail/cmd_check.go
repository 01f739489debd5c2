package main

import (
	"context"
	"fmt"
)

func init() {
	register(&command{
		name:  "check",
		usage: "check [jail ...]   validate the configuration without acting (exit 1 on any error)",
		run:   runCheck,
	})
}

// runCheck resolves the configuration and reports every problem: each
// refused jail's errors (jail, variable, file:line, value) on stderr, the
// warnings too, the host-side skeleton findings of [reportSkeletons],
// and one "ok" line per valid jail on stdout. Nothing is
// mounted, started or written.
func runCheck(ctx context.Context, g *Globals, args []string) int {
	cfg, err := loadConfig(ctx, g, args)
	if err != nil {
		g.Errorf("%v", err)
		return 1
	}
	for _, w := range cfg.Warnings {
		g.Warnf("%s", w)
	}
	st := 0
	for _, n := range cfg.List {
		j := cfg.Jails[n]
		if j == nil {
			continue
		}
		if len(j.Errors) == 0 {
			fmt.Fprintf(g.Stdout, "jail %s: ok\n", n)
			continue
		}
		st = 1
		for _, e := range j.Errors {
			g.Errorf("%v", e)
		}
	}
	// Host-side skeleton checks (sources exist, ownership, links in symlink
	// mode, …), written beside prepare.
	return max(st, reportSkeletons(g, cfg))
}
