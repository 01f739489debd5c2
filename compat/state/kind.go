package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Kind is what a state file may be.
type Kind int

const (
	// Regular: id files, lock files, records, journals.
	Regular Kind = iota
	// Console: a console log, a regular file or a character device.
	Console
)

// MaxID is how much of an id file is read: a jid is a short decimal line;
// anything longer is not a jid anyway.
const MaxID = 64

// TypeError is a state file of the wrong type.
type TypeError struct {
	Type string // "named pipe", "socket", "directory", ...
	Kind Kind
}

func (e *TypeError) Error() string {
	if e.Kind == Console {
		return "is a " + e.Type + ", not a regular file or character device"
	}
	return "is a " + e.Type + ", not a regular file"
}

// ReadID returns the first line of what r holds, blanks trimmed, reading
// at most MaxID bytes.
func ReadID(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxID))
	if err != nil {
		return "", err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return strings.TrimSpace(string(line)), nil
}

// ErrTooLarge is a state file over the size its reader accepts.
var ErrTooLarge = errors.New("too large")

// ReadAll reads f whole when it holds at most max bytes; ErrTooLarge
// (naming the file) when it holds more, after reading no more than max+1.
func ReadAll(f *os.File, max int64) ([]byte, error) {
	// A file that says it is larger is refused unread (a sparse 1 GiB
	// file costs nothing to make and seconds to read).
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > max {
		return nil, &os.PathError{Op: "read", Path: f.Name(), Err: fmt.Errorf("%w (%d bytes, over %d)", ErrTooLarge, fi.Size(), max)}
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, &os.PathError{Op: "read", Path: f.Name(), Err: fmt.Errorf("%w (over %d bytes)", ErrTooLarge, max)}
	}
	return b, nil
}
