package cmdexec

import "context"

// Output runs argv as every command of this backend runs (the time limit,
// its own process group, stdin from /dev/null) and returns its standard
// output. A failure names the command and the first line it printed.
// The native backend on FreeBSD uses it for the queries it asks programs
// (`jls -j JID path`).
func (x *Executor) Output(ctx context.Context, argv []string) ([]byte, error) {
	return x.run(ctx, argv)
}
