// Package native is rcjail's default backend: a [compat.Executor] that mounts,
// unmounts and reads the mount table with system calls (through package
// mount). On FreeBSD jail(8), jls, jexec, ifconfig, killall, sysctl and
// devfs(8) still run as programs, exactly as the command backend runs them
// (progs.go, by way of package cmdexec); on Linux each jail is a namespaced
// process tree (package linuxjail). Elsewhere [New] fails with an error
// wrapping errors.ErrUnsupported.
//
// It is a host: the jail's lock and its record are the engine's (package
// compat: Records and the journal). The executor reports what it made (the
// directories of a Mkdir, each mount's kernel identity, the jid the moment
// the jail exists, through compat.StartJail.Created) and undoes exactly the
// mount the engine names (compat.Unmount.Expect: by identity wherever it is
// now). It never stacks a mount on a mount point (an earlier run's leftover
// the record does not list refuses the start), makes idempotent undo steps,
// retries busy unmounts within a bound and names the processes holding them,
// and has a fault-injection seam ([Fault]) for tests.
package native
