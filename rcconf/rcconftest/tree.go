package rcconftest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// sourcePass is one walk of source_rc_confs over rc_conf_files, reading each
// file not read before.
const sourcePass = `	for i in ${rc_conf_files}; do
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
`

// Defaults is an /etc/defaults/rc.conf whose source_rc_confs walks
// rc_conf_files twice, so that a file read in the first pass may add a file
// to the list and have it read in the second. rc_conf_files is set on its
// first line (tests check that line as the variable's origin).
const Defaults = `rc_conf_files="/etc/rc.conf /etc/rc.conf.local"
# defaults written by rcconftest
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
` + sourcePass + sourcePass + `	}
fi
`

// JailName is the name of generated jail i: mostly webN, with dotted and
// dashed names mixed in, since rc.d/jail maps those to _ in variable names.
func JailName(i int) string {
	switch i % 10 {
	case 3:
		return fmt.Sprintf("db%d.internal", i)
	case 7:
		return fmt.Sprintf("mail-%d", i)
	}
	return fmt.Sprintf("web%d", i)
}

// JailVar maps a jail name to its variable-name part (. and - become _).
func JailVar(name string) string {
	return strings.NewReplacer(".", "_", "-", "_").Replace(name)
}

// WriteTree writes under root a tree with n jails of about 20 variables
// each: Defaults; an rc.conf that appends to jail_list and derives values
// with ${hostname#*.}, %%, %, arithmetic, if and case; an rc.conf.local that
// exports a variable, re-derives names with . and - in shell and assigns
// through eval; an rc.conf.site picked up by the second pass; and
// rc.conf.d/jail files in /etc and /usr/local/etc.
func WriteTree(root string, n int) error {
	var rc strings.Builder
	fmt.Fprintf(&rc, "# generated: %d jails\n", n)
	rc.WriteString("rc_conf_files=\"${rc_conf_files} /etc/rc.conf.site\"\n")
	rc.WriteString("hostname=host.dc1.example.org\njail_enable=YES\njail_domain=${hostname#*.}\n")
	for i := 1; i <= n; i++ {
		name := JailName(i)
		v := "jail_" + JailVar(name) + "_"
		fmt.Fprintf(&rc, "\n# jail %d\n", i)
		fmt.Fprintf(&rc, "jail_list=\"$jail_list %s\"\n", name)
		fmt.Fprintf(&rc, "%srootdir=\"/usr/jails/%s\"\n", v, name)
		fmt.Fprintf(&rc, "%shostname=\"%s.${jail_domain}\"\n", v, strings.ReplaceAll(name, ".", "-"))
		fmt.Fprintf(&rc, "%sip=\"10.%d.%d.%d\"\n", v, i/65536, i/256%256, i%256)
		fmt.Fprintf(&rc, "%sinterface=em$((%d %% 4))\n", v, i)
		fmt.Fprintf(&rc, "%sdomain=${%shostname#*.}\n", v, v)
		fmt.Fprintf(&rc, "%sshort=${%shostname%%%%.*}\n", v, v)
		fmt.Fprintf(&rc, "%sparent=${%srootdir%%/*}\n", v, v)
		fmt.Fprintf(&rc, "%sfib=$((%d %% 4))\n", v, i)
		fmt.Fprintf(&rc, "%sdevfs_enable=YES\n%sdevfs_ruleset=devfsrules_jail\n", v, v)
		fmt.Fprintf(&rc, "%sflags=\"-l -U root -n %s\"\n", v, name)
		fmt.Fprintf(&rc, "%sexec_start='/bin/sh /etc/rc'\n", v)
		fmt.Fprintf(&rc, "%sexec_stop=\"/bin/sh /etc/rc.shutdown\"\n", v)
		fmt.Fprintf(&rc, "%sexec_prestart0=\"logger -t jail starting %s\"\n", v, name)
		fmt.Fprintf(&rc, "%sconsolelog=/var/log/%sconsole.log\n", v, v)
		fmt.Fprintf(&rc, "%sfstab=\"/etc/fstab.%s\"\n", v, JailVar(name))
		fmt.Fprintf(&rc, "%smount_enable=NO\n", v)
		fmt.Fprintf(&rc, "%sprocfs_enable=${jail_procfs_enable:-NO}\n", v)
		fmt.Fprintf(&rc, "%snote='it'\"'\"'s jail %s'\n", v, name)
		if i%5 == 0 {
			fmt.Fprintf(&rc, "if [ $((%d %% 2)) -eq 0 ]; then\n\t%sparity=even\nelse\n\t%sparity=odd\nfi\n", i, v, v)
		}
		if i%7 == 0 {
			fmt.Fprintf(&rc, "case %s in\ndb*) %srole=db ;;\nmail-*) %srole=mail ;;\n*) %srole=web ;;\nesac\n", name, v, v, v)
		}
	}
	rc.WriteString("jail_list=${jail_list# }\n")

	local := `# exported, then names with . and - become variable names in shell, then eval
export jail_web1_flags="-l -U www"
for j in $jail_list; do
	_jv=$j
	while :; do
		case $_jv in
		*.*) _jv=${_jv%%.*}_${_jv#*.} ;;
		*-*) _jv=${_jv%%-*}_${_jv#*-} ;;
		*) break ;;
		esac
	done
	eval "jail_${_jv}_name=\$j"
	eval "jail_${_jv}_tag=\"\${jail_${_jv}_short}-tagged\""
done
unset _jv j
`
	site := "jail_site_read=yes\njail_list=\"$jail_list sitejail\"\njail_sitejail_rootdir=/usr/jails/sitejail\njail_sitejail_hostname=site.$jail_domain\n"
	return WriteFiles(root, map[string]string{
		"etc/defaults/rc.conf":         Defaults,
		"etc/rc.conf":                  rc.String(),
		"etc/rc.conf.local":            local,
		"etc/rc.conf.site":             site,
		"etc/rc.conf.d/jail":           "jail_parallel_start=YES\n",
		"usr/local/etc/rc.conf.d/jail": "jail_web1_hostname=override.${jail_domain}\n",
	})
}

// WriteFiles writes each file (a slash-separated path relative to root) with
// its text, making missing directories.
func WriteFiles(root string, files map[string]string) error {
	for rel, text := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write tree file %s: %w", rel, err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return fmt.Errorf("write tree file %s: %w", rel, err)
		}
	}
	return nil
}
