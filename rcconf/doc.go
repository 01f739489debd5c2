// Package rcconf evaluates a FreeBSD rc.conf chain the way rc.subr's
// load_rc_config does, with mvdan.cc/sh/v3/interp in a sandbox: files are read
// only below a root directory, nothing is ever written, and no external command
// runs. The result is every variable set at the end, each with the file and line
// of the assignment that produced its final value.
//
// rcconf knows nothing of jails; package compat gives the variables their
// rc.d/jail meaning.
package rcconf
