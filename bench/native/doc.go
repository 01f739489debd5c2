// Package native holds the helpers of bench/native.bench.sh: nativebench
// (the floor and the executor's mount path), jailtrue (the jails' start
// command) and, in shims/, the FreeBSD commands the command backend runs,
// mapped onto Linux's mount(8) and umount(8).
package native
