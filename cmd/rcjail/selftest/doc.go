// Package selftest is `rcjail selftest [-b native|command]`: it proves a
// backend on the running kernel without touching anything the administrator
// owns.
//
// It builds a throwaway world on a scratch file system it mounts itself — on
// Linux a tmpfs in a private mount namespace (rcjail re-executes itself with
// CLONE_NEWNS, so no mount it makes is ever visible to the host, and the
// kernel drops them all when the last process in the namespace ends); on
// FreeBSD a tmpfs on a fresh directory. In it: a tiny skeleton (a copy of
// the rcjail binary, which doubles as the in-jail probe, and on Linux the
// shared libraries it needs; on FreeBSD /rescue), an rc.conf chain under a
// -R root, and two skeleton jails, one in nullfs mode and one in symlink
// mode, with devfs (ruleset 4), fdescfs and procfs enabled. Both are
// prepared, started and stopped through the ordinary command line code path
// of the chosen backend, checked from inside (hostname, read-only base,
// writable /tmp, filtered /dev, /proc) and from outside (the kernel's mount
// table: entries, types, sources, read-only flags), and the mount table
// after stop must be exactly the one before start. Then every effect step
// of a start is made to fail in turn (a wrapper around the backend's
// executor injects the failure before the step acts) and each rollback must
// leave the mount table exactly as before, no id file and no jail process.
//
// On Linux the table ends with package linuxjail's escape suite
// (EscapeChecks), run in a jail of its own under the scratch tmpfs.
//
// The result is a table (step, expected, seen, ok); the exit status is 0
// only if every row held.
//
// Safety: selftest refuses to run when a jail of its jails' names is known
// to the host (an id file or a native-backend record under the -R root, or
// on FreeBSD a running jail of that name); runs are serialized by a lock
// (a second one waits, up to LockWait). Its state lives in one well-known directory ([ScratchDir]); a
// run killed half-way leaves its jails' ids there, and the next run stops
// those jails and removes what is left before it starts. On Linux nothing
// can stay mounted on the host even after a kill -9: the mounts exist only
// in the private namespace (and in the namespaces of its jails, which the
// next run kills). On FreeBSD the next run unmounts every mount under the
// scratch directory, deepest first. No mount is ever made outside the
// scratch file system.
//
// On Linux the command backend runs programs that FreeBSD has and Linux
// does not (mount_nullfs, jail, jls, jexec, killall, devfs, df with FreeBSD
// types). selftest puts stand-ins for them first on PATH: links to the
// rcjail binary itself, which acts as the named program when the variable
// RCJAIL_SELFTEST_KIT is set (kit_linux.go). They make the same kernel
// objects as the native backend's Linux mapping; what they prove is the
// command backend's own logic (argv, ordering, path checks, rollback) on a
// real kernel, not FreeBSD's programs.
package selftest
