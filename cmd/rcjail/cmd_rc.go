package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"

	"rcjail/compat"
	"rcjail/compat/cmdexec"
	"rcjail/compat/inspect"
	"rcjail/compat/record"
	"rcjail/compat/state"
	"rcjail/rcconf"
)

func init() { rcVerb = runRC }

// rcStatusHook, if set (by the admin `status` verb's file), handles the rc.d
// `status` verb once the jail_enable gate has passed; nil means compat's
// minimal rc.subr-like status lines.
var rcStatusHook func(ctx context.Context, g *Globals, cfg *compat.Config, x compat.Executor, names []string) int

// loadConfig evaluates rc.conf under -R and resolves the named jails (all of
// jail_list when names is empty). On rcjail's own command line a name that
// nothing defines is a *usageError (see [checkJailNames]).
func loadConfig(ctx context.Context, g *Globals, names []string) (*compat.Config, error) {
	cfg, _, err := loadConfigVars(ctx, g, names)
	return cfg, err
}

// loadConfigVars is loadConfig that also returns the evaluated rc.conf.
func loadConfigVars(ctx context.Context, g *Globals, names []string) (*compat.Config, *rcconf.Vars, error) {
	root := g.Root
	if root == "" {
		root = "/"
	}
	v, err := rcconf.Load(ctx, rcconf.Options{Root: root, Service: "jail"})
	if err != nil {
		return nil, nil, fmt.Errorf("load rc.conf under %s: %w", root, err)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, nil, fmt.Errorf("open root %s: %w", root, err)
	}
	defer r.Close()
	// rootFS (cmd_show.go) confines every read to the root.
	cfg, err := compat.NewConfig(v, rootFS{r}, names)
	if err != nil {
		return nil, nil, fmt.Errorf("resolve configuration under %s: %w", root, err)
	}
	if err := checkJailNames(g, cfg, v, names); err != nil {
		return nil, nil, err
	}
	return cfg, v, nil
}

// runRC handles every rc.d verb (with its prefix) and, as rc.subr does,
// answers any other word with "unknown directive" and the usage line.
func runRC(ctx context.Context, g *Globals, verb string, args []string) (int, bool) {
	if inv := compat.ParseInvocation(verb); compat.IsModernVerb(inv.Verb) {
		return runModern(ctx, g, inv, args), true
	}
	cfg, err := loadConfig(ctx, g, args)
	if ue := (*usageError)(nil); errors.As(err, &ue) {
		// A jail named that nothing defines, not even an id file: a
		// usage error before anything is done (checkJailNames).
		return configFailed(g, err), true
	}
	inv := compat.ParseInvocation(verb)
	if err != nil {
		if inv.Verb != compat.VerbStop {
			g.Errorf("%v", err)
			return 1, true
		}
		// Stop always stops (SPEC §0, §3.5): with rc.conf unreadable, the
		// jails named, or else every jail with an id file, are stopped
		// from what start recorded; the error is a warning.
		g.Warnf("%v; stopping from the id files", err)
		cfg = recordedConfig(g, args)
	}
	acts := inv.Verb != compat.VerbRcvar && (cfg.Enable || inv.Forced())
	switch inv.Verb {
	case compat.VerbStart, compat.VerbStop, compat.VerbRestart, compat.VerbStatus:
	default:
		acts = false
	}
	x, xerr := newBackend(g, cfg)
	if xerr == nil && backendWrap != nil {
		x = backendWrap(x)
	}
	if xerr != nil && acts && !g.DryRun {
		g.Errorf("%v", xerr)
		return 1, true
	}
	// The engine's locks and records (every real host): released after
	// the host is closed, at the end of the run.
	var rec *compat.Records
	if xerr == nil && !g.DryRun {
		rec = &compat.Records{Root: g.Root, Stderr: g.Warnf}
		defer func() {
			if err := rec.Close(); err != nil {
				g.Warnf("%v", err)
			}
		}()
	}
	// Releases what the backend holds for the run.
	defer x.Close()
	r := &compat.Runner{Config: cfg, X: x, Stdout: g.Stdout, Stderr: g.Stderr, Name: g.Name, Rec: rec}
	if backendName(g, cfg) == "native" {
		// Linux: a value the kernel cannot take refuses the jail with
		// check's message, not a jail(8) line (issue 14).
		r.Limits = inspect.StartLimits
	}
	if xerr == nil && !g.DryRun {
		// jail_parallel_start: each jail starts on an executor of its own.
		r.NewX = func() (compat.Executor, error) { return newBackend(g, cfg) }
	}
	var dry *compat.DryRun
	if g.DryRun {
		// -n prints commands only; the script's own lines are not part of
		// the plan. Whatever the backend, the queries are answered from
		// files alone (the command backend's file reads: id files, lstat),
		// never by running a program or asking the kernel, so the default
		// -n and -b command -n print the same plan (issue 16 item 7).
		dry = &compat.DryRun{W: g.Stdout, Q: cmdexec.New(g.Root), Resolve: compat.UnderRoot(g.Root),
			Sysctls: maps.Clone(compat.BootSysctls), Roots: map[string]string{}}
		for _, j := range cfg.Jails {
			if j.RootDir != "" {
				dry.Roots[compat.IDFile(j)] = j.RootDir
			}
		}
		r.X, r.Stdout = dry, io.Discard
	}
	// The admin status view prints for itself; under -n there is nothing
	// to plan, so the minimal status runs with its output discarded.
	if rcStatusHook != nil && !g.DryRun {
		r.Status = func(ctx context.Context, names []string) int {
			return rcStatusHook(ctx, g, cfg, r.X, names)
		}
	}
	st := r.Run(ctx, verb, args)
	if dry != nil && dry.Err() != nil {
		g.Errorf("write the plan: %v", dry.Err())
		return 1, true
	}
	return st, true
}

// recordedConfig is the configuration of a stop whose rc.conf cannot be
// evaluated: enabled, no jail configured (each is stopped from its id file
// and record), the list the names given or else the jails whose id file
// /var/run holds or that have a record.
func recordedConfig(g *Globals, names []string) *compat.Config {
	cfg := &compat.Config{Enable: true, Jails: map[string]*compat.Jail{}, List: names}
	if len(names) > 0 {
		return cfg
	}
	js, err := state.IDFiles(g.Root)
	if err != nil {
		g.Warnf("%v", err)
	}
	cfg.List = append(cfg.List, js...)
	seen := map[string]bool{}
	for _, j := range js {
		seen[compat.JailKey(j)] = true
	}
	// And the jails only a record knows (a start killed before it wrote
	// the id file): stop always stops (issue 12).
	recs, err := record.Jails(g.Root)
	if err != nil {
		g.Warnf("%v", err)
	}
	for _, j := range recs {
		if !seen[compat.JailKey(j)] {
			seen[compat.JailKey(j)] = true
			cfg.List = append(cfg.List, j)
		}
	}
	return cfg
}
