package rcconf_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// genJailName is the name of generated jail i: mostly webN, with dotted and
// dashed names mixed in, since rc.d/jail maps those to _ in variable names.
func genJailName(i int) string {
	switch i % 10 {
	case 3:
		return fmt.Sprintf("db%d.internal", i)
	case 7:
		return fmt.Sprintf("mail-%d", i)
	}
	return fmt.Sprintf("web%d", i)
}

// genJailVar maps a jail name to its variable-name part (. and - become _).
func genJailVar(name string) string {
	return strings.NewReplacer(".", "_", "-", "_").Replace(name)
}

// writeGeneratedTree writes a root with n jails of about 20 variables each:
// the two-pass defaults of the rcconffiles-twopass fixture, an rc.conf that
// appends to jail_list and derives values with ${hostname#*.}, %%, %,
// arithmetic, if and case, an rc.conf.local that re-derives names with . and -
// in shell and assigns through eval, an rc.conf.site picked up by the second
// pass, and rc.conf.d/jail files in /etc and /usr/local/etc.
func writeGeneratedTree(root string, n int) error {
	defaults, err := os.ReadFile(filepath.Join(confirmDir, "rcconffiles-twopass/etc/defaults/rc.conf"))
	if err != nil {
		return fmt.Errorf("read the defaults to reuse: %w", err)
	}
	var rc strings.Builder
	rc.WriteString("# generated: " + fmt.Sprint(n) + " jails\n")
	rc.WriteString("rc_conf_files=\"${rc_conf_files} /etc/rc.conf.site\"\n")
	rc.WriteString("hostname=host.dc1.example.org\njail_enable=YES\njail_domain=${hostname#*.}\n")
	for i := 1; i <= n; i++ {
		name := genJailName(i)
		v := "jail_" + genJailVar(name) + "_"
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
		fmt.Fprintf(&rc, "%sexec_prestart0=\"logger -t jail starting %s\"\n", v, name)
		fmt.Fprintf(&rc, "%sconsolelog=/var/log/%sconsole.log\n", v, v)
		fmt.Fprintf(&rc, "%sfstab=\"/etc/fstab.%s\"\n", v, genJailVar(name))
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

	local := `# names with . and - become variable names in shell, then eval
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
	files := map[string]string{
		"etc/defaults/rc.conf":         string(defaults),
		"etc/rc.conf":                  rc.String(),
		"etc/rc.conf.local":            local,
		"etc/rc.conf.site":             site,
		"etc/rc.conf.d/jail":           "jail_parallel_start=YES\n",
		"usr/local/etc/rc.conf.d/jail": "jail_web1_hostname=override.${jail_domain}\n",
	}
	for rel, text := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("generate %s: %w", rel, err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return fmt.Errorf("generate %s: %w", rel, err)
		}
	}
	return nil
}
