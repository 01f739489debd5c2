// Command points calls the fault seam twice around two pretend effects,
// for the seam's own tests.
package main

import (
	"fmt"

	"rcjail/compat/fault"
)

func main() {
	for _, what := range []string{"a", "b"} {
		fault.Before(what)
		fault.After(what)
	}
	fmt.Println("done")
}
