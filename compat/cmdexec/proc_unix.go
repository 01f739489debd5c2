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
