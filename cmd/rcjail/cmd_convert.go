package main

import (
	"context"
	"fmt"
	"strings"

	"rcjail/compat"
)

func init() {
	register(&command{
		name:  "convert",
		usage: "convert [jail ...]             print the equivalent jail.conf",
		run:   runConvert,
	})
}

// runConvert prints jail.conf blocks for the jails (all of jail_list when
// none are named). A jail that cannot be converted is reported on stderr and
// left out; the others are still printed, and the exit status is 1.
func runConvert(ctx context.Context, g *Globals, args []string) int {
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			fmt.Fprintf(g.Stderr, "%s: convert: unknown option %q\n", g.Name, a)
			return 2
		}
	}
	cfg, _, err := adminConfig(ctx, g, args)
	if err != nil {
		return configFailed(g, err)
	}
	status := 0
	fmt.Fprintln(g.Stdout, "# jail.conf(5) written by rcjail convert from rc.conf.")
	for _, name := range cfg.List {
		block, err := compat.ConvertJail(cfg, name)
		if err != nil {
			g.Errorf("%v", err)
			status = 1
			continue
		}
		fmt.Fprintf(g.Stdout, "\n%s", block)
	}
	return status
}
