package main

import (
	"errors"
	"fmt"
	"strconv"

	"rcjail/compat"
	"rcjail/compat/inspect"
	"rcjail/rcconf"
)

// usageError is a command line rcjail refuses (exit 2) after reading the
// configuration: a jail named that nothing defines.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// configFailed reports why the configuration could not be loaded and returns
// the exit status: 2 for a usage error, 1 otherwise.
func configFailed(g *Globals, err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(g.Stderr, "%s: %s\n", g.Name, ue.msg)
		return exitUsage
	}
	g.Errorf("%v", err)
	return 1
}

// checkJailNames refuses a jail named on rcjail's own command line that
// nothing defines (issue 16: "status wwww" looked like a stopped jail): no
// jail_list word, no variable of it set in rc.conf, no jail.conf file, no id
// file, no record of a start. The id file and the record keep a jail that
// still runs but was removed from rc.conf stoppable (SPEC §0: never fail to
// stop a running jail). Through the rc.d wrapper nothing is refused here:
// the script took every word as a jail and said why it could not start it.
func checkJailNames(g *Globals, cfg *compat.Config, v *rcconf.Vars, names []string) error {
	if g.Wrapped || len(names) == 0 {
		return nil
	}
	varNames := v.Names()
	for _, n := range names {
		if compat.NameKnown(v, varNames, n) {
			continue
		}
		j := cfg.Jails[n]
		if j == nil {
			continue
		}
		if j.JailConfFile != "" || inspect.HasState(g.Root, j) {
			continue
		}
		msg := "no jail " + strconv.Quote(n) + " in rc.conf"
		if s := compat.Closest(n, compat.KnownJailNames(v, varNames)); s != "" {
			msg += " (did you mean " + s + "?)"
		}
		return &usageError{msg}
	}
	return nil
}
