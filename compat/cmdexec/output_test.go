//go:build linux || freebsd

package cmdexec

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestCombined: stdout and stderr in one stream, in the order written; a
// failure names the command, its exit status and the last line printed.
func TestCombined(t *testing.T) {
	x := New("/")
	out, err := x.Combined(context.Background(), []string{"sh", "-c", "echo one; echo two >&2; echo three"})
	if err != nil || string(out) != "one\ntwo\nthree\n" {
		t.Errorf("Combined = %q, %v", out, err)
	}
	out, err = x.Combined(context.Background(), []string{"sh", "-c", "echo starting; echo 'rc: broken' >&2; exit 4"})
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 4 || string(out) != "starting\nrc: broken\n" {
		t.Fatalf("failing Combined = %q, %v", out, err)
	}
	if !strings.HasPrefix(err.Error(), "run sh -c ") || !strings.HasSuffix(err.Error(), "exit status 4: rc: broken") {
		t.Errorf("error %q, want it to end with the exit status and the last line", err)
	}
}
