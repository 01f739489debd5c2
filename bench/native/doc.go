// Package native holds the helpers of bench/native.bench.sh: nativebench
// (the floor and the executor's mount path) and, in shims/, the FreeBSD
// commands the command backend runs, mapped onto Linux's mount(8) and
// umount(8). The jails' start command is bench/jailtrue, shared with
// bench/skel.bench.sh.
package native
