//go:build unix

package cmdexec

import (
	"context"
	"os"
	"os/exec"
	"path"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/compat/statefile"
)

// setGroup puts the command in its own process group and makes the time
// limit kill the whole group, so a command that forks (jail(8) starting
// /etc/rc) leaves nothing running behind a timeout.
func setGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Cancel = func() error {
		if c.Process == nil {
			return nil
		}
		return syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
	}
}

// openNoFollow opens a host state file of kind (package statefile):
// O_NOFOLLOW refuses a symlink as the last component, which stops a jail's
// root user from pointing the host's console log or id file at another
// host file (FreeBSD-SA-07:01); O_NONBLOCK and the type check stop a FIFO
// planted there from hanging the start or stop.
func openNoFollow(name string, flag int, kind statefile.Kind) (*os.File, error) {
	return statefile.Open(name, flag, 0o600, kind)
}

// checkState reports whether the state file name may be written as kind
// (statefile.Check).
func checkState(name string, kind statefile.Kind) error { return statefile.Check(name, kind) }

// lockAt takes the lock file name in dir (see statefile.Lock); the
// returned function removes it and releases the lock.
func lockAt(ctx context.Context, dir, name string, wait time.Duration) (func() error, error) {
	dfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	f, err := statefile.Lock(ctx, dfd, dir, name, wait)
	if err != nil {
		unix.Close(dfd)
		return nil, err
	}
	return func() error {
		err := statefile.Unlock(dfd, name, f)
		unix.Close(dfd)
		return err
	}, nil
}

// isMountPoint compares the device of dir with its parent's.
func isMountPoint(dir string) bool {
	a, err1 := os.Lstat(dir)
	b, err2 := os.Lstat(path.Dir(dir))
	if err1 != nil || err2 != nil {
		return false
	}
	sa, ok1 := a.Sys().(*syscall.Stat_t)
	sb, ok2 := b.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && sa.Dev != sb.Dev
}
