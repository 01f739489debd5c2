package native

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"rcjail/cmd/rcjail/cmdexec"
	"rcjail/compat"
	"rcjail/mount"
)

// FreeBSD: mounts, unmounts and mount-table reads are system calls through
// package mount (nmount, unmount by fsid, getfsstat), with the record,
// reconciliation and stop logic of executor.go. jail(8), jexec, ifconfig,
// killall, sysctl and devfs(8) stay programs, run by a command-backend
// executor (cmdexec) exactly as `-b command` runs them. The pure decisions
// live in bsdmap.go and fstab.go, the no-follow file walks in walk_posix.go.

func supported() error { return nil }

// sysState holds the program runners: cmd for every program but jail(8),
// bounded by CommandTimeout; start for jail(8), bounded by StartTimeout.
// Neither takes cmdexec's per-jail lock: the executor holds that lock
// itself (the same file, so both backends exclude each other).
type sysState struct {
	cmd, start *cmdexec.Executor
}

func newSysState(o Options) sysState {
	c := cmdexec.New(o.Root)
	c.Timeout = o.CommandTimeout
	st := cmdexec.New(o.Root)
	st.Timeout = o.StartTimeout
	return sysState{cmd: c, start: st}
}

// defaultStartTimeout is the command backend's: jail(8) returns only after
// the jail's /etc/rc has run.
const defaultStartTimeout = cmdexec.DefaultTimeout

func sysctlGet(ctx context.Context, x *Executor, mib string) (string, error) {
	return x.sys.cmd.SysctlGet(ctx, mib)
}

func sysctlSet(ctx context.Context, x *Executor, mib, value string) error {
	return x.sys.cmd.SysctlSet(ctx, compat.SysctlSet{MIB: mib, Value: value})
}

// isMounted: is dir itself a mount point (of fstype), by getfsstat. A dir
// that is missing, a symlink or not a directory is not mounted.
func isMounted(dir, fstype string) (bool, error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
			return false, nil
		}
		return false, fmt.Errorf("is %s mounted: %w", dir, err)
	}
	if !fi.IsDir() {
		return false, nil
	}
	tbl, err := mount.Table()
	if err != nil {
		return false, fmt.Errorf("is %s mounted: %w", dir, err)
	}
	return mountedAt(tbl, dir, fstype), nil
}

// kernelFSType: FreeBSD's type names are the steps' own.
func kernelFSType(e mount.Entry) string { return e.FSType }

func adoptable(e mount.Entry, req mount.Request) bool { return adoptableFreeBSD(e, req) }

// fdescfsIsLink: FreeBSD mounts a real fdescfs on dev/fd.
func fdescfsIsLink() bool          { return false }
func fdLinkOK(root, r string) bool { return false }

func rmdirStrict(root, r string) error         { return rmdirWalk(root, r) }
func symlinkStrict(target, p string) error     { return symlinkWalk(target, p) }
func readlinkStrict(p string) (string, error)  { return readlinkWalk(p) }
func dirExistsStrict(p string) bool            { return dirExistsWalk(p) }
func (x *Executor) removeState(p string) error { return x.removeStateWith(p, unix.O_RESOLVE_BENEATH) }
func (x *Executor) readState(p string) ([]byte, bool, error) {
	return x.readStateWith(p, unix.O_RESOLVE_BENEATH)
}
func (x *Executor) openState(p string, create, appendTo bool) (*os.File, error) {
	return x.openStateWith(p, create, appendTo, unix.O_RESOLVE_BENEATH)
}

// holders: FreeBSD has no /proc to scan by default; a busy unmount is
// reported without the processes (fstat(1) -f names them).
func holders(dir string) []string { return nil }

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

// aliasAdd runs ifconfig(8) as the command backend does; an address that is
// already there is left alone and reported as not added, so that stop never
// removes an address this start did not add.
func aliasAdd(ctx context.Context, x *Executor, a compat.Addr) (bool, error) {
	if has, err := ifaceHasAddr(a); err != nil || has {
		return false, err
	}
	if err := x.sys.cmd.AliasAdd(ctx, compat.AliasAdd{Addr: a}); err != nil {
		return false, err
	}
	return true, nil
}

// aliasRemove runs `ifconfig IF inet ADDR -alias`; an address that is not
// there is not an error.
func aliasRemove(ctx context.Context, x *Executor, a compat.Addr) error {
	if has, err := ifaceHasAddr(a); err != nil || !has {
		return err
	}
	return x.sys.cmd.AliasRemove(ctx, compat.AliasRemove{Addr: a})
}

// startJail runs jail(8); its first output line is the jid.
func startJail(ctx context.Context, x *Executor, s compat.StartJail) (int, []byte, error) {
	jid, out, err := x.sys.start.StartJail(ctx, s)
	if err != nil {
		return 0, out, fmt.Errorf("start jail %s: %w", s.Jail, err)
	}
	n, err := strconv.Atoi(jid)
	if err != nil || n <= 0 {
		// jail(8) -i prints the jid as a number; anything else means we
		// cannot name the jail to stop it, so say so loudly.
		return 0, out, fmt.Errorf("start jail %s: jail(8) printed %q, not a jid; the jail may be running: %w", s.Jail, jid, compat.ErrJailFailed)
	}
	return n, out, nil
}

// jailRoot asks `jls -j JID path`: the jail exists (not dying) and this is
// its root.
func jailRoot(x *Executor, jid int) (string, bool) {
	out, err := x.sys.cmd.Output(context.Background(), []string{"jls", "-j", strconv.Itoa(jid), "path"})
	if err != nil {
		return "", false
	}
	return jlsPath(out)
}

// stopJail kills every process of the jail as the script does (killall
// -TERM, sleep 1, killall -KILL); a jail without processes goes away.
func stopJail(x *Executor, jid int, root string) error {
	return x.sys.cmd.KillJail(context.Background(), compat.KillJail{JID: strconv.Itoa(jid)})
}

// jailRunning runs `jls -j JID`, as the command backend does. A jid that is
// not a number is not a running jail (and never reaches jls as an option).
func jailRunning(ctx context.Context, x *Executor, jid string) (bool, error) {
	if n, err := strconv.Atoi(jid); err != nil || n <= 0 {
		return false, nil
	}
	return x.sys.cmd.JailRunning(ctx, jid)
}

// jexec runs jexec(8) (`env -i /usr/sbin/jexec` for the stop command, its
// output appended to the console log opened without following a symlink).
func jexec(ctx context.Context, x *Executor, s compat.Jexec, jid int) error {
	s.JID = strconv.Itoa(jid)
	return x.sys.cmd.Jexec(ctx, s)
}

// devfsStep runs devfs(8) as the command backend does.
func devfsStep(ctx context.Context, x *Executor, s compat.Step) error {
	var err error
	switch s := s.(type) {
	case compat.DevfsRule:
		err = x.sys.cmd.DevfsRule(ctx, s)
	case compat.DevfsRuleset:
		err = x.sys.cmd.DevfsRuleset(ctx, s)
	case compat.DevfsApply:
		err = x.sys.cmd.DevfsApply(ctx, s)
	default:
		err = fmt.Errorf("devfs step %T: unknown", s)
	}
	if err == nil {
		x.effect()
	}
	return err
}

// jailConf runs `jail -f FILE -c|-r NAME`, under the jail's lock.
func jailConf(ctx context.Context, x *Executor, s compat.JailConf) error {
	if _, err := x.jail(s.Jail); err != nil {
		return err
	}
	if err := x.sys.cmd.JailConf(ctx, s); err != nil {
		return err
	}
	x.effect()
	return nil
}

// unmountExpect unmounts through package mount; a mount of another type
// (an fstab line `mount -a -F` mounted: ufs, nfs …) is unmounted by its
// fsid, which expectFor read from getfsstat, so no path is resolved.
func unmountExpect(e mount.Expect) error {
	if mountPkgType(e.FSType) {
		return mount.Unmount(e)
	}
	full := e.Root + "/" + e.Target
	if e.ID == 0 {
		return &mount.Error{Op: "unmount", FSType: e.FSType, Target: full, Err: errors.New("no fsid to unmount by")}
	}
	if err := unix.Unmount(fsidPath(e.ID), unix.MNT_BYFSID); err != nil {
		if errors.Is(err, unix.ENOENT) {
			err = fmt.Errorf("%w (%w)", mount.ErrNotMounted, err)
		}
		return &mount.Error{Op: "unmount", FSType: e.FSType, Target: full, Err: fmt.Errorf("%s: %w", fsidPath(e.ID), err)}
	}
	return nil
}

// fstabProgram hands an fstab that fstabFreeBSD cannot map whole to
// `mount -a -F`, as the command backend does (its mount points are checked
// for symlinks first); its mounts are not in the record, and stop finds
// them in the mount table.
func fstabProgram(ctx context.Context, x *Executor, s compat.FstabMount) (bool, error) {
	if !fstabNeedsProgram(s) {
		return false, nil
	}
	return true, x.sys.cmd.FstabMount(ctx, s)
}

func fstabRequest(root, r string, e compat.FstabEntry) (mount.Request, error) {
	req, ok := fstabFreeBSD(root, e)
	if !ok {
		return mount.Request{}, fmt.Errorf("fstab line %q %q %q %q: %w", e.Device, e.MountPoint, e.FSType, e.Options, errors.ErrUnsupported)
	}
	return req, nil
}
