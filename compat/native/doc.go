// Package native is rcjail's default backend: a [compat.Executor] that mounts,
// unmounts and reads the mount table with system calls (through package
// mount). On FreeBSD jail(8), jls, jexec, ifconfig, killall, sysctl and
// devfs(8) still run as programs, exactly as the command backend runs them
// (progs.go, by way of package cmdexec); on Linux each jail is a namespaced
// process tree (package linuxjail). Elsewhere [New] fails with an error
// wrapping errors.ErrUnsupported.
//
// Around the steps the plan engine hands it, the executor keeps the safety
// the shell script never had: one flock per jail under <root>/var/run/rcjail,
// a JSON record of what a start did (mount ids, aliases, created
// directories) written atomically beside it, reconciliation with the kernel's
// mount table before every mount (never stack; adopt exactly our own
// leftovers; refuse anything else), idempotent undo steps, bounded retries of
// busy unmounts with the processes holding them named, and a fault-injection
// seam ([Fault]) for tests.
package native
