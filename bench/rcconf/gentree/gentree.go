// Package gentree writes a fake root with N jails for bench/rcconf.bench.sh
// and rcconf's BenchmarkLoad:
// a defaults file with a two-pass source_rc_confs, an rc.conf with about 20
// variables per jail (jail_list appends, ${hostname#*.}, %%, arithmetic, if
// and case blocks, names with . and -), an rc.conf.local and an
// rc.conf.d/jail file.
package gentree

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const defaults = `# bench defaults
rc_conf_files="/etc/rc.conf /etc/rc.conf.local"
jail_enable="NO"
jail_list=""
jail_parallel_start="NO"
jail_procfs_enable="NO"
jail_devfs_enable="YES"
hostname=""
local_startup="/usr/local/etc/rc.d"
if [ -z "${source_rc_confs_defined}" ]; then
	source_rc_confs_defined=yes
	source_rc_confs()
	{
		local i sourced_files
		for i in ${rc_conf_files}; do
			case ${sourced_files} in
			*:$i:*) ;;
			*)
				sourced_files="${sourced_files}:$i:"
				if [ -r $i ]; then
					. $i
				fi
				;;
			esac
		done
		for i in ${rc_conf_files}; do
			case ${sourced_files} in
			*:$i:*) ;;
			*)
				sourced_files="${sourced_files}:$i:"
				if [ -r $i ]; then
					. $i
				fi
				;;
			esac
		done
	}
fi
`

func name(i int) string {
	switch i % 10 {
	case 3:
		return fmt.Sprintf("db%d.internal", i)
	case 7:
		return fmt.Sprintf("mail-%d", i)
	}
	return fmt.Sprintf("web%d", i)
}

// Write writes the tree for n jails under dir.
func Write(dir string, n int) error {
	var rc strings.Builder
	rc.WriteString("hostname=\"host.dc1.example.org\"\njail_enable=\"YES\"\njail_domain=\"${hostname#*.}\"\n")
	rc.WriteString("rc_conf_files=\"${rc_conf_files} /etc/rc.conf.site\"\n")
	for i := 1; i <= n; i++ {
		nm := name(i)
		v := "jail_" + strings.NewReplacer(".", "_", "-", "_").Replace(nm) + "_"
		fmt.Fprintf(&rc, "\n# jail %d: %s\n", i, nm)
		fmt.Fprintf(&rc, "jail_list=\"$jail_list %s\"\n", nm)
		fmt.Fprintf(&rc, "%shostname=\"%s.${jail_domain}\"\n", v, strings.ReplaceAll(nm, ".", "-"))
		fmt.Fprintf(&rc, "%sdomain=\"${%shostname#*.}\"\n", v, v)
		fmt.Fprintf(&rc, "%sshort=\"${%shostname%%%%.*}\"\n", v, v)
		fmt.Fprintf(&rc, "%srootdir=\"/usr/jails/%s\"\n", v, nm)
		fmt.Fprintf(&rc, "%sparent=\"${%srootdir%%/*}\"\n", v, v)
		fmt.Fprintf(&rc, "%sip=\"10.%d.%d.%d\"\n", v, i/65536, i/256%256, i%256)
		fmt.Fprintf(&rc, "%sinterface=\"vtnet0\"\n", v)
		fmt.Fprintf(&rc, "%sfib=\"$((%d %% 4))\"\n", v, i)
		fmt.Fprintf(&rc, "%sdevfs_enable=\"YES\"\n%sdevfs_ruleset=\"4\"\n", v, v)
		fmt.Fprintf(&rc, "%smount_enable=\"YES\"\n", v)
		fmt.Fprintf(&rc, "%sfstab=\"/etc/fstab.%s\"\n", v, strings.TrimSuffix(strings.TrimPrefix(v, "jail_"), "_"))
		fmt.Fprintf(&rc, "%sexec_start='/bin/sh /etc/rc'\n", v)
		fmt.Fprintf(&rc, "%sexec_stop=\"/bin/sh /etc/rc.shutdown\"\n", v)
		fmt.Fprintf(&rc, "%sexec_prestart0=\"logger -t jail starting %s\"\n", v, nm)
		fmt.Fprintf(&rc, "%sflags=\"-l -U root -n %s\"\n", v, nm)
		fmt.Fprintf(&rc, "%sprocfs_enable=\"${jail_procfs_enable:-NO}\"\n", v)
		fmt.Fprintf(&rc, "%sconsolelog=\"/var/log/%sconsole.log\"\n", v, v)
		fmt.Fprintf(&rc, "%sparameters=\"allow.raw_sockets=1\"\n", v)
		if i%5 == 0 {
			fmt.Fprintf(&rc, "if [ -n \"$%sip\" ]; then\n\t%svnet=\"NO\"\nelse\n\t%svnet=\"YES\"\nfi\n", v, v, v)
		}
		if i%7 == 0 {
			fmt.Fprintf(&rc, "case \"$%shostname\" in\ndb*) %srole=db ;;\nmail-*) %srole=mail ;;\n*) %srole=web ;;\nesac\n", v, v, v, v)
		}
	}
	local := "# local overrides\njail_parallel_start=\"YES\"\nexport jail_web1_flags=\"-l -U www\"\n" +
		"for _j in web1 web2; do\n\teval \"jail_${_j}_devfs_ruleset=5\"\ndone\n"
	files := map[string]string{
		"etc/defaults/rc.conf": defaults,
		"etc/rc.conf":          rc.String(),
		"etc/rc.conf.local":    local,
		"etc/rc.conf.site":     "jail_site_note=\"from the second pass\"\n",
		"etc/rc.conf.d/jail":   "jail_conf_d=\"YES\"\n",
	}
	for p, s := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}
