package linuxjail

import (
	"io"
	"os"
	"time"
)

// InitArg0 is argv[0] of the re-executed binary when it is a jail's init.
const InitArg0 = "rcjail-jail-init"

// ExecArg0 is argv[0] of the re-executed binary when it runs a command
// inside a jail (jexec).
const ExecArg0 = "rcjail-jail-exec"

// Spec is one jail to start.
type Spec struct {
	Root     string   // the jail root, absolute and clean; must be a real directory
	Hostname string   // set in the jail's UTS namespace
	Command  []string // the start command, run inside the jail

	// Output receives everything the start command prints (the console
	// log). Pass an *os.File to let the jail write to it directly; any
	// other writer is fed through a pipe.
	Output io.Writer

	// Params are the jail(8) flags and parameters of the configuration
	// (jail_<j>_flags, parameters): the allow.* among them that have a
	// Linux equivalent keep its capability (see [Caps]).
	Params []string

	// Timeout bounds the start command; on expiry the whole jail is
	// killed and Start fails. 0 means 60 s.
	Timeout time.Duration

	// NetNS, if set, is the network namespace the jail starts in (a VNET
	// jail); nil leaves it on the host's network.
	NetNS *os.File

	// Created, if set, is called with the jid the moment the jail's init
	// exists, before the start command runs (the init waits for Start's
	// word after Created returned), so that the caller records the jail
	// before anything can kill it unrecorded (issue 12 item 1). An error,
	// or the caller's death before it returned, ends the jail before its
	// start command ran; an error fails Start.
	Created func(jid int) error
}

// Defaults.
const (
	DefaultStartTimeout = 60 * time.Second
	DefaultStopTimeout  = 10 * time.Second // FreeBSD's stop.timeout
)
