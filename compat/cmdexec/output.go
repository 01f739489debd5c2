package cmdexec

import (
	"bytes"
	"context"
	"strings"
)

// Output runs argv as every command of this backend runs (the time limit,
// its own process group, stdin from /dev/null) and returns its standard
// output. A failure names the command and the first line it printed.
// The native backend on FreeBSD uses it for the queries it asks programs
// (`jls -j JID path`).
func (x *Executor) Output(ctx context.Context, argv []string) ([]byte, error) {
	return x.run(ctx, argv)
}

// Combined runs argv as Output does, with its standard output and standard
// error together (as StartJail keeps jail(8)'s): the native backend on
// FreeBSD runs a jail's start command this way, for the console log. A
// failure names the command and the last line it printed (a failing
// /etc/rc says why last).
func (x *Executor) Combined(ctx context.Context, argv []string) ([]byte, error) {
	c, cancel := x.command(ctx, argv)
	defer cancel()
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		return out.Bytes(), &cmdError{argv: argv, out: lastLine(out.String()), err: err}
	}
	return out.Bytes(), nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}
