package cmdexec

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"strings"
	"time"

	"rcjail/compat"
)

// DefaultTimeout bounds every command. jail(8) runs the jail's /etc/rc
// before it returns, so the limit is generous.
const DefaultTimeout = 5 * time.Minute

// Executor runs each step as an external program. The zero value is not
// usable; use [New].
type Executor struct {
	// Root is the -R root state files are resolved under ("/" in production).
	Root string
	// Timeout bounds each command; zero means DefaultTimeout.
	Timeout time.Duration
	// Env is the environment of every command (nil: the process's).
	Env []string
	// HookStdout and HookStderr receive what host hooks and jexec'd
	// afterstart commands print on their stdout and stderr: the script's
	// own stdout and stderr, as the 8.x script's hooks inherit them
	// (compat.Executor.SetHookOutput; nil: discarded).
	HookStdout, HookStderr io.Writer
}

// Close implements [compat.Executor]: the command backend holds nothing
// between steps (the jail's lock is the engine's, compat.Records).
func (x *Executor) Close() error { return nil }

var (
	_ compat.Executor = (*Executor)(nil)
)

// New returns a command backend for the given -R root.
func New(root string) *Executor {
	if root == "" {
		root = "/"
	}
	return &Executor{Root: root}
}

func (x *Executor) resolve() compat.StateResolver { return compat.UnderRoot(x.Root) }

// cmdError is a failed command: its argv, its exit status or start error,
// and the first line of what it printed.
type cmdError struct {
	argv []string
	out  string
	err  error
}

func (e *cmdError) Error() string {
	s := "run " + compat.QuoteArgv(e.argv) + ": " + e.err.Error()
	if e.out != "" {
		s += ": " + e.out
	}
	return s
}

func (e *cmdError) Unwrap() error { return e.err }

// command prepares argv with the time limit and process group.
func (x *Executor) command(ctx context.Context, argv []string) (*exec.Cmd, context.CancelFunc) {
	t := x.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env = x.Env
	c.WaitDelay = time.Second
	setGroup(c)
	return c, cancel
}

// run runs argv with stdin from /dev/null and returns its stdout; stderr is
// kept for the error message.
func (x *Executor) run(ctx context.Context, argv []string) ([]byte, error) {
	c, cancel := x.command(ctx, argv)
	defer cancel()
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return out.Bytes(), &cmdError{argv: argv, out: firstLine(errb.String() + out.String()), err: err}
	}
	return out.Bytes(), nil
}

// SetHookOutput implements compat.Executor.SetHookOutput.
func (x *Executor) SetHookOutput(stdout, stderr io.Writer) {
	x.HookStdout, x.HookStderr = stdout, stderr
}

// runTo runs argv with its stdout going to stdout and its stderr to stderr.
func (x *Executor) runTo(ctx context.Context, argv []string, stdout, stderr io.Writer) error {
	c, cancel := x.command(ctx, argv)
	defer cancel()
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	c.Stdout, c.Stderr = stdout, stderr
	if err := c.Run(); err != nil {
		return &cmdError{argv: argv, err: err}
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func (x *Executor) steps(ctx context.Context, s compat.Step) error {
	for _, argv := range compat.StepArgv(s, x.resolve()) {
		if _, err := x.run(ctx, argv); err != nil {
			return err
		}
	}
	return nil
}
