package inspect

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"rcjail/compat"
)

// RootdirMissing is the error start would hit when a jail's root directory
// (as written: jail file system paths are not under -R) does not exist or is
// not a directory; nil when it is there, when the jail is defined in a
// jail.conf file (jail(8) reads its path), when compat has refused rootdir
// already, or for a skeleton jail ([Skeletons] walks its rootdir and says
// more).
func RootdirMissing(j *compat.Jail) error {
	if j.JailConfFile != "" || j.RootDir == "" || j.Skel.Enable {
		return nil
	}
	if slices.ContainsFunc(j.Errors, func(e *compat.ConfigError) bool { return strings.HasSuffix(e.Var, "_rootdir") }) {
		return nil
	}
	msg := ""
	switch fi, err := os.Stat(j.RootDir); {
	case err != nil:
		msg = fmt.Sprintf("root directory %s does not exist, so start would fail (rcjail prepare %s creates it)", j.RootDir, j.Name)
	case !fi.IsDir():
		msg = fmt.Sprintf("root directory %s is not a directory, so start would fail", j.RootDir)
	default:
		return nil
	}
	e := &compat.ConfigError{Jail: j.Name, Var: "jail_" + j.JV + "_rootdir", Value: j.RootDir, Msg: msg}
	for _, s := range j.Settings {
		if s.Knob == "rootdir" {
			e.Var, e.File, e.Line = s.Var, s.File, s.Line
		}
	}
	return e
}
