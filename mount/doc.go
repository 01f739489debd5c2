// Package mount is rcjail's per-OS mount layer: nullfs (a bind mount on Linux),
// devfs, fdescfs and procfs mounts made without following symlinks inside a jail
// root, checked after the fact, unmounted only when the kernel still shows the
// mount we made, and the mount table as the kernel reports it.
//
// It knows nothing of rc.conf or plans. OS code is split by file name
// (_linux.go, _freebsd.go, _other.go); pure parts (option and iovec building,
// mountinfo decoding) live in portable files so they are tested everywhere.
package mount
