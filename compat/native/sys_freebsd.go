package native

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"rcjail/compat"
	"rcjail/compat/cmdexec"
	"rcjail/compat/state"
	"rcjail/mount"
)

// FreeBSD: mounts, unmounts and mount-table reads are system calls through
// package mount (nmount, unmount by fsid, getfsstat), with the record,
// reconciliation and stop logic of executor.go. jail(8), jls, jexec,
// ifconfig, killall, sysctl and devfs(8) stay programs, run exactly as
// `-b command` runs them (progs.go). The pure decisions live in bsdmap.go
// and fstab.go, the no-follow file walks in walk_posix.go: all portable and
// tested on Linux, so that this file is only the wiring.

func supported() error { return nil }

// sysState holds the program runners (progs.go) and the devfs mounts this
// run made with their ruleset.
type sysState struct {
	progs *freebsdProgs
	devfs *devfsRulesets
}

type devfsRulesets struct {
	mu sync.Mutex
	at map[string]int // mount point -> ruleset it was mounted with
}

func newSysState(o Options) sysState {
	return sysState{progs: newFreeBSDProgs(o), devfs: &devfsRulesets{at: map[string]int{}}}
}

// devfsMountedWith records that dir was mounted here with ruleset n.
func devfsMountedWith(x *Executor, dir string, n int) {
	x.sys.devfs.mu.Lock()
	defer x.sys.devfs.mu.Unlock()
	x.sys.devfs.at[path.Clean(dir)] = n
}

// defaultStartTimeout is the command backend's: jail(8) returns only after
// the jail's /etc/rc has run.
const defaultStartTimeout = cmdexec.DefaultTimeout

func sysctlGet(ctx context.Context, x *Executor, mib string) (string, error) {
	return x.sys.progs.sysctlGet(ctx, mib)
}

func sysctlSet(ctx context.Context, x *Executor, mib, value string) error {
	return x.sys.progs.sysctlSet(ctx, mib, value)
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

func adoptable(e mount.Entry, req mount.Request) bool {
	return adoptableFreeBSD(e, req, req.FSType == mount.NullFS && lowerReadOnly(req.Source))
}

// lowerReadOnly reports whether the file system holding the nullfs source
// src is mounted read-only (opened with no symlink; unknown counts as not).
func lowerReadOnly(src string) bool {
	fd, err := mount.OpenDir(src)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var st unix.Statfs_t
	return unix.Fstatfs(fd, &st) == nil && st.Flags&unix.MNT_RDONLY != 0
}

// fdescfsIsLink: FreeBSD mounts a real fdescfs on dev/fd.
func fdescfsIsLink() bool          { return false }
func fdLinkOK(root, r string) bool { return false }

func rmdirStrict(root, r string) error         { return rmdirWalk(root, r) }
func symlinkStrict(target, p string) error     { return symlinkWalk(target, p) }
func readlinkStrict(p string) (string, error)  { return readlinkWalk(p) }
func (x *Executor) removeState(p string) error { return x.removeStateWith(p, unix.O_RESOLVE_BENEATH) }
func (x *Executor) readID(p string) (string, bool, error) {
	return x.readIDWith(p, unix.O_RESOLVE_BENEATH)
}
func (x *Executor) openState(p string, create, appendTo bool, kind state.Kind) (*os.File, error) {
	return x.openStateWith(p, create, appendTo, kind, unix.O_RESOLVE_BENEATH)
}
func (x *Executor) checkState(p string, kind state.Kind) error {
	return x.checkStateWith(p, kind, unix.O_RESOLVE_BENEATH)
}

// holders: FreeBSD has no /proc to scan by default; a busy unmount is
// reported without the processes (fstat(1) -f names them).
func holders(dir string) []string { return nil }

func aliasAdd(ctx context.Context, x *Executor, a compat.Addr) (bool, error) {
	return x.sys.progs.aliasAdd(ctx, a)
}

func aliasRemove(ctx context.Context, x *Executor, a compat.Addr) error {
	return x.sys.progs.aliasRemove(ctx, a)
}

// startJail creates the jail and reports its jid through created before
// its start command runs (jailcreate.go); a start only jail(8) can make
// exactly (nativeCreate says why) runs jail(8), whose jid is known only
// once its command ran.
func startJail(ctx context.Context, x *Executor, s compat.StartJail, created func(int) error) (int, []byte, error) {
	if c, why := nativeCreate(s); why == "" {
		return createAndStart(ctx, kernelJails{x.sys.progs}, s.Jail, c, allowParams(unix.SysctlUint32), created)
	}
	jid, out, err := x.sys.progs.startJail(ctx, s)
	if err == nil {
		if cerr := created(jid); cerr != nil {
			_ = stopJail(x, jid, s.Root)
			return 0, out, cerr
		}
	}
	return jid, out, err
}

// jailRoot and stopJail run outside any step's context (the record's jail
// is stopped before a stop's first step); their programs have their own
// time limit.
func jailRoot(x *Executor, jid int) (string, bool) {
	return x.sys.progs.jailRoot(context.Background(), jid)
}

// jailAt finds the running jail whose root is root (`jls jid path`) that
// no id file names.
func jailAt(ctx context.Context, x *Executor, root string) (int, bool) {
	jids, err := x.sys.progs.cmd.JailsAt(ctx, root)
	if err != nil || len(jids) == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(jids[0])
	return n, err == nil
}

// settle: jail(8) creates a jail in its root at once; nothing to wait for.
func settle(*Executor, int, string) {}

// stopJail kills the jail's processes as the script does, then clears
// persist: a jail whose native start was killed during its start command
// is still persistent, and would outlive its processes.
func stopJail(x *Executor, jid int, root string) error {
	if err := x.sys.progs.stopJail(context.Background(), jid); err != nil {
		return err
	}
	return clearPersist(jid)
}

func jailRunning(ctx context.Context, x *Executor, jid string) (bool, error) {
	return x.sys.progs.jailRunning(ctx, jid)
}

func jexec(ctx context.Context, x *Executor, s compat.Jexec, jid int) error {
	// An afterstart command's output goes where the script's jexec puts
	// it: the script's stdout and stderr (compat.Executor.SetHookOutput).
	x.sys.progs.cmd.SetHookOutput(x.opts.Stdout, x.opts.Stderr)
	return x.sys.progs.jexec(ctx, s, jid)
}

// devfsStep runs devfs(8), except where the kernel already did the work:
// a devfs this run mounted with the jail's ruleset (devfsByProgram).
func devfsStep(ctx context.Context, x *Executor, s compat.Step) error {
	x.sys.devfs.mu.Lock()
	byProgram := devfsByProgram(s, x.sys.devfs.at)
	x.sys.devfs.mu.Unlock()
	if byProgram {
		if err := x.sys.progs.devfs(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// jailConf runs `jail -f FILE -c|-r NAME`, under the jail's lock.
func jailConf(ctx context.Context, x *Executor, s compat.JailConf) error {
	if _, err := x.jail(s.Jail, ""); err != nil {
		return err
	}
	if err := x.sys.progs.jailConf(ctx, s); err != nil {
		return err
	}
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

// fstabProgram: an fstab with a line the mount package does not make as
// mount(8) would goes to `mount -a -F` whole (progs.go); its mounts are not
// in the record, and stop finds them in the mount table.
func fstabProgram(ctx context.Context, x *Executor, s compat.FstabMount) (bool, error) {
	return x.sys.progs.fstab(ctx, s)
}

func fstabRequest(root, r string, e compat.FstabEntry) (mount.Request, error) {
	req, ok := fstabFreeBSD(root, e)
	if !ok {
		return mount.Request{}, fmt.Errorf("fstab line %q %q %q %q: %w", e.Device, e.MountPoint, e.FSType, e.Options, errors.ErrUnsupported)
	}
	return req, nil
}

// jailConfAll runs `jail -f FILE -c [-p1]` (the _ALL path); jail(8) mounts
// what jail.conf says.
func jailConfAll(ctx context.Context, x *Executor, s compat.JailConfAll) ([]byte, error) {
	out, err := x.sys.progs.start.JailConfAll(ctx, s)
	return out, err
}

// listJails runs `jls jid name`.
func listJails(ctx context.Context, x *Executor) ([]compat.RunningJail, error) {
	return x.sys.progs.cmd.ListJails(ctx)
}
