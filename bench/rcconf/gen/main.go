// Command gen writes a fake root for the rc.conf benchmarks.
//
// Usage: gen DIR N     a tree with N jails (see package rcjail/rcconf/rcconftest)
//
//	gen DIR admin an admin's tree: a defaults file the size of FreeBSD's
//	              (about 700 variables, written here), and an rc.conf of a
//	              host with a handful of jails
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"rcjail/rcconf/rcconftest"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR N|admin")
		os.Exit(2)
	}
	if os.Args[2] == "admin" {
		if err := writeAdmin(os.Args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "gen: N must be a positive number or admin")
		os.Exit(2)
	}
	if err := rcconftest.WriteTree(os.Args[1], n); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// writeAdmin writes the admin tree. Its defaults file has the shape of
// FreeBSD's /etc/defaults/rc.conf (plain name="value" lines with a trailing
// comment, a few ${…} references, the source_rc_confs function) but text of
// its own: 230 services with an _enable, _flags and _program line each.
func writeAdmin(root string) error {
	var d strings.Builder
	d.WriteString(rcconftest.Defaults)
	d.WriteString("\n##############################################################\n### Services (written for the benchmark)  ###################\n##############################################################\n\n")
	for i := 0; i < 230; i++ {
		s := fmt.Sprintf("svc%03d", i)
		fmt.Fprintf(&d, "%s_enable=\"NO\"\t\t# Run %s (or NO).\n", s, s)
		fmt.Fprintf(&d, "%s_flags=\"\"\t\t# Flags to %s (if enabled).\n", s, s)
		if i%10 == 0 {
			fmt.Fprintf(&d, "%s_program=\"${local_startup%%%%/etc/rc.d}/sbin/%s\"\t# Path to %s.\n", s, s, s)
		} else {
			fmt.Fprintf(&d, "%s_program=\"/usr/sbin/%s\"\t# Path to %s.\n", s, s, s)
		}
	}
	var rc strings.Builder
	rc.WriteString(`hostname="gw.example.org"
ifconfig_em0="inet 192.0.2.10 netmask 255.255.255.0"
ifconfig_em0_alias0="inet 192.0.2.11/32"
ifconfig_em0_alias1="inet 192.0.2.12/32"
defaultrouter="192.0.2.1"
sshd_enable="YES"
ntpd_enable="YES"
ntpd_sync_on_start="YES"
powerd_enable="YES"
dumpdev="AUTO"
zfs_enable="YES"
syslogd_flags="-ss"
sendmail_enable="NONE"
clear_tmp_enable="YES"
svc010_enable="YES"
svc020_enable="YES"
svc020_flags="-d -c /usr/local/etc/svc020.conf"

# jails
jail_enable="YES"
jail_parallel_start="YES"
jail_list="www db mail dns build"
jail_devfs_ruleset="devfsrules_jail"
`)
	for i, j := range []string{"www", "db", "mail", "dns", "build"} {
		fmt.Fprintf(&rc, "jail_%s_rootdir=\"/usr/jails/%s\"\n", j, j)
		fmt.Fprintf(&rc, "jail_%s_hostname=\"%s.${hostname#*.}\"\n", j, j)
		fmt.Fprintf(&rc, "jail_%s_ip=\"em0|192.0.2.%d/32\"\n", j, 20+i)
		fmt.Fprintf(&rc, "jail_%s_devfs_enable=\"YES\"\n", j)
		fmt.Fprintf(&rc, "jail_%s_exec_start=\"/bin/sh /etc/rc\"\n", j)
		fmt.Fprintf(&rc, "jail_%s_exec_stop=\"/bin/sh /etc/rc.shutdown\"\n", j)
		fmt.Fprintf(&rc, "jail_%s_mount_enable=\"YES\"\n", j)
		fmt.Fprintf(&rc, "jail_%s_fstab=\"/etc/fstab.%s\"\n", j, j)
	}
	rc.WriteString("if [ -n \"${jail_build_rootdir}\" ]; then\n\tjail_build_flags=\"-l -U root -n build\"\nfi\n")
	return rcconftest.WriteFiles(root, map[string]string{
		"etc/defaults/rc.conf": d.String(),
		"etc/rc.conf":          rc.String(),
		"etc/rc.conf.local":    "ntpd_flags=\"-g\"\n",
	})
}
