//go:build !linux && !freebsd

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
//
// This is the portable variant, for systems rcjail is only built on;
// Linux and FreeBSD use system calls directly (fs.go).
type vfs struct {
	root    *os.Root
	maxSize int64
	// noOpenat2 means nothing here (there is no openat2); it lets the
	// tests that force fs.go's component walk build everywhere.
	noOpenat2 bool
}

// oNonblock is 0 where rcjail does not run in production: opening a FIFO
// there may block until the deadline's caller gives up.
const oNonblock = 0

func openVFS(root string, maxSize int64) (*vfs, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	return &vfs{root: r, maxSize: maxSize}, nil
}

func (v *vfs) close() { v.root.Close() }

// maxLinks bounds symlink resolution, as the kernel's ELOOP does.
const maxLinks = 40

// resolve follows symlinks itself, re-rooting absolute targets at the root
// (chroot semantics: in the tree, /etc/rc.conf.local -> /etc/rc.conf.site
// means the tree's rc.conf.site, as it does for the shell on the jail's own
// system). os.Root would refuse such links; relative ones it follows too. The
// result has no symlinks left except possibly a missing last component, and
// is opened through the root again, so a link swapped in meanwhile still
// cannot leave it. With follow false the last component is not followed.
//
// The component walk is alike to compat/state.ResolveDir's and is kept
// apart on purpose: rcconf may not import cmd/..., this walk goes through
// the os.Root (ResolveDir lstats host paths), and its rules differ — a
// missing component before the last is an error here (ResolveDir appends
// the rest unresolved), and follow=false leaves the last one unread.
func (v *vfs) resolve(name string, follow bool) (string, error) {
	clean := strings.TrimPrefix(path.Clean("/"+name), "/")
	if clean == "" {
		return ".", nil
	}
	// Fast path: os.Root itself resolves the path (no symlinks, or
	// relative ones that stay inside), which is the common case and costs
	// one system call. Missing is missing either way; any other error (an
	// absolute or escaping link) takes the component walk below.
	var err error
	if follow {
		_, err = v.root.Stat(clean)
	} else {
		_, err = v.root.Lstat(clean)
	}
	if err == nil || errors.Is(err, fs.ErrNotExist) && !strings.Contains(clean, "/") {
		return clean, nil
	}
	rest := strings.Split(strings.TrimPrefix(path.Clean("/"+name), "/"), "/")
	var done []string
	links := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cand := strings.Join(append(done, c), "/")
		if len(rest) == 0 && !follow {
			done = append(done, c)
			break
		}
		st, err := v.root.Lstat(cand)
		if err != nil {
			if len(rest) == 0 {
				done = append(done, c)
				break
			}
			return "", err
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			done = append(done, c)
			continue
		}
		if links++; links > maxLinks {
			return "", fmt.Errorf("%s: too many levels of symbolic links", name)
		}
		target, err := v.root.Readlink(cand)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = done[:0]
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return strings.Join(done, "/"), nil
}

// open opens name for reading, inside the root only, following symlinks
// that stay inside it. It never blocks (the attack stopped: a FIFO planted
// in place of an rc.conf file hanging the open); readFile then refuses the
// FIFO itself.
func (v *vfs) open(name string) (*os.File, error) {
	rel, err := v.resolve(name, true)
	if err != nil {
		return nil, err
	}
	return v.root.OpenFile(rel, os.O_RDONLY|oNonblock, 0)
}

// readFile reads a whole regular file, refusing anything over the size cap
// (the attack stopped: a huge or endless file, e.g. a FIFO or a sparse file,
// exhausting memory).
func (v *vfs) readFile(name string) ([]byte, error) {
	if name == devNull {
		return nil, nil
	}
	f, err := v.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		// dash reads a directory as an empty file (read fails with EISDIR,
		// taken as end of file).
		return nil, nil
	}
	if !st.Mode().IsRegular() {
		// A FIFO or device would block or never end.
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	if st.Size() > v.maxSize {
		return nil, fmt.Errorf("%s: %d bytes, over the %d-byte limit", name, st.Size(), v.maxSize)
	}
	b := make([]byte, 0, st.Size()+1)
	for {
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if int64(len(b)) > v.maxSize {
			break
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
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
	rel, err := v.resolve(name, follow)
	if err != nil {
		return nil, err
	}
	return v.root.Lstat(rel)
}

// readDir lists a directory for pathname expansion (globs such as
// rc.conf.d/jail/*), inside the root only.
func (v *vfs) readDir(name string) ([]fs.DirEntry, error) {
	f, err := v.open(name)
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
