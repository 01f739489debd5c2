//go:build unix

package state

import (
	"errors"
	"os"
	"path"

	"golang.org/x/sys/unix"
)

// Opener opens a state file (or, with O_DIRECTORY, its directory) by its
// host path, following no symlink where a jail could have planted one (a
// host's own: the native backend's openat2 on Linux, its walk on FreeBSD).
// The functions below open a state file through the directory it returns
// and apply this package's checks there.
type Opener func(p string, flags int, mode uint32) (int, error)

// OpenVia opens the state file p for writing (truncating, or appending
// with appendTo) through its directory, opened by open, and refuses anything
// but a regular file (a console log may also be a character device, kind
// Console): an id file or console log replaced by a FIFO, a
// socket or a block device is never written to, and a FIFO cannot hang the
// open (see [OpenAt]).
func OpenVia(open Opener, p string, create, appendTo bool, kind Kind) (*os.File, error) {
	flags := unix.O_WRONLY
	if create {
		flags |= unix.O_CREAT
	}
	if appendTo {
		flags |= unix.O_APPEND
	} else {
		flags |= unix.O_TRUNC
	}
	dir, name := path.Split(path.Clean(p))
	dfd, err := open(path.Clean(dir), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(dfd)
	return OpenAt(dfd, path.Clean(dir), name, flags, 0o600, kind)
}

// CheckVia reports whether the state file p may be written as kind,
// without opening it (a missing file may: it will be created; a missing
// directory may not).
func CheckVia(open Opener, p string, kind Kind) error {
	dir, name := path.Split(path.Clean(p))
	dfd, err := open(path.Clean(dir), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return &os.PathError{Op: "check", Path: p, Err: err}
	}
	defer unix.Close(dfd)
	return CheckAt(dfd, path.Clean(dir), name, kind)
}

// ReadIDVia reads the id file p: its first line, from at most
// MaxID bytes (a 1 GiB id file costs one short read). A missing
// file, a symlink or anything but a regular file is "not there": stop goes
// on without a jid (start refuses such a file earlier, see CheckStateFile),
// and nothing blocks on a FIFO.
func ReadIDVia(open Opener, p string) (string, bool, error) {
	dir, name := path.Split(path.Clean(p))
	dfd, err := open(path.Clean(dir), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return "", false, nil
		}
		return "", false, &os.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(dfd)
	f, err := OpenAt(dfd, path.Clean(dir), name, unix.O_RDONLY, 0, Regular)
	if err != nil {
		var te *TypeError
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EMLINK) || errors.As(err, &te) {
			return "", false, nil
		}
		return "", false, err
	}
	defer f.Close()
	id, err := ReadID(f)
	if err != nil {
		return "", false, &os.PathError{Op: "read", Path: p, Err: err}
	}
	return id, true, nil
}

// RemoveVia unlinks the state file p through its directory; a missing
// one is not an error.
func RemoveVia(open Opener, p string) error {
	dir, name := path.Split(path.Clean(p))
	fd, err := open(path.Clean(dir), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return &os.PathError{Op: "remove", Path: p, Err: err}
	}
	defer unix.Close(fd)
	if err := unix.Unlinkat(fd, name, 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return &os.PathError{Op: "remove", Path: p, Err: err}
	}
	return nil
}
