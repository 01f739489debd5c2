//go:build !linux && !freebsd

package selftest

import (
	"context"
	"fmt"
)

// Main reports that selftest needs Linux or FreeBSD.
func Main(_ context.Context, o Options) int {
	fmt.Fprintln(o.Stderr, "rcjail: selftest: only on FreeBSD and Linux")
	return 1
}
