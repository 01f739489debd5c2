//go:build !linux && !freebsd

package mount

import (
	"errors"
	"io/fs"
	"path"
	"runtime"
)

// On other systems every operation fails with an error wrapping
// errors.ErrUnsupported; nothing panics.

func unsupported(op, fstype, source, target string) error {
	return &Error{Op: op, FSType: fstype, Source: source, Target: target,
		Err: errors.Join(errors.New("mounts are not supported on "+runtime.GOOS), errors.ErrUnsupported)}
}

func mount(r Request) (*Mounted, error) {
	return nil, unsupported("mount", r.FSType, r.Source, path.Join(r.Root, r.Target))
}

func unmount(e Expect) error {
	return unsupported("unmount", e.FSType, e.Source, path.Join(e.Root, e.Target))
}

func table() ([]Entry, error) { return nil, unsupported("table", "", "", "") }

func resolve(root, rel string) (fs.FileInfo, error) {
	return nil, unsupported("resolve", "", "", path.Join(root, rel))
}

func openDir(p string) (int, error) { return -1, unsupported("open", "", "", p) }

func mkdirAll(root, rel string, _ fs.FileMode) ([]string, error) {
	return nil, unsupported("mkdir", "", "", path.Join(root, rel))
}

func locate(e Expect) (Entry, error) {
	return Entry{}, unsupported("locate", e.FSType, e.Source, path.Join(e.Root, e.Target))
}
