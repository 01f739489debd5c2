// Package cmdexec is rcjail's `command` backend: a compat.Executor that
// performs every step by running the external program the FreeBSD 8.x
// rc.d/jail script runs (mount_nullfs, mount, umount, df, devfs, ln,
// ifconfig, sysctl, jail, jexec, killall, jls …), found on PATH, with an
// explicit argv (never `sh -c`) and a time limit per command. The argv of
// each step comes from compat.StepArgv, so `rcjail -n` prints exactly what
// this backend runs.
//
// The few things the script did with shell redirections — the id file, the
// console log — and the path checks it did with `[ -L ]` are done in Go:
// host state files are opened under the -R root without following a symlink
// in their last component, and mount points inside a jail root are checked
// component by component with lstat (SPEC §3.4). The check and the mount are
// two programs apart, so this backend narrows the symlink race but cannot
// close it; the native backend verifies after mounting.
package cmdexec
