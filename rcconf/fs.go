package rcconf

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// devNull is the one path outside the root the loader knows: redirections to
// it are how rc.conf code discards output, and it reads as empty.
const devNull = "/dev/null"

// vfs confines every file access of the evaluation to one directory through
// an [os.Root]: "..", absolute and relative symlinks cannot leave it (the
// attack stopped: an rc.conf, or a symlink planted in the tree, reading host
// files such as /etc/master.passwd). It has no method that writes.
type vfs struct {
	root    *os.Root
	maxSize int64
}

// rel maps a path as the shell names it (absolute, or relative to the virtual
// working directory "/") to a name inside the root.
func (v *vfs) rel(name string) string {
	p := path.Clean("/" + name)
	if p == "/" {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}

// readFile reads a whole regular file, refusing anything over the size cap
// (the attack stopped: a huge or endless file, e.g. a FIFO or a sparse file,
// exhausting memory).
func (v *vfs) readFile(name string) ([]byte, error) {
	if name == devNull {
		return nil, nil
	}
	f, err := v.root.Open(v.rel(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		// A FIFO or device would block or never end.
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	if st.Size() > v.maxSize {
		return nil, fmt.Errorf("%s: %d bytes, over the %d-byte limit", name, st.Size(), v.maxSize)
	}
	b, err := io.ReadAll(io.LimitReader(f, v.maxSize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > v.maxSize {
		return nil, fmt.Errorf("%s: over the %d-byte limit", name, v.maxSize)
	}
	return b, nil
}

func (v *vfs) stat(name string, follow bool) (fs.FileInfo, error) {
	if name == "" {
		return nil, fs.ErrNotExist
	}
	if follow {
		return v.root.Stat(v.rel(name))
	}
	return v.root.Lstat(v.rel(name))
}

// readDir lists a directory for pathname expansion (globs such as
// rc.conf.d/jail/*), inside the root only.
func (v *vfs) readDir(name string) ([]fs.DirEntry, error) {
	f, err := v.root.Open(v.rel(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return ents, nil
}
