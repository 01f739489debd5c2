package linuxjail

import (
	"fmt"
	"strconv"
)

// stageEnv marks the second stage of the init in its environment (see
// execStage2); serveMain removes it before anything runs in the jail.
const stageEnv = "RCJAIL_JAIL_INIT_STAGE=2"

// initProcs is in both stages' environment: the init is a small server
// (one start command, then a jexec now and then), and one P spares it the
// runtime's extra threads and the cgroup-driven GOMAXPROCS updates.
const initProcs = "GOMAXPROCS=1"

// InitOverhead is what the jail's init adds to its start command in the
// largest execve(2) of a start (the second stage's, see Start and
// execStage2) beyond the command itself and PATH: its leading arguments
// (InitArg0, the host name, the root, the capability mask of up to 16 hex
// digits, "--") and the rest of its environment, each string with its NUL
// and its pointer. A start command that fits ARG_MAX only without them
// passes a check that ignores them and fails at start.
func InitOverhead(hostname, root string) int64 {
	var n int64
	for _, s := range []string{InitArg0, hostname, root, "ffffffffffffffff", "--", initProcs, stageEnv} {
		n += int64(len(s)) + 1 + 8
	}
	return n
}

// Linux limits a jail's values must fit (the kernel refuses, at start, what
// does not; FreeBSD's are larger, so rc.conf written for FreeBSD may not).
const (
	// HostNameMax is HOST_NAME_MAX: sethostname(2) refuses a longer name
	// (FreeBSD allows MAXHOSTNAMELEN, 256).
	HostNameMax = 64
	// MaxArgStrlen is MAX_ARG_STRLEN: execve(2) refuses a single argument
	// (with its NUL) longer than this.
	MaxArgStrlen = 32 * 4096
	// MinArgMax is the least ARG_MAX Linux ever allows (a quarter of an
	// 8 MiB stack limit is 2 MiB; with a smaller stack it is still at
	// least this).
	MinArgMax = 32 * 4096
	// MaxArgMax is the largest: three quarters of _STK_LIM (8 MiB).
	MaxArgMax = 6 << 20
)

// ArgMax is the space execve(2) gives argv and the environment under a
// stack limit of stack bytes (RLIMIT_STACK; 0 or less: unlimited): a
// quarter of it, between MinArgMax and MaxArgMax (fs/exec.c).
func ArgMax(stack int64) int64 {
	if stack <= 0 || stack/4 > MaxArgMax {
		return MaxArgMax
	}
	return max(stack/4, MinArgMax)
}

// Limits lists what Linux cannot take of a jail: a hostname over
// HostNameMax, and each command (named by what, e.g. "jail_www_exec_start")
// whose single argument exceeds MaxArgStrlen or whose argv, with env and
// the extra bytes its runner adds (extra[what]: [InitOverhead] for the
// start command), exceeds argMax. Each message names the variable, the
// size and the limit.
func Limits(hostnameVar, hostname string, commands map[string][]string, env []string, extra map[string]int64, argMax int64) []string {
	var out []string
	if len(hostname) > HostNameMax {
		out = append(out, fmt.Sprintf("%s is %d bytes; Linux allows a host name of at most %d (HOST_NAME_MAX): sethostname(2) would refuse it", hostnameVar, len(hostname), HostNameMax))
	}
	var envSize int64
	for _, e := range env {
		envSize += int64(len(e)) + 1 + 8
	}
	for _, name := range sortedKeys(commands) {
		argv := commands[name]
		size := envSize + extra[name]
		for i, a := range argv {
			if len(a)+1 > MaxArgStrlen {
				out = append(out, fmt.Sprintf("%s: word %d is %d bytes; Linux allows a single argument of at most %d (MAX_ARG_STRLEN): execve(2) would refuse it", name, i+1, len(a), MaxArgStrlen-1))
			}
			size += int64(len(a)) + 1 + 8 // the string, its NUL, its pointer
		}
		if size > argMax {
			out = append(out, fmt.Sprintf("%s: its arguments and environment take %d bytes; Linux allows %s here (ARG_MAX): execve(2) would refuse it", name, size, strconv.FormatInt(argMax, 10)))
		}
	}
	return out
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
