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
	dfd, dir, name, err := openParent(open, "open", p)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dfd)
	return OpenAt(dfd, dir, name, flags, 0o600, kind)
}

// CheckVia reports whether the state file p may be written as kind,
// without opening it (a missing file may: it will be created; a missing
// directory may not).
func CheckVia(open Opener, p string, kind Kind) error {
	dfd, dir, name, err := openParent(open, "check", p)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	return CheckAt(dfd, dir, name, kind)
}

// ReadIDVia reads the id file p: its first line, from at most
// MaxID bytes (a 1 GiB id file costs one short read). A missing
// file, a symlink or anything but a regular file is "not there": stop goes
// on without a jid (start refuses such a file earlier, see CheckStateFile),
// and nothing blocks on a FIFO.
func ReadIDVia(open Opener, p string) (string, bool, error) {
	dfd, dir, name, err := openParent(open, "open", p)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return "", false, nil
		}
		return "", false, err
	}
	defer unix.Close(dfd)
	f, err := OpenAt(dfd, dir, name, unix.O_RDONLY, 0, Regular)
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
	dfd, _, name, err := openParent(open, "remove", p)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil
		}
		return err
	}
	defer unix.Close(dfd)
	if err := unix.Unlinkat(dfd, name, 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return &os.PathError{Op: "remove", Path: p, Err: err}
	}
	return nil
}

// openParent opens the directory of the state file p with open and returns
// it with the directory's clean name and p's last component. A failure is
// an *os.PathError naming op and p.
func openParent(open Opener, op, p string) (dfd int, dir, name string, err error) {
	dir, name = path.Split(path.Clean(p))
	dir = path.Clean(dir)
	dfd, err = open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return -1, "", "", &os.PathError{Op: op, Path: p, Err: err}
	}
	return dfd, dir, name, nil
}

// hostOpen is the [Opener] of [Open] and [Check]: it follows symlinks
// (host directories such as /var/run may be links, SPEC §3.8).
func hostOpen(p string, flags int, mode uint32) (int, error) {
	return unix.Open(p, flags|unix.O_CLOEXEC, mode)
}
