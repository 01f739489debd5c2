package cmdexec

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"rcjail/mount"
)

// culprit says what is wrong with cur on the way to p, naming p only when
// cur is not p itself (issue 10 item 13: no path said twice).
func culprit(p, cur, what string) error {
	if cur == p {
		return fmt.Errorf("%s is %s", p, what)
	}
	return fmt.Errorf("check %s: %s is %s", p, cur, what)
}

// checkBelow walks p below root with package mount's no-follow walker
// and refuses a symlink or a non-directory on the way (SPEC §3.4: a jail's
// root user can plant a symlink to send a mount or a write onto the host).
// The last component is checked too when it exists. It reports whether the
// last component exists. root itself is the administrator's and may be
// reached through host symlinks (it is resolved first, as mount(8) and the
// script resolve it); the walk starts there.
func checkBelow(root, p string) (bool, error) {
	root, p = path.Clean(root), path.Clean(p)
	if !mount.Within(root, p) {
		return false, fmt.Errorf("check %s: not under the jail root %s", p, root)
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
	if rel == "" {
		return true, nil
	}
	real, err := filepath.EvalSymlinks(root)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check %s: %w", p, err)
	}
	// The walker takes a root other than "/": below "/" the first
	// component serves (and is walked without following, as the rest).
	wroot := real
	if real == "/" {
		first, rest, _ := strings.Cut(rel, "/")
		wroot, rel = "/"+first, rest
		if rel == "" {
			rel = "."
		}
	}
	// at names a component as the configuration does, under root.
	at := func(c string) string {
		if c == real {
			return root
		}
		if real != "/" && strings.HasPrefix(c, real+"/") {
			return path.Join(root, strings.TrimPrefix(c, real+"/"))
		}
		return c
	}
	fi, err := mount.Resolve(wroot, rel)
	var w *mount.WalkError
	switch {
	case err == nil && !fi.IsDir():
		return false, culprit(p, p, "not a directory")
	case err == nil:
		return true, nil
	case errors.As(err, &w) && errors.Is(err, mount.ErrSymlink):
		return false, culprit(p, at(w.Path), "a symlink")
	case errors.As(err, &w) && errors.Is(err, syscall.ENOTDIR):
		return false, culprit(p, at(w.Path), "not a directory")
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("check %s: %w", p, err)
}
