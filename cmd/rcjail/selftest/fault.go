package selftest

import (
	"context"
	"errors"
	"fmt"

	"rcjail/compat"
)

// errInjected is wrapped by every failure the wrapper injects.
var errInjected = errors.New("selftest: injected fault")

// faulty wraps a backend's executor. It counts the effect steps handed to
// it; the failAt-th one (1-based; 0 means none) fails before the backend
// sees it, as a step that could not be taken. Every step after that (the
// rollback) goes to the backend unchanged — except under BreakUndo, where
// an unmount of the rollback is reported done and not done.
type faulty struct {
	compat.Executor
	failAt int
	n      int
	steps  []string // a description of each effect step seen, in order
	fired  string   // the step that was failed
	broken bool     // BreakUndo
}

func (f *faulty) wrap(x compat.Executor) compat.Executor {
	f.Executor = x
	return f
}

// step counts one effect step and reports whether it must fail.
func (f *faulty) step(what string) error {
	if f.fired != "" {
		return nil // the rollback
	}
	f.n++
	f.steps = append(f.steps, what)
	if f.n == f.failAt {
		f.fired = what
		return fmt.Errorf("%s: step %d: %w", what, f.n, errInjected)
	}
	return nil
}

func (f *faulty) SysctlSet(ctx context.Context, s compat.SysctlSet) error {
	if err := f.step("sysctl " + s.MIB); err != nil {
		return err
	}
	return f.Executor.SysctlSet(ctx, s)
}

func (f *faulty) AliasAdd(ctx context.Context, s compat.AliasAdd) error {
	if err := f.step("alias " + s.Addr.Addr); err != nil {
		return err
	}
	return f.Executor.AliasAdd(ctx, s)
}

func (f *faulty) AliasRemove(ctx context.Context, s compat.AliasRemove) error {
	if err := f.step("-alias " + s.Addr.Addr); err != nil {
		return err
	}
	return f.Executor.AliasRemove(ctx, s)
}

func (f *faulty) Mkdir(ctx context.Context, s compat.Mkdir) ([]string, error) {
	if err := f.step("mkdir " + s.Path); err != nil {
		return nil, err
	}
	return f.Executor.Mkdir(ctx, s)
}

func (f *faulty) Rmdir(ctx context.Context, s compat.Rmdir) error {
	if err := f.step("rmdir " + s.Path); err != nil {
		return err
	}
	return f.Executor.Rmdir(ctx, s)
}

func (f *faulty) Mount(ctx context.Context, s compat.Mount) ([]compat.MountID, error) {
	if err := f.step("mount " + s.FSType + " " + s.Target); err != nil {
		return nil, err
	}
	return f.Executor.Mount(ctx, s)
}

func (f *faulty) Unmount(ctx context.Context, s compat.Unmount) error {
	if f.broken && f.fired != "" {
		return nil // BreakUndo: the rollback's unmount "succeeds" and leaves the mount
	}
	if err := f.step("umount " + s.Target); err != nil {
		return err
	}
	return f.Executor.Unmount(ctx, s)
}

func (f *faulty) FstabMount(ctx context.Context, s compat.FstabMount) ([]compat.MountID, error) {
	if err := f.step("mount -a -F " + s.Fstab); err != nil {
		return nil, err
	}
	return f.Executor.FstabMount(ctx, s)
}

func (f *faulty) DevfsRule(ctx context.Context, s compat.DevfsRule) error {
	if err := f.step(fmt.Sprintf("devfs rule -s %d", s.Ruleset)); err != nil {
		return err
	}
	return f.Executor.DevfsRule(ctx, s)
}

func (f *faulty) DevfsRuleset(ctx context.Context, s compat.DevfsRuleset) error {
	if err := f.step(fmt.Sprintf("devfs -m %s ruleset %d", s.Dir, s.Ruleset)); err != nil {
		return err
	}
	return f.Executor.DevfsRuleset(ctx, s)
}

func (f *faulty) DevfsApply(ctx context.Context, s compat.DevfsApply) error {
	if err := f.step("devfs -m " + s.Dir + " rule applyset"); err != nil {
		return err
	}
	return f.Executor.DevfsApply(ctx, s)
}

func (f *faulty) Symlink(ctx context.Context, s compat.Symlink) error {
	if err := f.step("ln -sf " + s.Target + " " + s.Path); err != nil {
		return err
	}
	return f.Executor.Symlink(ctx, s)
}

func (f *faulty) CheckLink(ctx context.Context, s compat.CheckLink) error {
	if err := f.step("check link " + s.Path); err != nil {
		return err
	}
	return f.Executor.CheckLink(ctx, s)
}

func (f *faulty) Exec(ctx context.Context, s compat.Exec) error {
	if err := f.step("hook " + s.Var); err != nil {
		return err
	}
	return f.Executor.Exec(ctx, s)
}

func (f *faulty) StartJail(ctx context.Context, s compat.StartJail) (string, []byte, error) {
	if err := f.step("jail " + s.Jail); err != nil {
		return "", nil, fmt.Errorf("%w: %w", compat.ErrJailFailed, err)
	}
	return f.Executor.StartJail(ctx, s)
}

func (f *faulty) Jexec(ctx context.Context, s compat.Jexec) error {
	if err := f.step("jexec " + s.Jail); err != nil {
		return err
	}
	return f.Executor.Jexec(ctx, s)
}

func (f *faulty) KillJail(ctx context.Context, s compat.KillJail) error {
	if err := f.step("kill jail " + s.Jail); err != nil {
		return err
	}
	return f.Executor.KillJail(ctx, s)
}

func (f *faulty) WriteFile(ctx context.Context, s compat.WriteFile) error {
	if err := f.step("write " + s.Path); err != nil {
		return err
	}
	return f.Executor.WriteFile(ctx, s)
}

func (f *faulty) RemoveFile(ctx context.Context, s compat.RemoveFile) error {
	if err := f.step("rm " + s.Path); err != nil {
		return err
	}
	return f.Executor.RemoveFile(ctx, s)
}

func (f *faulty) JailConf(ctx context.Context, s compat.JailConf) error {
	if err := f.step("jail -f " + s.File); err != nil {
		return err
	}
	return f.Executor.JailConf(ctx, s)
}
