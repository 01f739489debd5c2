package hostpath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// maxLinks bounds the symlinks one resolution follows, as the kernel's
// ELOOP limit does: a link loop under /var must end in an error.
const maxLinks = 40

// Dir resolves dir (absolute, as the host names it) under root, following
// every symlink in it, the last component included, inside root. A
// component that does not exist ends the resolution: the rest is appended
// as written (the caller's open then reports it missing).
func Dir(root, dir string) (string, error) {
	if !path.IsAbs(dir) {
		return "", fmt.Errorf("resolve %q: not an absolute path", dir)
	}
	root = path.Clean(root)
	if root == "" || root == "." {
		root = "/"
	}
	todo := split(dir)
	var done []string
	for links := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := join(root, append(done, c))
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return join(root, append(append(done, c), todo...)), nil
		}
		if err != nil {
			return "", fmt.Errorf("resolve %s: %w", dir, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, c)
			continue
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("resolve %s: too many levels of symbolic links", dir)
		}
		t, err := os.Readlink(cur)
		if err != nil {
			return "", fmt.Errorf("resolve %s: %w", dir, err)
		}
		if strings.HasPrefix(t, "/") {
			done = done[:0]
		}
		todo = append(split(t), todo...)
	}
	return join(root, done), nil
}

// File resolves the directory of the file p under root (see [Dir]) and
// joins p's last component to it unresolved: the caller opens that with
// O_NOFOLLOW, so a symlink in place of the file itself is never followed.
func File(root, p string) (string, error) {
	if !path.IsAbs(p) {
		return "", fmt.Errorf("resolve %q: not an absolute path", p)
	}
	p = path.Clean(p)
	if p == "/" {
		return Dir(root, p)
	}
	d, err := Dir(root, path.Dir(p))
	if err != nil {
		return "", err
	}
	return path.Join(d, path.Base(p)), nil
}

func split(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func join(root string, comps []string) string {
	return path.Join(append([]string{root}, comps...)...)
}
