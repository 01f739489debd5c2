package state

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

// ResolveDir resolves dir (absolute, as the host names it) under root, following
// every symlink in it, the last component included, inside root. A
// component that does not exist ends the resolution: the rest is appended
// as written (the caller's open then reports it missing).
func ResolveDir(root, dir string) (string, error) {
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

// ResolveFile resolves the directory of the file p under root (see [ResolveDir]) and
// joins p's last component to it unresolved: the caller opens that with
// O_NOFOLLOW, so a symlink in place of the file itself is never followed.
func ResolveFile(root, p string) (string, error) {
	if !path.IsAbs(p) {
		return "", fmt.Errorf("resolve %q: not an absolute path", p)
	}
	p = path.Clean(p)
	if p == "/" {
		return ResolveDir(root, p)
	}
	d, err := ResolveDir(root, path.Dir(p))
	if err != nil {
		return "", err
	}
	return path.Join(d, path.Base(p)), nil
}

func split(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func join(root string, comps []string) string {
	return path.Join(append([]string{root}, comps...)...)
}

// HostPath is the state path p (as the host names it: an id file, a record)
// under root, resolved by [ResolveFile]; when it cannot be resolved (a link
// loop) it is joined as written, and the open that follows reports the
// problem. Every reader of a state path names the same file through it.
func HostPath(root, p string) string {
	if root == "" {
		root = "/"
	}
	if r, err := ResolveFile(root, p); err == nil {
		return r
	}
	return path.Join(root, p)
}

// IDFiles lists the _j of every id file in /var/run under root (regular
// files named jail_<j>.id; anything else there, a symlink included, is not
// an id file), sorted. A missing /var/run is an empty list.
func IDFiles(root string) ([]string, error) {
	if root == "" {
		root = "/"
	}
	dir, err := ResolveDir(root, RunDir)
	if err != nil {
		return nil, fmt.Errorf("list id files: %w", err)
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list id files: %w", err)
	}
	var out []string
	for _, e := range ents {
		if j, ok := IDFileJail(e.Name()); ok && e.Type().IsRegular() && !strings.Contains(j, "/") {
			out = append(out, j)
		}
	}
	return out, nil
}

// ReadJailID reads the id file of the jail _j under root (see [HostPath]
// and [ReadIDFile]): its first line, or fs.ErrNotExist.
func ReadJailID(root, j string) (string, error) {
	return ReadIDFile(HostPath(root, IDFile(j)))
}
