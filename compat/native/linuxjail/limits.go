package linuxjail

import (
	"fmt"
	"strconv"
)

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
// whose single argument exceeds MaxArgStrlen or whose argv, with env,
// exceeds argMax. Each message names the variable, the size and the limit.
func Limits(hostnameVar, hostname string, commands map[string][]string, env []string, argMax int64) []string {
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
		size := envSize
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
