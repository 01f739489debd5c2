package mount

import (
	"errors"
	"path"
)

func mount(r Request) (*Mounted, error) {
	return nil, &Error{Op: "mount", FSType: r.FSType, Target: path.Join(r.Root, r.Target), Err: errors.New("not implemented yet")}
}

func unmount(e Expect) error {
	return &Error{Op: "unmount", FSType: e.FSType, Target: path.Join(e.Root, e.Target), Err: errors.New("not implemented yet")}
}

func table() ([]Entry, error) { return nil, errors.New("not implemented yet") }
