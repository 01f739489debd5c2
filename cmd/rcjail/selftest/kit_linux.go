package selftest

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"rcjail/compat/native/linuxjail"
	"rcjail/mount"
)

// KitEnv, when set, makes rcjail run as a stand-in for the FreeBSD program
// it is named after (the links installKit makes). Only selftest sets it,
// inside its private namespace, for the command backend.
const KitEnv = "RCJAIL_SELFTEST_KIT"

// kit maps a FreeBSD program the command backend runs to its Linux
// stand-in. Each makes the kernel object the native backend's Linux mapping
// makes (mount package documentation): nullfs a bind (read-only: remounted
// ro, nosuid, nodev), devfs a small tmpfs with the jail's device nodes,
// procfs proc, a jail a linuxjail namespace tree. fdescfs, which Linux
// lacks, is a read-only tmpfs whose 0, 1, 2 link to /proc/self/fd, so that
// the command backend's fdescfs step has something real to mount and
// unmount; its devfs therefore has fd as a directory, as FreeBSD's has.
var kit = map[string]func(args []string) int{
	"mount_nullfs": kitNullfs,
	"mount":        kitMount,
	"umount":       kitUmount,
	"df":           kitDf,
	"devfs":        kitDevfs,
	"jail":         kitJail,
	"jls":          kitJls,
	"jexec":        kitJexec,
	"env":          kitEnv,
	"killall":      kitKillall,
}

func init() {
	if os.Getenv(KitEnv) == "" || len(os.Args) == 0 {
		return
	}
	if f, ok := kit[filepath.Base(os.Args[0])]; ok {
		os.Exit(f(os.Args[1:]))
	}
}

// installKit copies this binary into dir and links every kit program to
// it; it returns the directory to put first on PATH.
func installKit(dir string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "bin")
	if err := copyFile(exe, filepath.Join(dir, "rcjail"), 0o555); err != nil {
		return "", err
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	for name := range kit {
		if err := os.Symlink("../rcjail", filepath.Join(bin, name)); err != nil {
			return "", err
		}
	}
	return bin, nil
}

func kitFail(prog string, err error) int {
	fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
	return 1
}

const roFlags = unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV

// mount_nullfs [-o ro] SOURCE TARGET
func kitNullfs(args []string) int {
	ro := false
	if len(args) == 4 && args[0] == "-o" && args[1] == "ro" {
		ro, args = true, args[2:]
	}
	if len(args) != 2 {
		return kitFail("mount_nullfs", fmt.Errorf("usage: mount_nullfs [-o ro] source target"))
	}
	if err := unix.Mount(args[0], args[1], "", unix.MS_BIND, ""); err != nil {
		return kitFail("mount_nullfs", fmt.Errorf("%s: %w", args[1], err))
	}
	if ro {
		if err := unix.Mount("", args[1], "", roFlags, ""); err != nil {
			_ = unix.Unmount(args[1], 0)
			return kitFail("mount_nullfs", fmt.Errorf("%s: read-only: %w", args[1], err))
		}
	}
	return 0
}

// mount -t devfs|fdescfs|procfs FROM TARGET
func kitMount(args []string) int {
	if len(args) != 4 || args[0] != "-t" {
		return kitFail("mount", fmt.Errorf("usage: mount -t devfs|fdescfs|procfs from target (selftest stand-in)"))
	}
	target := args[3]
	var err error
	switch args[1] {
	case "procfs":
		err = unix.Mount("proc", target, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
	case "devfs":
		err = unix.Mount("devfs", target, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755,size=64k")
		if err == nil {
			if err = kitPopulateDev(target); err != nil {
				_ = unix.Unmount(target, unix.MNT_DETACH)
			}
		}
	case "fdescfs":
		err = unix.Mount("fdescfs", target, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC|unix.MS_NODEV, "mode=0555,size=4k")
		if err == nil {
			for i := 0; i < 3 && err == nil; i++ {
				err = os.Symlink("/proc/self/fd/"+strconv.Itoa(i), filepath.Join(target, strconv.Itoa(i)))
			}
			if err == nil {
				err = unix.Mount("", target, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NOEXEC|unix.MS_NODEV, "mode=0555,size=4k")
			}
			if err != nil {
				_ = unix.Unmount(target, unix.MNT_DETACH)
			}
		}
	default:
		err = fmt.Errorf("type %s: not in the selftest kit", args[1])
	}
	if err != nil {
		return kitFail("mount", fmt.Errorf("%s: %w", target, err))
	}
	return 0
}

func kitPopulateDev(dir string) error {
	for _, n := range []struct {
		name         string
		major, minor uint32
	}{{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}} {
		p := filepath.Join(dir, n.name)
		if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(n.major, n.minor))); err != nil {
			return err
		}
		if err := os.Chmod(p, 0o666); err != nil {
			return err
		}
	}
	for i, n := range []string{"stdin", "stdout", "stderr"} {
		if err := os.Symlink("fd/"+strconv.Itoa(i), filepath.Join(dir, n)); err != nil {
			return err
		}
	}
	return os.Mkdir(filepath.Join(dir, "fd"), 0o555)
}

// umount [-f] TARGET; -f is a lazy detach, as close as Linux comes to
// FreeBSD's forced unmount.
func kitUmount(args []string) int {
	flags := 0
	if len(args) == 2 && args[0] == "-f" {
		flags, args = unix.MNT_DETACH, args[1:]
	}
	if len(args) != 1 {
		return kitFail("umount", fmt.Errorf("usage: umount [-f] target"))
	}
	if err := unix.Unmount(args[0], flags); err != nil {
		return kitFail("umount", fmt.Errorf("%s: %w", args[0], err))
	}
	return 0
}

// kitType is the FreeBSD type name of a mount the kit (or the scratch
// tmpfs) made.
func kitType(e mount.Entry) string {
	switch {
	case e.FSType == "proc":
		return "procfs"
	case e.FSType == "tmpfs" && e.Source == "devfs":
		return "devfs"
	case e.FSType == "tmpfs" && e.Source == "fdescfs":
		return "fdescfs"
	case e.Root != "/" && e.Root != "":
		return "nullfs"
	}
	return e.FSType
}

// df [-t TYPE] DIR: the mount DIR is on, as FreeBSD's df prints it (the
// mount point last); with -t, nothing when it is of another type.
func kitDf(args []string) int {
	typ := ""
	if len(args) == 3 && args[0] == "-t" {
		typ, args = args[1], args[2:]
	}
	if len(args) != 1 {
		return kitFail("df", fmt.Errorf("usage: df [-t type] dir"))
	}
	p, err := filepath.EvalSymlinks(args[0])
	if err != nil {
		return kitFail("df", err)
	}
	t, err := mount.Table()
	if err != nil {
		return kitFail("df", err)
	}
	var on *mount.Entry
	for i := range t {
		e := &t[i]
		if e.Target == p || e.Target == "/" || strings.HasPrefix(p, e.Target+"/") {
			if on == nil || len(e.Target) >= len(on.Target) {
				on = e
			}
		}
	}
	fmt.Println("Filesystem 1K-blocks Used Avail Capacity Mounted on")
	if on == nil || (typ != "" && kitType(*on) != typ) {
		return 1
	}
	fmt.Printf("%s 0 0 0 0%% %s\n", on.Source, on.Target)
	return 0
}

// devfs -m DIR ruleset N | rule applyset: the stand-in devfs holds only
// the jail's nodes already, so there is nothing to hide.
func kitDevfs(args []string) int { return 0 }

// jail [-l] [-U user] -i PATH HOSTNAME IP COMMAND...
func kitJail(args []string) int {
	for len(args) > 0 && args[0] != "-i" {
		if args[0] == "-U" {
			args = args[1:]
		}
		args = args[1:]
	}
	if len(args) < 5 {
		return kitFail("jail", fmt.Errorf("usage: jail [-l] [-U user] -i path hostname ip command…"))
	}
	root, host, cmd := args[1], args[2], args[4:]
	fd, err := unix.MemfdCreate("rcjail-console", unix.MFD_CLOEXEC)
	if err != nil {
		return kitFail("jail", err)
	}
	out := os.NewFile(uintptr(fd), "console")
	defer out.Close()
	jid, err := linuxjail.Start(context.Background(), linuxjail.Spec{Root: root, Hostname: host, Command: cmd, Output: out})
	b, _ := io.ReadAll(io.NewSectionReader(out, 0, 1<<20))
	if err != nil {
		os.Stdout.Write(b)
		return kitFail("jail", err)
	}
	fmt.Println(jid)
	os.Stdout.Write(b)
	return 0
}

// jailArg reads a jid argument: it must name a live jail.
func jailArg(s string) (int, string, bool) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, "", false
	}
	r, ok := linuxjail.Root(n)
	return n, r, ok
}

// jls -j JID [path]
func kitJls(args []string) int {
	if len(args) < 2 || args[0] != "-j" {
		return kitFail("jls", fmt.Errorf("usage: jls -j jid [path]"))
	}
	_, root, ok := jailArg(args[1])
	if !ok {
		fmt.Fprintf(os.Stderr, "jls: jail %q not found\n", args[1])
		return 1
	}
	if len(args) == 3 && args[2] == "path" {
		fmt.Println(root)
	}
	return 0
}

// jexec JID COMMAND...: the Linux native backend's jexec (the jail's init
// forks the command).
func kitJexec(args []string) int {
	if len(args) < 2 {
		return kitFail("jexec", fmt.Errorf("usage: jexec jid command…"))
	}
	n, _, ok := jailArg(args[0])
	if !ok {
		return kitFail("jexec", fmt.Errorf("jail %q not found", args[0]))
	}
	argv := linuxjail.ExecCmd(n, args[1:])
	p, err := exec.LookPath(argv[0])
	if err != nil {
		return kitFail("jexec", err)
	}
	return kitFail("jexec", syscall.Exec(p, argv, os.Environ()))
}

// env -i PROGRAM ARGS...: the stop command's `env -i /usr/sbin/jexec`;
// the FreeBSD path of jexec means the kit's.
func kitEnv(args []string) int {
	if len(args) < 2 || args[0] != "-i" {
		return kitFail("env", fmt.Errorf("usage: env -i program ... (selftest stand-in)"))
	}
	if filepath.Base(args[1]) == "jexec" {
		return kitJexec(args[2:])
	}
	p, err := exec.LookPath(args[1])
	if err != nil {
		return kitFail("env", err)
	}
	return kitFail("env", syscall.Exec(p, args[1:], nil))
}

// killall -j JID -TERM|-KILL: the jail's init forwards TERM to every
// process of its namespace; KILL to the init ends the namespace.
func kitKillall(args []string) int {
	if len(args) != 3 || args[0] != "-j" {
		return kitFail("killall", fmt.Errorf("usage: killall -j jid -SIGNAL"))
	}
	n, _, ok := jailArg(args[1])
	if !ok {
		fmt.Fprintln(os.Stderr, "killall: No matching processes were found")
		return 1
	}
	sig := syscall.SIGTERM
	if args[2] == "-KILL" {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(n, sig); err != nil {
		return kitFail("killall", err)
	}
	return 0
}
