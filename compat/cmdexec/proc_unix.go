//go:build unix

package cmdexec

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"syscall"
	"time"

	"rcjail/compat/state"
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

// lockJail opens the state directory under root and takes jail's lock in
// it (package state); the returned function removes the lock file,
// releases the lock and closes the directory.
func lockJail(ctx context.Context, root, jail string, wait time.Duration) (func() error, error) {
	d, err := state.OpenDir(root)
	if err != nil {
		return nil, fmt.Errorf("lock jail %s: %w", jail, err)
	}
	l, err := d.Lock(ctx, jail, wait)
	if err != nil {
		d.Close()
		return nil, err
	}
	return func() error {
		err := l.Unlock()
		d.Close()
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
