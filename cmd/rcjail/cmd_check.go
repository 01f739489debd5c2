package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"rcjail/compat"
)

func init() {
	register(&command{
		name:  "check",
		usage: "check [--strict] [jail ...]   validate the configuration, one verdict per jail (exit 1 on an error; on a warning too with --strict)",
		opts:  []opt{{name: "strict"}},
		run:   runCheck,
	})
}

// checkJail is what check found for one jail.
type checkJail struct {
	errs  []string
	warns []string
}

// runCheck resolves the configuration and reports every problem start would
// hit, and the variables no knob reads (typos, [compat.Lint]), without
// mounting, starting or writing anything. Each finding goes to stderr
// ("<prog>: ERROR: …" or "WARNING: …", naming the jail, the variable, the
// file and line and the value); then one verdict per jail on stdout:
//
//	jail www: ok
//	jail www: ok, 1 warning
//	jail db: cannot start, 2 errors
//	jail db: 1 warning, an error under --strict
//
// The exit status agrees with the verdicts: 1 when a jail cannot start, a
// finding concerns the whole run, or (with --strict) anything was warned
// about; 0 otherwise.
func runCheck(ctx context.Context, g *Globals, args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(g.Stderr)
	strict := fs.Bool("strict", false, "warnings are errors")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	names := fs.Args()
	cfg, v, err := loadConfigVars(ctx, g, names)
	if err != nil {
		return configFailed(g, err)
	}
	warnf := g.Warnf
	if *strict {
		warnf = g.Errorf
	}
	st := 0
	warned := func() {
		if *strict {
			st = 1
		}
	}

	per := map[string]*checkJail{}
	var order []string
	for _, n := range cfg.List {
		if per[n] == nil {
			per[n] = &checkJail{}
			order = append(order, n) // jail_list="www www" is one jail
		}
	}
	// Findings of the whole configuration (checkyesno on a host knob, a
	// shared writable skeleton directory, a typo naming no listed jail).
	for _, w := range cfg.Warnings {
		warnf("%s", w)
		warned()
	}
	for _, f := range compat.Lint(v, v.Names(), names) {
		if c := per[f.Jail]; c != nil {
			c.warns = append(c.warns, f.String())
			continue
		}
		warnf("%s", f)
		warned()
	}
	for _, f := range checkSkeletons(cfg) {
		c := per[f.Jail]
		if c == nil {
			continue
		}
		if f.Warning {
			c.warns = append(c.warns, f.String())
		} else {
			c.errs = append(c.errs, f.String())
		}
	}
	for _, n := range order {
		j, c := cfg.Jails[n], per[n]
		var errs []string
		for _, e := range j.Errors {
			errs = append(errs, e.Error())
		}
		if e := rootdirMissing(j); e != nil {
			errs = append(errs, e.Error())
		}
		errs = append(errs, c.errs...)
		for _, e := range errs {
			g.Errorf("%s", e)
		}
		for _, w := range c.warns {
			warnf("%s", w)
		}
		fmt.Fprintf(g.Stdout, "jail %s: %s\n", printable(n), verdict(len(errs), len(c.warns), *strict))
		if len(errs) > 0 {
			st = 1
		}
		if len(c.warns) > 0 {
			warned()
		}
	}
	return st
}

// verdict is one jail's line of check.
func verdict(errs, warns int, strict bool) string {
	count := func(n int, what string) string {
		if n == 1 {
			return "1 " + what
		}
		return strconv.Itoa(n) + " " + what + "s"
	}
	switch {
	case errs > 0:
		s := "cannot start, " + count(errs, "error")
		if warns > 0 {
			s += ", " + count(warns, "warning")
		}
		return s
	case warns > 0 && strict:
		return count(warns, "warning") + ", an error under --strict"
	case warns > 0:
		return "ok, " + count(warns, "warning")
	}
	return "ok"
}

// rootdirMissing is the error start would hit when a jail's root directory
// (as written: jail file system paths are not under -R) does not exist or is
// not a directory; nil when it is there, when the jail is defined in a
// jail.conf file (jail(8) reads its path), when compat has refused rootdir
// already, or for a skeleton jail (checkSkeletons walks its rootdir and says
// more).
func rootdirMissing(j *compat.Jail) error {
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
