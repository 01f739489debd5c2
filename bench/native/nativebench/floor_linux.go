package main

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

func floor(n int, skel, jails string, ents []string) error {
	const ro = unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV
	for i := 1; i <= n; i++ {
		for _, e := range ents {
			dst := filepath.Join(root(jails, i), e)
			if err := unix.Mount(filepath.Join(skel, e), dst, "", unix.MS_BIND, ""); err != nil {
				return fmt.Errorf("bind %s: %w", dst, err)
			}
			if err := unix.Mount("", dst, "", ro, ""); err != nil {
				return fmt.Errorf("remount %s: %w", dst, err)
			}
		}
	}
	for i := 1; i <= n; i++ {
		for k := len(ents) - 1; k >= 0; k-- {
			dst := filepath.Join(root(jails, i), ents[k])
			if err := unix.Unmount(dst, 0); err != nil {
				return fmt.Errorf("umount %s: %w", dst, err)
			}
		}
	}
	return nil
}
