//go:build linux || freebsd

package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Run runs c and waits for it. A non-zero exit, a failure to start, and a
// timeout are errors naming the command.
func Run(ctx context.Context, c Cmd) error {
	cmd, err := Start(c)
	if err != nil {
		return err
	}
	return Wait(ctx, cmd, c)
}

// Start starts c in its own process group with the hygiene described in the
// package documentation. The caller must [Wait].
func Start(c Cmd) (*exec.Cmd, error) {
	if len(c.Argv) == 0 {
		return nil, errors.New("run command: empty argv")
	}
	// Every time: a descriptor someone opened without close-on-exec since
	// the last command must not reach this one either.
	if err := CloseExtraOnExec(); err != nil {
		return nil, fmt.Errorf("run %s: %w", quote(c.Argv), err)
	}
	env := c.Env
	if env == nil {
		env = []string{CleanPath}
	}
	path := c.Argv[0]
	if !containsSlash(path) {
		p, err := lookPath(path)
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", quote(c.Argv), err)
		}
		path = p
	}
	dir := c.Dir
	if dir == "" {
		dir = "/"
	}
	cmd := &exec.Cmd{
		Path: path,
		Args: c.Argv,
		Env:  env,
		Dir:  dir,
		// Only fds 0–2: os/exec opens nothing else without CLOEXEC and
		// ExtraFiles stays empty, so a hook cannot inherit a lock, a mount
		// fd or a directory fd that would let it escape (CVE-2024-21626).
		Stdout: c.Stdout,
		Stderr: c.Stderr,
		// Own process group, so that a timeout kills everything the
		// command forked, not just the leader.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", quote(c.Argv), err)
	}
	return cmd, nil
}

// Wait waits for a command from [Start], killing its process group when the
// time limit or ctx expires.
func Wait(ctx context.Context, cmd *exec.Cmd, c Cmd) error {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	grace := c.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
		// The leader is gone; anything it left in its group goes too,
		// so a hook cannot leave a background child behind.
		KillGroup(cmd.Process.Pid, syscall.SIGKILL)
		if err != nil {
			return fmt.Errorf("run %s: %w", quote(c.Argv), err)
		}
		return nil
	case <-timer.C:
	case <-ctx.Done():
	}
	KillGroup(cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		KillGroup(cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	KillGroup(cmd.Process.Pid, syscall.SIGKILL)
	if ctx.Err() != nil {
		return fmt.Errorf("run %s: %w", quote(c.Argv), ctx.Err())
	}
	return &TimeoutError{Argv: c.Argv, Timeout: timeout}
}

// KillGroup signals the process group pgid; a group that no longer exists
// is not an error.
func KillGroup(pgid int, sig syscall.Signal) {
	if pgid > 1 {
		_ = syscall.Kill(-pgid, sig)
	}
}

func containsSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return true
		}
	}
	return false
}

// lookPath finds name in CleanPath, never in the caller's PATH.
func lookPath(name string) (string, error) {
	for _, d := range []string{"/sbin", "/bin", "/usr/sbin", "/usr/bin"} {
		p := d + "/" + name
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("look up %q in %s: %w", name, CleanPath, exec.ErrNotFound)
}
