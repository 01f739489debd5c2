// Command driver prints rcconf.Driver(SERVICE): the loader text dash runs
// in bench/rcconf.bench.sh, the very text rcconf evaluates.
//
// Usage: driver [SERVICE]
package main

import (
	"fmt"
	"os"

	"rcjail/rcconf"
)

func main() {
	service := "jail"
	if len(os.Args) > 1 {
		service = os.Args[1]
	}
	fmt.Print(rcconf.Driver(service))
}
