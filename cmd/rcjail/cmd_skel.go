package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"rcjail/compat"
	"rcjail/compat/inspect"
)

func init() {
	register(&command{
		name:  "skel",
		usage: "skel [--json] [jail ...]   which jails use which skeleton root, and whose /etc is older than its skeleton's",
		opts:  []opt{{name: "json"}},
		run:   runSkel,
	})
}

// skelRootReport is one skeleton root and the jails that use it (schema 1).
type skelRootReport struct {
	Root    string           `json:"root"`
	Version string           `json:"version,omitempty"` // USERLAND_VERSION of bin/freebsd-version
	Jails   []skelJailReport `json:"jails"`
}

type skelJailReport struct {
	Name string          `json:"name"`
	Jail string          `json:"jail"`
	Mode compat.SkelMode `json:"mode"`
	// EtcOlder: the jail's etc/rc is older than the skeleton's, so its /etc
	// was not merged since the skeleton was last upgraded.
	EtcOlder bool   `json:"etc_older"`
	Etc      string `json:"etc_mtime,omitempty"`      // the jail's etc/rc, RFC 3339
	SkelEtc  string `json:"skel_etc_mtime,omitempty"` // the skeleton's etc/rc
}

// runSkel reports, for the upgrade of a skeleton (README, "Upgrading the
// skeleton"), which jails use which skeleton root and whose /etc is older
// than the skeleton's: a jail's /etc is its own and is not upgraded with
// the skeleton. It reads only; paths are the jails' as written.
func runSkel(ctx context.Context, g *Globals, args []string) int {
	fs := flag.NewFlagSet("skel", flag.ContinueOnError)
	fs.SetOutput(g.Stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	cfg, _, err := adminConfig(ctx, g, fs.Args())
	if err != nil {
		return configFailed(g, err)
	}
	var roots []*skelRootReport
	byRoot := map[string]*skelRootReport{}
	seen := map[string]bool{}
	for _, n := range cfg.List {
		j := cfg.Jails[n]
		if seen[n] || j == nil || !j.Skel.Enable || len(j.Errors) > 0 {
			continue
		}
		seen[n] = true
		r := byRoot[j.Skel.Root]
		if r == nil {
			r = &skelRootReport{Root: j.Skel.Root, Version: inspect.UserlandVersion(j.Skel.Root), Jails: []skelJailReport{}}
			byRoot[j.Skel.Root] = r
			roots = append(roots, r)
		}
		r.Jails = append(r.Jails, skelJailOf(j))
	}
	if *asJSON {
		if roots == nil {
			roots = []*skelRootReport{}
		}
		return writeJSON(g, struct {
			jsonHeader
			Roots []*skelRootReport `json:"roots"`
		}{header("skel"), roots})
	}
	for _, r := range roots {
		v := ""
		if r.Version != "" {
			v = " (" + printable(r.Version) + ")"
		}
		names := make([]string, len(r.Jails))
		for i, j := range r.Jails {
			names[i] = printable(j.Name)
		}
		fmt.Fprintf(g.Stdout, "%s%s: %s\n", printable(r.Root), v, strings.Join(names, " "))
		for _, j := range r.Jails {
			if j.EtcOlder {
				fmt.Fprintf(g.Stdout, "  %s: /etc is older than the skeleton's (etc/rc %s, skeleton's %s): merge it (etcupdate(8))\n", printable(j.Name), j.Etc, j.SkelEtc)
			}
		}
	}
	return 0
}

func skelJailOf(j *compat.Jail) skelJailReport {
	r := skelJailReport{Name: j.Name, Jail: j.J, Mode: j.Skel.Mode}
	mine, theirs := inspect.EtcRC(j)
	if !mine.IsZero() {
		r.Etc = mine.UTC().Format(time.RFC3339)
	}
	if !theirs.IsZero() {
		r.SkelEtc = theirs.UTC().Format(time.RFC3339)
	}
	r.EtcOlder = !mine.IsZero() && !theirs.IsZero() && mine.Before(theirs)
	return r
}
