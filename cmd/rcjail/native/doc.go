// Package native is rcjail's default backend: a [compat.Executor] that mounts,
// unmounts and reads the mount table with system calls (through package
// mount), and on Linux runs each jail as a namespaced process tree
// (package linuxjail).
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
