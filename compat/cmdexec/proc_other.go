//go:build !unix

package cmdexec

import (
	"os/exec"
)

func setGroup(*exec.Cmd) {}

// isMountPoint cannot compare devices here; Mount's own checks remain.
func isMountPoint(string) bool { return false }
