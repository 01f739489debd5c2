package native

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"rcjail/compat"
	"rcjail/compat/native/linuxjail"
	"rcjail/compat/native/proc"
	"rcjail/compat/state"
	"rcjail/mount"
)

func supported() error { return nil }

// sysState: Linux keeps nothing beside the executor (jails are linuxjail's).
type sysState struct{}

func newSysState(Options) sysState { return sysState{} }

// defaultStartTimeout bounds the jail's start command.
const defaultStartTimeout = linuxjail.DefaultStartTimeout

// jailAt finds the live jail init of ours whose root is root.
func jailAt(_ context.Context, _ *Executor, root string) (int, bool) { return linuxjail.At(root) }

// jailRoot reports whether jid is a live jail init of ours, and its root.
func jailRoot(_ *Executor, jid int) (string, bool) { return linuxjail.Root(jid) }

// settle waits for the init jid of a jail recorded in root to have
// entered it, when it is still setting up (linuxjail.Settle).
func settle(x *Executor, jid int, root string) { linuxjail.Settle(jid, root, x.opts.StartTimeout) }

// stopJail stops every process of the jail: TERM, wait, KILL.
func stopJail(x *Executor, jid int, root string) error {
	return linuxjail.Stop(jid, root, x.opts.StopTimeout)
}

// jailRunning: the jid must be a live jail init of ours, not merely a
// process with that pid.
func jailRunning(_ context.Context, _ *Executor, jid string) (bool, error) {
	n, err := strconv.Atoi(jid)
	if err != nil {
		return false, nil
	}
	_, ok := linuxjail.Root(n)
	return ok, nil
}

// jexec runs s.Argv inside the jail's namespaces and root, with the hygiene
// of package proc.
func jexec(ctx context.Context, x *Executor, s compat.Jexec, jid int) error {
	if _, ok := linuxjail.Root(jid); !ok {
		return fmt.Errorf("jail %s: jexec %s: jid %d is not a running jail", s.Jail, strings.Join(s.Argv, " "), jid)
	}
	// An afterstart command's output goes where the script's jexec puts
	// it: the script's stdout and stderr (compat.Executor.SetHookOutput).
	c := proc.Cmd{Argv: linuxjail.ExecCmd(jid, s.Argv), Timeout: x.opts.CommandTimeout, Stdout: x.opts.Stdout, Stderr: x.opts.Stderr}
	if s.AppendLog != "" {
		f, err := x.openState(s.AppendLog, true, true, state.Console)
		if err != nil {
			return fmt.Errorf("jail %s: jexec: %w", s.Jail, err)
		}
		defer f.Close()
		c.Stdout, c.Stderr = f, f
	}
	if err := proc.Run(ctx, c); err != nil {
		return fmt.Errorf("jail %s: jexec %s: %w", s.Jail, strings.Join(s.Argv, " "), err)
	}
	return nil
}

// devfsStep: the devfs stand-in is a fixed, minimal set of nodes, so devfs
// rules have nothing to act on.
func devfsStep(context.Context, *Executor, compat.Step) error { return nil }

// jailConf: jail.conf jails are jail(8)'s own.
func jailConf(_ context.Context, _ *Executor, s compat.JailConf) error {
	return fmt.Errorf("jail %s: jail.conf %s: %w", s.Jail, s.File, errors.ErrUnsupported)
}

// unmountExpect: every mount a Linux start makes is package mount's.
func unmountExpect(e mount.Expect) error { return mount.Unmount(e) }

// fstabProgram: Linux never hands an fstab to a program (fstabLinux
// refuses what it cannot map).
func fstabProgram(context.Context, *Executor, compat.FstabMount) (bool, error) { return false, nil }

func fstabRequest(root, r string, e compat.FstabEntry) (mount.Request, error) {
	return fstabLinux(root, r, e)
}

// jailSysctls are FreeBSD's jail knobs; Linux has no such sysctls, so their
// values live in the state directory (with FreeBSD's defaults) and the
// "Configuring jails:" block behaves as on FreeBSD without touching the host.
var jailSysctls = map[string]string{
	"security.jail.set_hostname_allowed":    "1",
	"security.jail.socket_unixiproute_only": "1",
	"security.jail.sysvipc_allowed":         "0",
}

func sysctlGet(_ context.Context, x *Executor, mib string) (string, error) {
	if def, ok := jailSysctls[mib]; ok {
		// Read without creating the state directory (a query). A state
		// file like any other: no FIFO or huge file stalls it.
		dir, err := state.FindDir(x.opts.Root)
		if err != nil {
			return def, nil
		}
		defer dir.Close()
		f, err := dir.Open(state.SysctlName(mib), unix.O_RDONLY, 0)
		if err != nil {
			return def, nil
		}
		defer f.Close()
		v, err := state.ReadID(f)
		if err != nil {
			return def, nil
		}
		return v, nil
	}
	if strings.ContainsAny(mib, "/") || mib == "" {
		return "", fmt.Errorf("sysctl %q: unknown oid", mib)
	}
	b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(mib, ".", "/"))
	if err != nil {
		return "", fmt.Errorf("sysctl %q: unknown oid: %w", mib, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func sysctlSet(_ context.Context, x *Executor, mib, value string) error {
	if _, ok := jailSysctls[mib]; !ok {
		// Only the jail knobs are ever set; a host sysctl is not ours to
		// change.
		return fmt.Errorf("sysctl %s=%s: not a jail sysctl: %w", mib, value, errors.ErrUnsupported)
	}
	dir, err := x.stateDir()
	if err != nil {
		return err
	}
	if err := writeAtomic(dir, state.SysctlName(mib), []byte(value+"\n"), false); err != nil {
		return fmt.Errorf("sysctl %s=%s: %w", mib, value, err)
	}
	return nil
}

// isMounted: is dir itself the root of a mount (statx, without following a
// final symlink), of a file system standing in for fstype?
func isMounted(dir, fstype string) (bool, error) {
	if fstype == compat.FSFdescfs {
		return false, nil // never mounted on Linux, see fdescfsIsLink
	}
	var stx unix.Statx_t
	err := unix.Statx(unix.AT_FDCWD, dir, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, unix.STATX_MNT_ID|unix.STATX_TYPE, &stx)
	if err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return false, nil
		}
		return false, fmt.Errorf("is %s mounted: statx: %w", dir, err)
	}
	if stx.Mode&unix.S_IFMT == unix.S_IFLNK || stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT == 0 {
		return false, nil
	}
	var magic int64
	switch fstype {
	case compat.FSProcfs:
		magic = unix.PROC_SUPER_MAGIC
	case compat.FSDevfs:
		magic = unix.TMPFS_MAGIC
	default:
		return true, nil
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, fmt.Errorf("is %s mounted: %w", dir, err)
	}
	defer unix.Close(fd)
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err != nil {
		return false, fmt.Errorf("is %s mounted: statfs: %w", dir, err)
	}
	return sfs.Type == magic, nil
}

// kernelFSType maps a mount table entry to the type a step would name.
func kernelFSType(e mount.Entry) string {
	switch e.FSType {
	case "proc":
		return mount.ProcFS
	case "tmpfs":
		return mount.TmpFS
	}
	return mount.NullFS
}

// adoptable reports whether the mount e is exactly what req would make:
// same type, same read-only state, and for a bind the very directory req
// names as its source (device and inode).
func adoptable(e mount.Entry, req mount.Request) bool {
	if e.ReadOnly != req.ReadOnly {
		return false
	}
	kt := kernelFSType(e)
	switch req.FSType {
	case mount.ProcFS:
		return kt == mount.ProcFS
	case mount.DevFS, mount.TmpFS:
		return kt == mount.TmpFS
	case mount.NullFS:
		fi, err := mount.Resolve(req.Root, req.Target)
		if err != nil {
			return false
		}
		st, ok := fi.Sys().(*unix.Stat_t)
		var src unix.Stat_t
		if !ok || unix.Stat(req.Source, &src) != nil {
			return false
		}
		return st.Dev == src.Dev && st.Ino == src.Ino
	}
	return false
}

// fdescfsIsLink: Linux has no fdescfs; the devfs stand-in's dev/fd is a
// symlink to /proc/self/fd, so fdescfs steps are no-ops.
func fdescfsIsLink() bool { return true }

// fdLinkOK reports whether r is dev/fd and already the devfs stand-in's
// fd -> /proc/self/fd link (then Mkdir has nothing to do).
func fdLinkOK(root, r string) bool {
	if r != "dev/fd" {
		return false
	}
	l, err := readlinkStrict(path.Join(root, r))
	return err == nil && l == "/proc/self/fd"
}

const strictResolve = unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS

// openParentStrict opens the parent directory of the absolute path p with
// no symlink in any component, and returns it with p's last component.
func openParentStrict(p string) (int, string, error) {
	p = path.Clean(p)
	dir, name := path.Split(p)
	slash, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", err
	}
	defer unix.Close(slash)
	rel := strings.TrimPrefix(path.Clean(dir), "/")
	if rel == "" {
		rel = "."
	}
	fd, err := unix.Openat2(slash, rel, &unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: strictResolve})
	if err != nil {
		return -1, "", fmt.Errorf("open %s without following symlinks: %w", dir, err)
	}
	return fd, name, nil
}

// rmdirStrict is rmdirVia over openat2, with statx telling a mount root
// apart even when a bind mount shares its parent's device.
func rmdirStrict(root, r string) error { return rmdirVia(openParentStrict, probeStatx, root, r) }

func probeStatx(pfd int, name string) (isDir, mountRoot bool, err error) {
	var stx unix.Statx_t
	if err := unix.Statx(pfd, name, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT, unix.STATX_TYPE, &stx); err != nil {
		return false, false, err
	}
	return stx.Mode&unix.S_IFMT == unix.S_IFDIR, stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0, nil
}

func symlinkStrict(target, p string) error    { return symlinkVia(openParentStrict, target, p) }
func readlinkStrict(p string) (string, error) { return readlinkVia(openParentStrict, p) }

// holders lists the processes whose cwd, root or an open file is at or
// below dir: what keeps a busy mount busy.
func holders(dir string) []string {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	in := func(p string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }
	var out []string
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		base := "/proc/" + e.Name()
		hit := ""
		for _, l := range []string{"cwd", "root"} {
			if t, err := os.Readlink(base + "/" + l); err == nil && in(t) {
				hit = l
			}
		}
		if hit == "" {
			fds, _ := os.ReadDir(base + "/fd")
			for _, f := range fds {
				if t, err := os.Readlink(base + "/fd/" + f.Name()); err == nil && in(t) {
					hit = "fd " + f.Name()
					break
				}
			}
		}
		if hit != "" {
			comm, _ := os.ReadFile(base + "/comm")
			out = append(out, fmt.Sprintf("pid %s (%s, %s)", e.Name(), strings.TrimSpace(string(comm)), hit))
		}
	}
	return out
}

// aliasAdd adds a to its interface with ip(8). false: it was already there.
func aliasAdd(ctx context.Context, x *Executor, a compat.Addr) (bool, error) {
	cidr, fam, err := addrCIDR(a)
	if err != nil {
		return false, err
	}
	// Already there: asked of the kernel (the interface's address list,
	// RTM_GETADDR), not guessed from ip(8)'s error text, which changes
	// between iproute2 versions ("File exists", "Address already
	// assigned").
	if has, err := ifaceHasAddr(a); err != nil {
		return false, fmt.Errorf("add alias %s to %s: %w", cidr, a.Iface, err)
	} else if has {
		return false, nil
	}
	var stderr bytes.Buffer
	err = proc.Run(ctx, proc.Cmd{Argv: []string{"ip", fam, "addr", "add", cidr, "dev", a.Iface}, Stderr: &stderr, Timeout: x.opts.CommandTimeout})
	if err != nil {
		return false, fmt.Errorf("add alias %s to %s: %w: %s", cidr, a.Iface, err, strings.TrimSpace(stderr.String()))
	}
	return true, nil
}

// aliasRemove removes a; an address that is not there is not an error.
func aliasRemove(ctx context.Context, x *Executor, a compat.Addr) error {
	cidr, fam, err := addrCIDR(a)
	if err != nil {
		return err
	}
	// Gone already (a crash between the removal and its journal line, or
	// an intent journaled before an add that never happened): done. The
	// kernel is asked, as aliasAdd does, not ip(8)'s error text.
	if has, err := ifaceHasAddr(a); err == nil && !has {
		return nil
	}
	var stderr bytes.Buffer
	err = proc.Run(ctx, proc.Cmd{Argv: []string{"ip", fam, "addr", "del", cidr, "dev", a.Iface}, Stderr: &stderr, Timeout: x.opts.CommandTimeout})
	if err != nil {
		if strings.Contains(stderr.String(), "Cannot assign requested address") {
			return nil
		}
		return fmt.Errorf("remove alias %s from %s: %w: %s", cidr, a.Iface, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// addrCIDR turns the script's address and mask ("/24", " netmask
// 255.255.255.0", " netmask 0xffffff00", "") into ADDR/PLEN.
func addrCIDR(a compat.Addr) (string, string, error) {
	ip := net.ParseIP(a.Addr)
	if ip == nil {
		return "", "", fmt.Errorf("alias %q: not an IP address", a.Addr)
	}
	fam, plen := "-4", 32
	if ip.To4() == nil {
		fam, plen = "-6", 128
	}
	m := strings.TrimSpace(a.Mask)
	switch {
	case m == "":
	case strings.HasPrefix(m, "/"):
		n, err := strconv.Atoi(m[1:])
		if err != nil || n < 0 || n > plen {
			return "", "", fmt.Errorf("alias %s: bad prefix length %q", a.Addr, a.Mask)
		}
		plen = n
	case strings.HasPrefix(m, "netmask "):
		v := strings.TrimSpace(strings.TrimPrefix(m, "netmask "))
		var mask uint64
		if strings.HasPrefix(v, "0x") {
			n, err := strconv.ParseUint(v[2:], 16, 32)
			if err != nil {
				return "", "", fmt.Errorf("alias %s: bad netmask %q", a.Addr, v)
			}
			mask = n
		} else if mip := net.ParseIP(v).To4(); mip != nil {
			mask = uint64(mip[0])<<24 | uint64(mip[1])<<16 | uint64(mip[2])<<8 | uint64(mip[3])
		} else {
			return "", "", fmt.Errorf("alias %s: bad netmask %q", a.Addr, v)
		}
		plen = bits.OnesCount64(mask)
	default:
		return "", "", fmt.Errorf("alias %s: bad mask %q", a.Addr, a.Mask)
	}
	return ip.String() + "/" + strconv.Itoa(plen), fam, nil
}

// startJail runs the jail with its output in an anonymous file: what the
// start command printed is handed back for the console log.
// created is called with the jid the moment the jail exists, before its
// start command has finished (see linuxjail.Spec.Created).
func startJail(ctx context.Context, x *Executor, s compat.StartJail, created func(int) error) (int, []byte, error) {
	if s.Fib != "" {
		x.warnf("jail %s: fib %s ignored: Linux has no FIBs", s.Jail, s.Fib)
	}
	vnet, ifaces, rest := vnetParams(s.Params)
	var netns *os.File
	if vnet {
		ns, err := vnetSetup(s, ifaces)
		if err != nil {
			return 0, nil, err
		}
		// The jail's processes keep the namespace; ours goes after the start.
		defer ns.Close()
		netns = ns
	}
	fd, err := unix.MemfdCreate("rcjail-console", unix.MFD_CLOEXEC)
	if err != nil {
		return 0, nil, fmt.Errorf("start jail %s: console buffer: %w", s.Jail, err)
	}
	f := os.NewFile(uintptr(fd), "console")
	defer f.Close()
	// vnet and vnet.interface are done above; the rest map to capabilities.
	params := append(slices.Clone(s.Flags), rest...)
	_, unmapped := linuxjail.Caps(params)
	for _, u := range unmapped {
		x.warnf("jail %s: %s not granted on Linux (%s)", s.Jail, strings.SplitN(u, ":", 2)[0], strings.TrimSpace(strings.SplitN(u, ":", 2)[1]))
	}
	jid, err := linuxjail.Start(ctx, linuxjail.Spec{Root: s.Root, Hostname: s.Hostname, Command: s.Command, Params: params, Output: f, Timeout: x.opts.StartTimeout, NetNS: netns, Created: created})
	out, _ := io.ReadAll(io.NewSectionReader(f, 0, 1<<20))
	if err != nil {
		return 0, out, fmt.Errorf("start jail %s: %w", s.Jail, err)
	}
	return jid, out, nil
}

// stateFlags are the open flags for rcjail's own files: the last
// component is never followed (a console-log symlink planted by a jail must
// not make us write a host file).
const stateFlags = unix.O_NOFOLLOW | unix.O_CLOEXEC

// openStateAt opens the host path p: below a known jail root with no
// symlink at all; elsewhere resolved inside the -R root (symlinks such as
// /var/run -> /run resolve within it, as package state resolves them for
// the other backends and status) with the last component not followed,
// unless p is opened as a directory (O_DIRECTORY: a state file's parent).
func (x *Executor) openStateAt(p string, flags int, mode uint32) (int, error) {
	p = path.Clean(p)
	if !path.IsAbs(p) {
		return -1, fmt.Errorf("%q is not an absolute path", p)
	}
	for _, js := range x.sortedJails() {
		if js.root != "" && strings.HasPrefix(p, js.root+"/") {
			rfd, err := unix.Open(js.root, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err != nil {
				return -1, err
			}
			defer unix.Close(rfd)
			return unix.Openat2(rfd, strings.TrimPrefix(p, js.root+"/"), &unix.OpenHow{Flags: uint64(flags | stateFlags), Mode: uint64(mode), Resolve: strictResolve})
		}
	}
	rfd, err := unix.Open(x.opts.Root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(rfd)
	rel := strings.TrimPrefix(p, "/")
	if rel == "" {
		rel = "."
	}
	f := flags | stateFlags
	if flags&unix.O_DIRECTORY != 0 {
		// A host directory (/var/run, which is a symlink to /run on
		// systemd Linux) is followed, as every component before it is
		// (SPEC §3.8): only the file itself is never followed.
		f &^= unix.O_NOFOLLOW
	}
	return unix.Openat2(rfd, rel, &unix.OpenHow{Flags: uint64(f), Mode: uint64(mode), Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS})
}

func (x *Executor) openState(p string, create, appendTo bool, kind state.Kind) (*os.File, error) {
	return state.OpenVia(x.openStateAt, p, create, appendTo, kind)
}

func (x *Executor) readID(p string) (string, bool, error) { return state.ReadIDVia(x.openStateAt, p) }

func (x *Executor) checkState(p string, kind state.Kind) error {
	return state.CheckVia(x.openStateAt, p, kind)
}

func (x *Executor) removeState(p string) error { return state.RemoveVia(x.openStateAt, p) }

// devfsMountedWith: the devfs stand-in has no rulesets.
func devfsMountedWith(*Executor, string, int) {}

// jailConfAll: jail.conf files are jail(8)'s; Linux has none.
func jailConfAll(_ context.Context, _ *Executor, s compat.JailConfAll) ([]byte, error) {
	return nil, fmt.Errorf("jail.conf %s: jail.conf files are FreeBSD jail(8)'s: %w", s.File, errors.ErrUnsupported)
}

// listJails: Linux jails have no names to list (jls(8) is FreeBSD's).
func listJails(context.Context, *Executor) ([]compat.RunningJail, error) {
	return nil, fmt.Errorf("list jails by name: %w", errors.ErrUnsupported)
}
