package cmdexec

import (
	"bytes"
	"context"
	"fmt"

	"rcjail/compat"
)

// JailConfAll runs `jail [FLAGS] -f FILE -c [-p1]` with its stdout and
// stderr captured together, as the modern script's temporary file does.
func (x *Executor) JailConfAll(ctx context.Context, s compat.JailConfAll) ([]byte, error) {
	argv := compat.JailConfAllArgv(s, x.resolve())
	c, cancel := x.command(ctx, argv)
	defer cancel()
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%w: %w", compat.ErrJailFailed, err)
	}
	return out.Bytes(), nil
}

// ListJails runs `jls jid name`.
func (x *Executor) ListJails(ctx context.Context) ([]compat.RunningJail, error) {
	out, err := x.run(ctx, compat.ListJailsArgv())
	if err != nil {
		return nil, fmt.Errorf("list jails: %w", err)
	}
	return compat.ParseJls(out), nil
}

// StillRunning implements [compat.Executor]: `jls -j NAME`, as the modern
// script asks after `jail -r NAME`.
func (x *Executor) StillRunning(ctx context.Context, j compat.RunningJail) (bool, error) {
	return x.JailRunning(ctx, j.Name, "")
}
