package compat

import "strings"

// yesNo is rc.subr's checkyesno: yes/true/on/1 and no/false/off/0, any case.
// ok is false for anything else; the script then warns and takes "no".
func yesNo(v string) (val, ok bool) {
	switch strings.ToLower(v) {
	case "yes", "true", "on", "1":
		return true, true
	case "no", "false", "off", "0":
		return false, true
	}
	return false, false
}

// notSetProperly is checkyesno's warning, without the "<prog>: WARNING: "
// prefix the caller adds.
func notSetProperly(varName string) string {
	return "$" + varName + " is not set properly - see rc.conf(5)."
}
