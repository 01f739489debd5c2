package native

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"rcjail/compat"
	"rcjail/compat/cmdexec"
)

// freebsdProgs runs the programs FreeBSD's native backend keeps (SPEC §5):
// jail(8), jls, jexec, ifconfig, killall, sysctl and devfs(8), and
// `mount -a -F` for an fstab the mount package does not map. It delegates
// to command-backend executors (package cmdexec), so every program runs
// exactly as under -b command: the same argv (compat.StepArgv), time limit,
// process group and no-follow console log. Portable, so that its tests run
// on Linux against stand-in programs; sys_freebsd.go wires it in.
type freebsdProgs struct {
	cmd   *cmdexec.Executor // every program but jail(8), bounded by CommandTimeout
	start *cmdexec.Executor // jail(8), bounded by StartTimeout: it runs the jail's /etc/rc

	// present reports whether an address is on its interface already
	// (ifaceHasAddr; tests replace it).
	present func(compat.Addr) (bool, error)
}

// newFreeBSDProgs returns the runners for opts (defaults applied). Neither
// takes cmdexec's per-jail lock: the native executor holds that very lock
// file itself, so the two backends exclude each other.
func newFreeBSDProgs(o Options) *freebsdProgs {
	c := cmdexec.New(o.Root)
	c.Timeout = o.CommandTimeout
	st := cmdexec.New(o.Root)
	st.Timeout = o.StartTimeout
	// The hook output is set per jexec (sys_freebsd.go's jexec) from the
	// native executor's, which the runner sets.
	return &freebsdProgs{cmd: c, start: st, present: ifaceHasAddr}
}

func (p *freebsdProgs) sysctlGet(ctx context.Context, mib string) (string, error) {
	return p.cmd.SysctlGet(ctx, mib)
}

func (p *freebsdProgs) sysctlSet(ctx context.Context, mib, value string) error {
	return p.cmd.SysctlSet(ctx, compat.SysctlSet{MIB: mib, Value: value})
}

// jailRoot asks `jls -j JID path`: the jail exists (and is not dying) and
// this is its root, so that a record's jid is trusted only for the jail it
// names.
func (p *freebsdProgs) jailRoot(ctx context.Context, jid int) (string, bool) {
	out, err := p.cmd.Output(ctx, []string{"jls", "-j", strconv.Itoa(jid), "path"})
	if err != nil {
		return "", false
	}
	return jlsPath(out)
}

// jailRunning runs `jls -j JID`, as the command backend does. A jid that is
// not a positive number is not a running jail; it never reaches jls, where
// "-h" would be an option.
func (p *freebsdProgs) jailRunning(ctx context.Context, jid string) (bool, error) {
	if n, err := strconv.Atoi(jid); err != nil || n <= 0 {
		return false, nil
	}
	return p.cmd.JailRunning(ctx, jid, "")
}

// startJail runs jail(8); its first output line is the jid, the rest the
// console output.
func (p *freebsdProgs) startJail(ctx context.Context, s compat.StartJail) (int, []byte, error) {
	jid, out, err := p.start.StartJail(ctx, s)
	if err != nil {
		return 0, out, fmt.Errorf("start jail %s: %w", s.Jail, err)
	}
	n, err := strconv.Atoi(jid)
	if err != nil || n <= 0 {
		// jail(8) -i prints the jid as a number; anything else leaves us
		// unable to name the jail to stop it, so say so loudly.
		return 0, out, fmt.Errorf("start jail %s: jail(8) printed %q, not a jid; the jail may be running: %w", s.Jail, jid, compat.ErrJailFailed)
	}
	return n, out, nil
}

// startCommand runs a native start's command (`[setfib -F FIB] jexec …
// JID COMMAND…`, jailcreate.go) as jail(8) runs: bounded by StartTimeout,
// its stdout and stderr together for the console log.
func (p *freebsdProgs) startCommand(ctx context.Context, argv []string) ([]byte, error) {
	return p.start.Combined(ctx, argv)
}

// stopJail kills every process of the jail as the script does (killall
// -TERM, sleep 1, killall -KILL); a jail left without processes goes away.
func (p *freebsdProgs) stopJail(ctx context.Context, jid int) error {
	return p.cmd.KillJail(ctx, compat.KillJail{JID: strconv.Itoa(jid)})
}

// jexec runs jexec(8) in jail jid (`env -i /usr/sbin/jexec` for the stop
// command, its output appended to the console log).
func (p *freebsdProgs) jexec(ctx context.Context, s compat.Jexec, jid int) error {
	s.JID = strconv.Itoa(jid)
	return p.cmd.Jexec(ctx, s)
}

// devfs runs devfs(8) for a DevfsRule, DevfsRuleset or DevfsApply step.
func (p *freebsdProgs) devfs(ctx context.Context, s compat.Step) error {
	switch s := s.(type) {
	case compat.DevfsRule:
		return p.cmd.DevfsRule(ctx, s)
	case compat.DevfsRuleset:
		return p.cmd.DevfsRuleset(ctx, s)
	case compat.DevfsApply:
		return p.cmd.DevfsApply(ctx, s)
	}
	return fmt.Errorf("devfs step %T: not a devfs step", s)
}

// aliasAdd runs ifconfig(8) unless the address is there already; then it
// reports false (not added), so that stop never removes an address this
// start did not add.
func (p *freebsdProgs) aliasAdd(ctx context.Context, a compat.Addr) (bool, error) {
	if has, err := p.present(a); err != nil || has {
		return false, err
	}
	if err := p.cmd.AliasAdd(ctx, compat.AliasAdd{Addr: a}); err != nil {
		return false, err
	}
	return true, nil
}

// aliasRemove runs `ifconfig IF inet ADDR -alias`; an address that is not
// there is not an error.
func (p *freebsdProgs) aliasRemove(ctx context.Context, a compat.Addr) error {
	if has, err := p.present(a); err != nil || !has {
		return err
	}
	return p.cmd.AliasRemove(ctx, compat.AliasRemove{Addr: a})
}

// fstab hands an fstab that fstabFreeBSD cannot map line by line to
// `mount -a -F`, as the command backend does (which checks its mount
// points for symlinks first). byProgram is false when the mount package
// can make every line.
func (p *freebsdProgs) fstab(ctx context.Context, s compat.FstabMount) (byProgram bool, err error) {
	if !fstabNeedsProgram(s) {
		return false, nil
	}
	_, err = p.cmd.FstabMount(ctx, s)
	return true, err
}

// jailConf runs `jail -f FILE -c|-r NAME`.
func (p *freebsdProgs) jailConf(ctx context.Context, s compat.JailConf) error {
	return p.cmd.JailConf(ctx, s)
}

// ifaceHasAddr asks the kernel (getifaddrs, no program) whether a is on
// its interface already.
func ifaceHasAddr(a compat.Addr) (bool, error) {
	ifi, err := net.InterfaceByName(a.Iface)
	if err != nil {
		return false, fmt.Errorf("interface %s: %w", a.Iface, err)
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return false, fmt.Errorf("addresses of %s: %w", a.Iface, err)
	}
	return ifaceHas(addrs, a.Addr), nil
}
