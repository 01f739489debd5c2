package compat

import (
	"context"
	"fmt"
	"io"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Querier is the read-only half of an [Executor].
type Querier interface {
	SysctlGet(ctx context.Context, mib string) (string, error)
	Mounted(ctx context.Context, dir, fstype string) (bool, error)
	JailRunning(ctx context.Context, jid string) (bool, error)
	ReadIDFile(ctx context.Context, path string) (jid string, ok bool, err error)
	IsSymlink(ctx context.Context, path string) (bool, error)
}

// DryJID is the jid a dry run's jail(8) "returns"; it prints as '$jid'.
const DryJID = "$jid"

// DryRun is the `-n` executor: it prints, one per line and quoted for sh,
// every command the command backend would run, and changes nothing.
//
// Queries are printed too (`sysctl -n MIB`, `df DIR`, `jls -j JID`), so
// that `-n` prints exactly the command trace of a real `-b command` run in
// the same state. Their answers come from Q, the chosen backend, which only
// reads; with Q nil they describe a clean host: nothing mounted, no id file,
// no jail running, and each sysctl already at the value in Sysctls (so
// nothing needs to change). Steps that are not commands (creating a mount
// point, writing the id file or the console log) print nothing. jail(8)
// "returns" the jid [DryJID].
type DryRun struct {
	W       io.Writer
	Q       Querier
	Resolve StateResolver
	Sysctls map[string]string // clean-state answers for SysctlGet when Q is nil
	err     error
}

var _ Executor = (*DryRun)(nil)

// Err returns the first error writing to W.
func (d *DryRun) Err() error { return d.err }

// QuoteArgv renders argv as one sh command line.
func QuoteArgv(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		q, err := syntax.Quote(a, syntax.LangPOSIX)
		if err != nil {
			// Quote refuses only bytes no POSIX sh literal can hold
			// (invalid UTF-8 or NUL); show them Go-quoted instead of
			// pretending the line is runnable.
			q = fmt.Sprintf("%q", a)
		}
		b.WriteString(q)
	}
	return b.String()
}

func (d *DryRun) print(argv []string) {
	if d.err != nil {
		return
	}
	_, d.err = io.WriteString(d.W, QuoteArgv(argv)+"\n")
}

func (d *DryRun) step(s Step) error {
	for _, argv := range StepArgv(s, d.Resolve) {
		d.print(argv)
	}
	return nil
}

func (d *DryRun) SysctlGet(ctx context.Context, mib string) (string, error) {
	d.print(SysctlGetArgv(mib))
	if d.Q != nil {
		return d.Q.SysctlGet(ctx, mib)
	}
	return d.Sysctls[mib], nil
}

func (d *DryRun) Mounted(ctx context.Context, dir, fstype string) (bool, error) {
	d.print(MountedArgv(dir, fstype))
	if d.Q != nil {
		return d.Q.Mounted(ctx, dir, fstype)
	}
	return false, nil
}

func (d *DryRun) JailRunning(ctx context.Context, jid string) (bool, error) {
	d.print(JailRunningArgv(jid))
	if d.Q != nil {
		return d.Q.JailRunning(ctx, jid)
	}
	return false, nil
}

func (d *DryRun) ReadIDFile(ctx context.Context, path string) (string, bool, error) {
	if d.Q != nil {
		return d.Q.ReadIDFile(ctx, path)
	}
	return "", false, nil
}

func (d *DryRun) IsSymlink(ctx context.Context, path string) (bool, error) {
	if d.Q != nil {
		return d.Q.IsSymlink(ctx, path)
	}
	return false, nil
}

func (d *DryRun) SysctlSet(_ context.Context, s SysctlSet) error     { return d.step(s) }
func (d *DryRun) AliasAdd(_ context.Context, s AliasAdd) error       { return d.step(s) }
func (d *DryRun) AliasRemove(_ context.Context, s AliasRemove) error { return d.step(s) }
func (d *DryRun) Mkdir(context.Context, Mkdir) (bool, error)         { return false, nil }
func (d *DryRun) Rmdir(context.Context, Rmdir) error                 { return nil }
func (d *DryRun) Mount(_ context.Context, s Mount) error             { return d.step(s) }
func (d *DryRun) Unmount(_ context.Context, s Unmount) error         { return d.step(s) }
func (d *DryRun) FstabMount(_ context.Context, s FstabMount) error   { return d.step(s) }
func (d *DryRun) DevfsRule(_ context.Context, s DevfsRule) error     { return d.step(s) }
func (d *DryRun) DevfsRuleset(_ context.Context, s DevfsRuleset) error {
	return d.step(s)
}
func (d *DryRun) DevfsApply(_ context.Context, s DevfsApply) error { return d.step(s) }
func (d *DryRun) Symlink(_ context.Context, s Symlink) error       { return d.step(s) }

// CheckLink asks Q when it can check links; otherwise a clean host is
// assumed to be prepared as the configuration says.
func (d *DryRun) CheckLink(ctx context.Context, s CheckLink) error {
	if c, ok := d.Q.(interface {
		CheckLink(context.Context, CheckLink) error
	}); ok {
		return c.CheckLink(ctx, s)
	}
	return nil
}
func (d *DryRun) Exec(_ context.Context, s Exec) error { return d.step(s) }
func (d *DryRun) StartJail(_ context.Context, s StartJail) (string, []byte, error) {
	d.step(s)
	return DryJID, nil, nil
}
func (d *DryRun) Jexec(_ context.Context, s Jexec) error       { return d.step(s) }
func (d *DryRun) KillJail(_ context.Context, s KillJail) error { return d.step(s) }
func (d *DryRun) WriteFile(context.Context, WriteFile) error   { return nil }
func (d *DryRun) RemoveFile(context.Context, RemoveFile) error { return nil }
func (d *DryRun) JailConf(_ context.Context, s JailConf) error { return d.step(s) }
