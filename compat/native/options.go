package native

import (
	"io"
	"time"
)

// Options configure an [Executor].
type Options struct {
	// Root is the -R root: rcjail's own state (locks, records, id files,
	// console logs) lives under it. Jail paths are used as written.
	Root string

	Stdout io.Writer // host hooks' standard output (nil: discarded)
	Stderr io.Writer // warnings and hooks' standard error (nil: discarded)

	LockWait       time.Duration // how long to wait for another rcjail's lock on a jail (0: 5 min)
	CommandTimeout time.Duration // each host hook and jexec; FreeBSD: every program but jail(8) (0: 60 s)
	StartTimeout   time.Duration // the jail's start command (0: 60 s; FreeBSD: 5 min, jail(8) runs the jail's /etc/rc)
	StopTimeout    time.Duration // TERM → KILL for a jail's processes (0: 10 s; FreeBSD: killall's 1 s, as the script)
	BusyTimeout    time.Duration // how long a busy unmount is retried (0: 3 s)

	// Fault injects failures; nil in production.
	Fault *Fault
}

// Fault is the fault-injection seam for tests (security.md §3.6 point 6).
// Counters are per Executor.
type Fault struct {
	// Op selects the call to fail: "mount" (the mount itself), "remount"
	// (the read-only part of a read-only mount: the fresh mount is undone
	// and the step fails, as the mount package does when its remount
	// fails), "alias", "jail" (the jail launch), "hook" (a host hook fails)
	// or "hang" (a host hook is replaced by one that never ends, so its
	// time limit has to kill it).
	Op string
	// At is which call of Op (1-based) fails.
	At int
}

func (o *Options) defaults() {
	if o.Root == "" {
		o.Root = "/"
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.LockWait <= 0 {
		o.LockWait = 5 * time.Minute
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 60 * time.Second
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = defaultStartTimeout
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 10 * time.Second
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 3 * time.Second
	}
}
