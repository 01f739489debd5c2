package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"

	"rcjail/compat"
	"rcjail/compat/inspect"
)

func init() {
	register(&command{
		name:  "check",
		usage: "check [--strict] [--json] [jail ...]   validate the configuration, one verdict per jail (exit 1 on an error; on a warning too with --strict)",
		opts:  []opt{{name: "strict"}, {name: "json"}},
		run:   runCheck,
	})
}

// checkJail is what check found for one jail (and, in --json, its shape:
// schema 1, jsonout.go).
type checkJail struct {
	Name     string   `json:"name"`
	Jail     string   `json:"jail"`
	Verdict  string   `json:"verdict"`
	OK       bool     `json:"ok"` // the verdict counts as a pass (under --strict: no warning either)
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
	// Notes say where the 8.x and the modern script differ for this jail
	// and which meaning rcjail took: the same texts as show's
	// (compat.Choices). They change neither the verdict nor the exit
	// status, --strict or not.
	Notes []string `json:"notes"`
}

// checkOutput is check's whole report.
type checkOutput struct {
	jsonHeader
	Strict bool `json:"strict"`
	OK     bool `json:"ok"` // exit status 0
	// Warnings concern the whole configuration (checkyesno on a host knob,
	// a shared writable skeleton directory, a variable of no listed jail).
	Warnings []string    `json:"warnings"`
	Jails    []checkJail `json:"jails"`
}

// runCheck resolves the configuration and reports every problem start would
// hit, and the variables no knob reads (typos, [compat.Lint]), without
// mounting, starting or writing anything. Each finding goes to stderr
// ("<prog>: ERROR: …" or "WARNING: …", naming the jail, the variable, the
// file and line and the value), and "<prog>: NOTE: jail J: …" where the 8.x
// and the modern script give the jail's knobs different meanings (the note
// show prints, compat.Choices; not a finding: it changes no verdict and no
// exit status); then one verdict per jail on stdout:
//
//	jail www: ok
//	jail www: ok, 1 warning
//	jail db: cannot start, 2 errors
//	jail db: 1 warning, an error under --strict
//
// The exit status agrees with the verdicts: 1 when a jail cannot start or
// (with --strict) anything was warned about; 0 otherwise. --json prints the
// same report as one JSON document on stdout, and nothing on stderr.
func runCheck(ctx context.Context, g *Globals, args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(g.Stderr)
	strict := fs.Bool("strict", false, "warnings are errors")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	names := fs.Args()
	cfg, v, err := loadConfigVars(ctx, g, names)
	if err != nil {
		return configFailed(g, err)
	}
	out := checkReport(cfg, compat.Lint(v, v.Names(), names), *strict)
	st := 0
	if !out.OK {
		st = 1
	}
	if *asJSON {
		return max(st, writeJSON(g, out))
	}
	warnf := g.Warnf
	if *strict {
		warnf = g.Errorf
	}
	for _, w := range out.Warnings {
		warnf("%s", w)
	}
	for _, j := range out.Jails {
		for _, e := range j.Errors {
			g.Errorf("%s", e)
		}
		for _, w := range j.Warnings {
			warnf("%s", w)
		}
		for _, n := range j.Notes {
			fmt.Fprintf(g.Stderr, "%s: NOTE: jail %s: %s\n", g.Name, printable(j.Name), n)
		}
		fmt.Fprintf(g.Stdout, "jail %s: %s\n", printable(j.Name), j.Verdict)
	}
	return st
}

// checkReport gathers every finding of check by jail.
func checkReport(cfg *compat.Config, lint []compat.LintFinding, strict bool) checkOutput {
	out := checkOutput{jsonHeader: header("check"), Strict: strict, OK: true, Warnings: []string{}, Jails: []checkJail{}}
	per := map[string]*checkJail{}
	var order []string
	var dups []string
	for _, n := range cfg.List {
		if per[n] == nil {
			notes := compat.Choices(cfg.Jails[n])
			if notes == nil {
				notes = []string{}
			}
			per[n] = &checkJail{Name: n, Jail: cfg.Jails[n].J, Errors: []string{}, Warnings: []string{}, Notes: notes}
			order = append(order, n) // jail_list="www www" is one jail
		} else if !slices.Contains(dups, n) {
			dups = append(dups, n)
		}
	}
	out.Warnings = append(out.Warnings, cfg.Warnings...)
	for _, n := range dups {
		// The script starts it once and then finds it running; stop runs
		// twice on it. Harmless, and most likely a slip.
		out.Warnings = append(out.Warnings, fmt.Sprintf("jail %s is named more than once; start starts it once and then reports it already running", printable(n)))
	}
	for _, f := range lint {
		if c := per[f.Jail]; c != nil {
			c.Warnings = append(c.Warnings, f.String())
		} else {
			out.Warnings = append(out.Warnings, f.String())
		}
	}
	skel := map[string][]string{} // errors first, then warnings, by jail
	for _, f := range inspect.Skeletons(cfg) {
		if c := per[f.Jail]; c != nil && f.Warning {
			c.Warnings = append(c.Warnings, f.String())
		} else if c != nil {
			skel[f.Jail] = append(skel[f.Jail], f.String())
		}
	}
	if strict && len(out.Warnings) > 0 {
		out.OK = false
	}
	for _, n := range order {
		j, c := cfg.Jails[n], per[n]
		for _, e := range j.Errors {
			c.Errors = append(c.Errors, e.Error())
		}
		if e := inspect.RootdirMissing(j); e != nil {
			c.Errors = append(c.Errors, e.Error())
		}
		for _, e := range inspect.Limits(j) {
			c.Errors = append(c.Errors, "jail "+printable(n)+": "+e)
		}
		c.Errors = append(c.Errors, skel[n]...)
		c.Verdict = verdict(len(c.Errors), len(c.Warnings), strict)
		c.OK = len(c.Errors) == 0 && !(strict && len(c.Warnings) > 0)
		if !c.OK {
			out.OK = false
		}
		out.Jails = append(out.Jails, *c)
	}
	return out
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
