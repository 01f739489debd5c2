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
	"rcjail/compat/record"
	"rcjail/compat/state"
)

// The native host's other steps: sysctls, aliases, devfs, links, hooks,
// the jail itself, the state files.

// SysctlSet implements [compat.Executor].
func (x *Executor) SysctlSet(ctx context.Context, s compat.SysctlSet) error {
	return sysctlSet(ctx, x, s.MIB, s.Value)
}

// AliasAdd implements [compat.Executor]. An address that is already there
// is left alone and not recorded, so stop never removes an address it did
// not add.
func (x *Executor) AliasAdd(ctx context.Context, s compat.AliasAdd) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStart(js, ""); err != nil {
		return err
	}
	if x.fault("alias") {
		return fmt.Errorf("jail %s: add alias %s to %s: %w", s.Jail, s.Addr.Addr, s.Addr.Iface, errInjected)
	}
	a := s.Addr
	if has, err := ifaceHasAddr(a); err != nil {
		return fmt.Errorf("jail %s: add alias %s to %s: %w", s.Jail, a.Addr, a.Iface, err)
	} else if has {
		return nil // the host's own: never recorded, never removed
	}
	// Intent before the effect: a crash right after the address is added
	// still leaves it in the record (issue 12: record before act). Should
	// the add not happen, a stop finds the address absent: removing an
	// absent address is not an error.
	if err := js.j.Note(record.Event{Ev: "alias", Addr: (*record.Addr)(&a)}); err != nil {
		return err
	}
	added, err := aliasAdd(ctx, x, a)
	if err != nil || !added {
		// Not added by us (failed, or someone added it in between).
		_ = js.j.Note(record.Event{Ev: "unalias", Addr: (*record.Addr)(&a)})
	}
	if err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	return nil
}

// AliasRemove implements [compat.Executor]. Idempotent: an address that is
// gone is not an error; one the record says we did not add is kept.
func (x *Executor) AliasRemove(ctx context.Context, s compat.AliasRemove) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStop(js); err != nil {
		return err
	}
	i := js.j.Rec.IndexAlias(record.Addr(s.Addr))
	if js.j.Rec != nil && i < 0 {
		return nil // not ours
	}
	if err := aliasRemove(ctx, x, s.Addr); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	if i >= 0 {
		a := s.Addr
		if err := js.j.Note(record.Event{Ev: "unalias", Addr: (*record.Addr)(&a)}); err != nil {
			return err
		}
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
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStart(js, ""); err != nil {
		return err
	}
	if err := symlinkStrict(s.Target, s.Path); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	return nil
}

// CheckLink implements [compat.Executor].
func (x *Executor) CheckLink(ctx context.Context, s compat.CheckLink) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStart(js, s.Root); err != nil {
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
	if _, err := x.jail(s.Jail); err != nil {
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
// (package linuxjail) whose pid is the jid. The jail runs only when
// nothing unexplained is mounted under its root.
func (x *Executor) StartJail(ctx context.Context, s compat.StartJail) (string, []byte, error) {
	js, err := x.jail(s.Jail)
	if err != nil {
		return "", nil, err
	}
	if err := x.beginStart(js, s.Root); err != nil {
		return "", nil, err
	}
	if len(js.stale) > 0 {
		var what []string
		for t := range js.stale {
			what = append(what, t)
		}
		return "", nil, staleError(js, what)
	}
	if x.fault("jail") {
		return "", nil, fmt.Errorf("jail %s: launch: %w: %w", s.Jail, compat.ErrJailFailed, errInjected)
	}
	// The jail exists before its start command has finished: its jid and
	// root are journaled then (one line, one write), so that a kill of
	// rcjail during the start command leaves a jail the record knows
	// (issue 12 item 1): stop stops it, start does not start a second.
	// Intent first: a kill between the jail's creation and the jid line
	// leaves "creating" in the record, and Recorded then asks the kernel
	// for the jail running in the recorded root.
	if err := js.j.Note(record.Event{Ev: "state", State: "creating"}); err != nil {
		return "", nil, err
	}
	created := func(jid int) error {
		fault.Before("jail created")
		defer fault.After("jail created")
		// With the id file the runner will write: a stop by another
		// spelling of the name (one jail, one record) removes it too.
		e := record.Event{Ev: "jid", JID: jid, Root: s.Root, State: "running"}
		if s.IDFile != "" {
			e.Paths = []string{s.IDFile}
		}
		if err := js.j.Note(e); err != nil {
			return err
		}
		// The runner's own journal of the jail (compat.StartJail.Created):
		// an error removes the jail, as a failed note does.
		if s.Created != nil {
			return s.Created(strconv.Itoa(jid))
		}
		return nil
	}
	jid, out, err := startJail(ctx, x, s, created)
	if err != nil {
		if js.j.Rec != nil && js.j.Rec.JID != 0 {
			// The host layer killed the jail it had created.
			_ = js.j.Note(record.Event{Ev: "jid", State: "starting"})
		}
		// FreeBSD's jail(8) failure wraps compat.ErrJailFailed and the
		// Runner names its command line; Linux ran no jail(8) and its
		// message stands alone.
		return "", out, err
	}
	js.j.Rec.JID, js.j.Rec.State, js.j.Rec.Root = jid, "running", s.Root
	js.j.Rec.Jail = js.name
	// The one fsync of a start: from here on the record describes a
	// running jail.
	if err := js.j.Snapshot(true); err != nil {
		_ = stopJail(x, jid, s.Root)
		return "", nil, err
	}
	return strconv.Itoa(jid), out, nil
}

// Jexec implements [compat.Executor]: Linux runs the command inside the
// jail's namespaces and root, with the hygiene of package proc; FreeBSD runs
// jexec(8) as the command backend does.
func (x *Executor) Jexec(ctx context.Context, s compat.Jexec) error {
	if _, err := x.jail(s.Jail); err != nil {
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
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.beginStop(js); err != nil {
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
	if js.j.Rec != nil && js.j.Rec.JID == jid {
		_ = js.j.Note(record.Event{Ev: "jid"})
		if js.j.Rec.State == "running" {
			_ = js.j.Note(record.Event{Ev: "state", State: "stopping"})
		}
	}
	return nil
}

// WriteFile implements [compat.Executor].
func (x *Executor) WriteFile(ctx context.Context, s compat.WriteFile) error {
	if _, err := x.jail(s.Jail); err != nil {
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

// RemoveFile implements [compat.Executor]. Removing a jail's id file is the
// last step of its stop: the executor then finishes the stop from its
// record (see [Executor.FinishStop]).
func (x *Executor) RemoveFile(ctx context.Context, s compat.RemoveFile) error {
	js, err := x.jail(s.Jail)
	if err != nil {
		return err
	}
	if err := x.removeState(s.Path); err != nil {
		return fmt.Errorf("jail %s: %w", s.Jail, err)
	}
	if !js.starting && state.IsIDFile(s.Path) {
		return x.finishStop(js)
	}
	return nil
}

// JailConf implements [compat.Executor]: jail.conf jails are jail(8)'s own
// (FreeBSD: `jail -f FILE -c|-r NAME`) and have no Linux counterpart.
func (x *Executor) JailConf(ctx context.Context, s compat.JailConf) error {
	return jailConf(ctx, x, s)
}
