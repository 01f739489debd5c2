//go:build rcjailfault

package fault

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
)

// Enabled reports whether this build has the fault seam.
const Enabled = true

var (
	mu     sync.Mutex
	n      int
	killAt = envInt("RCJAIL_FAULT_KILL")
	logTo  = os.Getenv("RCJAIL_FAULT_LOG")
)

func envInt(name string) int {
	v, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		return 0
	}
	return v
}

// Before marks the point just before an effect or a state write.
func Before(what string) { point("before", what) }

// After marks the point just after an effect or a state write.
func After(what string) { point("after", what) }

// point numbers one call, logs it, and kills the process when it is the
// one the test asked for. The lock serialises concurrent jails' points,
// so each number is handed out once.
func point(when, what string) {
	mu.Lock()
	defer mu.Unlock()
	n++
	if logTo != "" {
		if f, err := os.OpenFile(logTo, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			fmt.Fprintf(f, "%d %s %s\n", n, when, what)
			f.Close()
		}
	}
	if n == killAt {
		// A real crash: no deferred function and no cleanup runs.
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
}
