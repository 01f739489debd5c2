package rcconf

import (
	"io"
	"time"
)

// Options says what to evaluate and under which limits.
type Options struct {
	// Root is the directory every path is resolved under ("/" in production,
	// a fixture tree in tests). Empty means "/".
	Root string
	// Service is the rc.d service name whose rc.conf.d files are read
	// (rc.conf.d/<Service>). Empty means "jail".
	Service string
	// Env is the lowest layer of variables, as "NAME=value" strings. Nil means
	// the process environment.
	Env []string
	// Timeout bounds the whole in-process evaluation. Zero means a default
	// of 5 seconds.
	Timeout time.Duration

	// Inspect forces inspection mode (nothing runs) even when Root is "/".
	// With another Root it is always on: live mode, where /bin/sh may run
	// the chain, is Root "/" only.
	Inspect bool
	// Shell is the shell live mode hands the chain to when it needs
	// something the evaluator does not do. Empty means "/bin/sh".
	Shell string
	// ShellTimeout bounds the shell's whole run (programs included).
	// Zero means 60 seconds.
	ShellTimeout time.Duration
	// Stderr receives what the chain's commands print when the shell runs
	// it. Nil means os.Stderr.
	Stderr io.Writer

	// MaxFileSize caps each file read (sourced or redirected from). Zero
	// means 16 MiB.
	MaxFileSize int64
	// MaxCommands caps the simple commands and loop iterations run. Zero
	// means 5,000,000.
	MaxCommands int
	// MaxDepth caps nested function calls, "." and eval. Zero means 1000
	// (dash's own function nesting limit).
	MaxDepth int
	// MaxValueLen caps the length of any one variable value. Zero means
	// 4 MiB.
	MaxValueLen int
}

// Var is one variable at the end of evaluation.
type Var struct {
	Name  string
	Value string
	// File is the file as the shell sees it ("/etc/rc.conf", not its path
	// outside the root); "env" for a value inherited from the environment.
	File string
	// Line is the line of the assignment in File; 0 for the environment.
	// File is "sh" (Line 0) for a value taken from /bin/sh in live mode
	// that the in-process evaluator could not place.
	Line int
	// Unknown is set (and Value empty) when the value cannot be known
	// without running something (inspection mode): the reason, with the
	// file and line of what would run.
	Unknown string
}
