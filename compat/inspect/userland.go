package inspect

import (
	"io"
	"os"
	"path"
	"strings"
	"syscall"
)

// UserlandVersion reads USERLAND_VERSION from a base tree's
// bin/freebsd-version (a small sh script); "" when there is none.
func UserlandVersion(root string) string {
	p := path.Join(root, "bin/freebsd-version")
	// A regular file only, read up to 64 KiB: a FIFO or a device planted
	// there must not hang the report, nor a huge file fill memory.
	if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return "" // replaced since the Lstat
	}
	b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "USERLAND_VERSION="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}
