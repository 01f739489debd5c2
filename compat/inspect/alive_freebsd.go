package inspect

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"time"
)

// jidAlive reports whether the kernel has a jail with this jid, by asking
// jls(8), which exits non-zero for a jid that does not exist. The jid comes
// from a file, so it is passed as one argument after its option and is a
// number by the time it gets here.
func jidAlive(jid int, _ string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := exec.CommandContext(ctx, "/usr/sbin/jls", "-j", strconv.Itoa(jid), "jid").Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ee):
		return false, nil
	}
	return false, err
}
