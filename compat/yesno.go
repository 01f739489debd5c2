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

// YesNo is checkyesno for callers outside compat (show prints the meaning
// a value takes): ok is false when the script would warn and take "no".
func YesNo(v string) (val, ok bool) { return yesNo(v) }

// NotSetProperly is checkyesno's warning for varName.
func NotSetProperly(varName string) string { return notSetProperly(varName) }
