//go:build !linux

package mount

import "io/fs"

// fdCache shares nothing outside Linux: a [Session] call is the package
// function (FreeBSD's mounts walk from "/" each time; other systems refuse).
type fdCache struct{}

func (*fdCache) mountRetry(r Request) (*Mounted, error) { return mount(r) }
func (*fdCache) unmountRetry(e Expect) error            { return unmount(e) }
func (*fdCache) mkdirAll(root, rel string, perm fs.FileMode) ([]string, error) {
	return mkdirAll(root, rel, perm)
}
func (*fdCache) close()    {}
func (*fdCache) dropHint() {}
