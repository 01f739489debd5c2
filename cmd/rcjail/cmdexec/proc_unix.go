//go:build unix

package cmdexec

import (
	"os"
	"os/exec"
	"path"
	"syscall"
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

// openNoFollow opens a host state file; O_NOFOLLOW refuses a symlink as the
// last component, which stops a jail's root user from pointing the host's
// console log or id file at another host file (FreeBSD-SA-07:01).
func openNoFollow(name string, flag int) (*os.File, error) {
	return os.OpenFile(name, flag|syscall.O_NOFOLLOW, 0o600)
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

// tryLock takes an exclusive flock without blocking.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if err == syscall.EWOULDBLOCK {
		return false, nil
	}
	return err == nil, err
}
