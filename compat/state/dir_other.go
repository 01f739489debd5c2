//go:build !unix

package state

import (
	"context"
	"errors"
	"os"
	"time"
)

// Dir is the state directory; off unix it cannot be opened safely.
type Dir struct{}

// JailLock is a jail's lock.
type JailLock struct{ Planted string }

func OpenDir(root string) (*Dir, error) {
	return nil, &os.PathError{Op: "open state directory", Path: DirPath, Err: errors.ErrUnsupported}
}
func FindDir(root string) (*Dir, error) { return OpenDir(root) }

func (d *Dir) Name() string               { return DirPath }
func (d *Dir) Fd() int                    { return -1 }
func (d *Dir) Close() error               { return nil }
func (d *Dir) Path(name string) string    { return DirPath + "/" + name }
func (d *Dir) Records() ([]string, error) { return nil, errors.ErrUnsupported }
func (d *Dir) Lock(ctx context.Context, jail string, wait time.Duration) (*JailLock, error) {
	return nil, errors.ErrUnsupported
}
func (l *JailLock) Unlock() error { return nil }
func (d *Dir) Open(name string, flags int, perm uint32) (*os.File, error) {
	return nil, errors.ErrUnsupported
}
func (d *Dir) OpenOwn(name string, flags int, perm uint32) (*os.File, string, error) {
	return nil, "", errors.ErrUnsupported
}
func (d *Dir) ReadFile(name string, max int64) ([]byte, error)       { return nil, errors.ErrUnsupported }
func (d *Dir) WriteAtomic(name string, data []byte, sync bool) error { return errors.ErrUnsupported }
func (d *Dir) Remove(name string) error                              { return errors.ErrUnsupported }
