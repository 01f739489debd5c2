package native

import (
	"context"

	"rcjail/compat"
)

// The modern script's _ALL path (compat/all.go) is jail(8)'s and jls(8)'s:
// on FreeBSD the native backend runs them as the command backend does; on
// Linux there is no jail.conf to read, and they fail.

// JailConfAll implements [compat.Executor].
func (x *Executor) JailConfAll(ctx context.Context, s compat.JailConfAll) ([]byte, error) {
	return jailConfAll(ctx, x, s)
}

// ListJails implements [compat.Executor].
func (x *Executor) ListJails(ctx context.Context) ([]compat.RunningJail, error) {
	return listJails(ctx, x)
}

// StillRunning implements [compat.Executor]: by j's jid, which the native
// host's jid queries take (a name never reaches them).
func (x *Executor) StillRunning(ctx context.Context, j compat.RunningJail) (bool, error) {
	return x.JailRunning(ctx, j.JID, "")
}
