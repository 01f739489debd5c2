// Command rcjail is a drop-in replacement for FreeBSD's /etc/rc.d/jail, with
// skeleton jails. See rcjail(8) and the README.
package main
