// Package compat gives rc.conf variables the meaning FreeBSD's legacy
// /etc/rc.d/jail (the 8.x script) gives them, plus rcjail's skeleton jails:
// variables → [Config] → plan → stdout, exactly as the script prints it.
//
// compat is pure: it imports none of rcjail's other packages and nothing that
// touches the operating system. Files it must read (fstab, devfs.rules) come in
// through the [FS] interface and every effect goes out through an executor
// interface, so the whole package is tested on any GOOS.
package compat
