//go:build unix

package state

import (
	"context"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkLockCycle compares a lock taken and released the old way (the
// file kept: open, flock, close) with Lock+Unlock (the file created, locked,
// re-checked, removed), in the same run; on tmpfs /var/run the difference is
// what "locks exist only while held" costs per jail per run.
func BenchmarkLockCycle(b *testing.B) {
	dir, dfd := tempDirFD(b)
	b.Run("kept", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			fd, err := unix.Openat(dfd, "k.lock", unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
			if err != nil {
				b.Fatal(err)
			}
			if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
				b.Fatal(err)
			}
			unix.Close(fd)
		}
	})
	b.Run("removed", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			f, err := Lock(context.Background(), dfd, dir, "r.lock", 0)
			if err != nil {
				b.Fatal(err)
			}
			if err := Unlock(dfd, "r.lock", f); err != nil {
				b.Fatal(err)
			}
		}
	})
}
