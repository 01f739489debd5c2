// Command gen writes a fake root with N jails (see package rcjail/rcconf/rcconftest).
//
// Usage: gen DIR N
package main

import (
	"fmt"
	"os"
	"strconv"

	"rcjail/rcconf/rcconftest"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "gen: N must be a positive number")
		os.Exit(2)
	}
	if err := rcconftest.WriteTree(os.Args[1], n); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
