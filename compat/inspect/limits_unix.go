//go:build unix

package inspect

import "syscall"

// stackLimit is RLIMIT_STACK's soft limit; 0 when unlimited or unknown.
func stackLimit() int64 {
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_STACK, &r) != nil || r.Cur > 1<<62 {
		return 0
	}
	return int64(r.Cur)
}
