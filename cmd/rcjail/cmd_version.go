package main

import (
	"context"
	"fmt"
)

// version and commit are set at link time by the Makefile
// (-X main.version=… -X main.commit=…); a plain "go build" leaves these.
var version, commit = "dev", "unknown"

func init() {
	register(&command{
		name:  "version",
		usage: "version                       print the version and commit",
		run:   runVersion,
	})
}

func runVersion(_ context.Context, g *Globals, args []string) int {
	if len(args) != 0 {
		fmt.Fprintf(g.Stderr, "%s: version takes no arguments\n", g.Name)
		return 2
	}
	fmt.Fprintf(g.Stdout, "rcjail %s (%s)\n", version, commit)
	return 0
}
