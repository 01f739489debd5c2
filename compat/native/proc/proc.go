package proc

import (
	"io"
	"time"
)

// CleanPath is the only environment a command gets: no host variable leaks
// into a hook or a jail (a host LD_PRELOAD or IFS would otherwise reach them).
const CleanPath = "PATH=/sbin:/bin:/usr/sbin:/usr/bin"

// Cmd is one command to run.
type Cmd struct {
	Argv    []string      // Argv[0] is looked up in CleanPath unless it holds a slash
	Env     []string      // nil: just CleanPath
	Dir     string        // "" : "/" (never the caller's cwd, which may be inside a jail tree)
	Stdout  io.Writer     // nil: discarded
	Stderr  io.Writer     // nil: discarded
	Timeout time.Duration // 0: DefaultTimeout
	Grace   time.Duration // time between TERM and KILL; 0: DefaultGrace
}

// Defaults for [Cmd.Timeout] and [Cmd.Grace].
const (
	DefaultTimeout = 60 * time.Second
	DefaultGrace   = 2 * time.Second
)

// TimeoutError reports a command killed because it outlived its time limit.
type TimeoutError struct {
	Argv    []string
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	return "command " + quote(e.Argv) + " timed out after " + e.Timeout.String() + "; its process group was killed"
}

func quote(argv []string) string {
	s := ""
	for i, a := range argv {
		if i > 0 {
			s += " "
		}
		s += a
	}
	return s
}
