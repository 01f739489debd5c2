package native

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"rcjail/compat"
	"rcjail/compat/fault"
	"rcjail/compat/native/proc"
	"rcjail/compat/state"
)

// The native host's other steps: sysctls, aliases, devfs, links, hooks,
// the jail itself, the state files.

// SysctlSet implements [compat.Executor].
func (x *Executor) SysctlSet(ctx context.Context, s compat.SysctlSet) error {
	return sysctlSet(ctx, x, s.MIB, s.Value)
}

// AliasAdd implements [compat.Executor]. An address that is already there
// is left alone: the error wraps compat.ErrAliasPresent, so that the engine
// records nothing and no stop removes an address this start did not add.
func (x *Executor) AliasAdd(ctx context.Context, s compat.AliasAdd) error {
	if _, err := x.jail(s.Jail, ""); err != nil {
		return err
	}
	if x.fault("alias") {
		return fmt.Errorf("jail %s: add alias %s to %s: %w", s.Jail, s.Addr.Addr, s.Addr.Iface, errInjected)
	}
	a := s.Addr
	if has, err := ifaceHasAddr(a); err != nil {
		return fmt.Errorf("jail %s: add alias %s to %s: %w", s.Jail, a.Addr, a.Iface, err)
	} else if has {
		return fmt.Errorf("jail %s: add alias %s to %s: %w", s.Jail, a.Addr, a.Iface, compat.ErrAliasPresent)
	}
	added, err := aliasAdd(ctx, x, a)
	if err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	if !added {
		// Someone added it in between: the host's, not ours.
		return fmt.Errorf("jail %s: add alias %s to %s: %w", s.Jail, a.Addr, a.Iface, compat.ErrAliasPresent)
	}
	return nil
}

// AliasRemove implements [compat.Executor]. Idempotent: an address that is
// gone is not an error (the engine hands only addresses its record says
// this jail's start added).
func (x *Executor) AliasRemove(ctx context.Context, s compat.AliasRemove) error {
	if _, err := x.jail(s.Jail, ""); err != nil {
		return err
	}
	if err := aliasRemove(ctx, x, s.Addr); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	return nil
}

// DevfsRule implements [compat.Executor]. Linux: the devfs stand-in is a
// fixed, minimal set of nodes, so rules have nothing to act on; FreeBSD:
// devfs(8), as the command backend runs it.
func (x *Executor) DevfsRule(ctx context.Context, s compat.DevfsRule) error {
	return devfsStep(ctx, x, s)
}

// DevfsRuleset implements [compat.Executor] (see DevfsRule).
func (x *Executor) DevfsRuleset(ctx context.Context, s compat.DevfsRuleset) error {
	return devfsStep(ctx, x, s)
}

// DevfsApply implements [compat.Executor] (see DevfsRule).
func (x *Executor) DevfsApply(ctx context.Context, s compat.DevfsApply) error {
	return devfsStep(ctx, x, s)
}

// Symlink implements [compat.Executor]: the link is made through its
// parent directory, opened with no symlink in any component.
func (x *Executor) Symlink(ctx context.Context, s compat.Symlink) error {
	if _, err := x.jail(s.Jail, ""); err != nil {
		return err
	}
	if err := symlinkStrict(s.Target, s.Path); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	return nil
}

// CheckLink implements [compat.Executor].
func (x *Executor) CheckLink(ctx context.Context, s compat.CheckLink) error {
	if _, err := x.jail(s.Jail, s.Root); err != nil {
		return err
	}
	got, err := readlinkStrict(s.Path)
	if err != nil {
		return fmt.Errorf("jail %s: check link: %w", s.Jail, err)
	}
	if got != s.Target {
		return fmt.Errorf("jail %s: check link %s: points to %q, want %q", s.Jail, s.Path, got, s.Target)
	}
	return nil
}

// SetHookOutput implements [compat.Executor]: hooks, afterstart
// commands and this executor's warnings go to the runner's stdout and
// stderr (nil: discarded).
func (x *Executor) SetHookOutput(stdout, stderr io.Writer) {
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	x.opts.Stdout, x.opts.Stderr = stdout, stderr
}

// Exec implements [compat.Executor]: a host hook, run with the hygiene of
// package proc.
func (x *Executor) Exec(ctx context.Context, s compat.Exec) error {
	if _, err := x.jail(s.Jail, ""); err != nil {
		return err
	}
	argv := s.Argv
	if x.fault("hook") {
		return fmt.Errorf("jail %s: %s %q: %w", s.Jail, s.Var, strings.Join(argv, " "), errInjected)
	}
	if x.fault("hang") {
		argv = hangArgv()
	}
	err := proc.Run(ctx, proc.Cmd{Argv: argv, Stdout: x.opts.Stdout, Stderr: x.opts.Stderr, Timeout: x.opts.CommandTimeout})
	if err != nil {
		return fmt.Errorf("jail %s: %s: %w", s.Jail, s.Var, err)
	}
	return nil
}

// StartJail implements [compat.Executor]: on Linux a namespaced init
// (package linuxjail) whose pid is the jid. s.Created is called with the
// jid the moment the jail exists, before its start command runs (the
// engine journals it then); its error removes the jail.
func (x *Executor) StartJail(ctx context.Context, s compat.StartJail) (string, []byte, error) {
	if _, err := x.jail(s.Jail, s.Root); err != nil {
		return "", nil, err
	}
	if x.fault("jail") {
		return "", nil, fmt.Errorf("jail %s: launch: %w: %w", s.Jail, compat.ErrJailFailed, errInjected)
	}
	created := func(jid int) error {
		fault.Before("jail created")
		defer fault.After("jail created")
		if s.Created != nil {
			return s.Created(strconv.Itoa(jid))
		}
		return nil
	}
	jid, out, err := startJail(ctx, x, s, created)
	if err != nil {
		// FreeBSD's jail(8) failure wraps compat.ErrJailFailed and the
		// Runner names its command line; Linux ran no jail(8) and its
		// message stands alone.
		return "", out, err
	}
	return strconv.Itoa(jid), out, nil
}

// Jexec implements [compat.Executor]: Linux runs the command inside the
// jail's namespaces and root, with the hygiene of package proc; FreeBSD runs
// jexec(8) as the command backend does.
func (x *Executor) Jexec(ctx context.Context, s compat.Jexec) error {
	if _, err := x.jail(s.Jail, ""); err != nil {
		return err
	}
	jid, err := strconv.Atoi(s.JID)
	if err != nil {
		return fmt.Errorf("jail %s: jexec: bad jid %q", s.Jail, s.JID)
	}
	if err := jexec(ctx, x, s, jid); err != nil {
		return err
	}
	return nil
}

// KillJail implements [compat.Executor]: TERM everything in the jail, wait
// (bounded), KILL. A jid that is not (or no longer) a jail of ours is left
// alone and is not an error.
func (x *Executor) KillJail(ctx context.Context, s compat.KillJail) error {
	if _, err := x.jail(s.Jail, ""); err != nil {
		return err
	}
	jid, err := strconv.Atoi(s.JID)
	if err != nil {
		return fmt.Errorf("jail %s: kill: bad jid %q", s.Jail, s.JID)
	}
	root, ok := jailRoot(x, jid)
	if ok {
		if err := stopJail(x, jid, root); err != nil {
			return fmt.Errorf("jail %s: %w", s.Jail, err)
		}
	}
	return nil
}

// WriteFile implements [compat.Executor].
func (x *Executor) WriteFile(ctx context.Context, s compat.WriteFile) error {
	if _, err := x.jail(s.Jail, ""); err != nil {
		return err
	}
	kind := state.Console
	if s.IDFile {
		kind = state.Regular
	}
	f, err := x.openState(s.Path, true, s.Append, kind)
	if err != nil {
		return fmt.Errorf("jail %s: write %s: %w", s.Jail, s.Path, err)
	}
	_, err = f.Write(s.Data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("jail %s: write %s: %w", s.Jail, s.Path, err)
	}
	return nil
}

// RemoveFile implements [compat.Executor].
func (x *Executor) RemoveFile(ctx context.Context, s compat.RemoveFile) error {
	if _, err := x.jail(s.Jail, ""); err != nil {
		return err
	}
	if err := x.removeState(s.Path); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	return nil
}

// JailConf implements [compat.Executor]: jail.conf jails are jail(8)'s own
// (FreeBSD: `jail -f FILE -c|-r NAME`) and have no Linux counterpart.
func (x *Executor) JailConf(ctx context.Context, s compat.JailConf) error {
	return jailConf(ctx, x, s)
}
