package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"rcjail/compat"
	"rcjail/compat/cmdexec"
	"rcjail/compat/inspect"
)

func init() {
	register(&command{
		name:  "status",
		usage: "status [--json] [jail ...]     running or not, jid, mounts present/expected (exit 3 if one is not running)",
		opts:  []opt{{name: "json"}},
		run:   runStatus,
	})
	// The prefixed rc.d forms (onestatus, faststatus, …) reach the rc.d
	// runner, which applies the jail_enable gate and then calls this.
	rcStatusHook = func(ctx context.Context, g *Globals, cfg *compat.Config, x compat.Executor, names []string) int {
		return statusReport(ctx, g, x, cfg, names, false)
	}
}

// statusNotRunning is the exit status when a jail asked about does not run,
// as rc.subr's status reports for a service that is not running.
const statusNotRunning = 3

func runStatus(ctx context.Context, g *Globals, args []string) int {
	a, code := loadAdminVerb(ctx, g, "status", args)
	if code != 0 {
		return code
	}
	x, err := statusHost(ctx, g, a.cfg)
	if err != nil {
		g.Errorf("%v", err)
		return 1
	}
	defer x.Close()
	return statusReport(ctx, g, x, a.cfg, a.names, a.json)
}

// statusHost is the host status asks whether a jail runs: the backend's
// (native: the kernel's jail in that root; command: `jls -j JID`), as for
// stop; nothing is created or locked by asking. Under -n, as every -n
// query, it is answered from files alone, never by a program or the
// kernel (issue 16 item 7): the dry run's, for which a jid an id file
// names runs, as for `-n stop`.
func statusHost(ctx context.Context, g *Globals, cfg *compat.Config) (compat.Executor, error) {
	if !g.DryRun {
		return newBackend(g, cfg)
	}
	dry := &compat.DryRun{W: io.Discard, Q: cmdexec.New(g.Root), Resolve: compat.UnderRoot(g.Root), Roots: map[string]string{}}
	for _, j := range cfg.Jails {
		if j.RootDir != "" {
			dry.Roots[compat.IDFile(j)] = j.RootDir
		}
		_, _, _ = dry.ReadIDFile(ctx, compat.IDFile(j))
	}
	return dry, nil
}

// statusReport prints the status of names (cfg.List when empty), asking
// host whether each runs, and returns 0 when every one runs, 3 otherwise,
// 1 when the state cannot be read.
func statusReport(ctx context.Context, g *Globals, host inspect.Host, cfg *compat.Config, names []string, asJSON bool) int {
	all, err := inspect.Status(ctx, host, g.Root, cfg, names)
	if err != nil {
		g.Errorf("%v", err)
		return 1
	}
	st := 0
	for _, js := range all {
		if !js.Running {
			st = statusNotRunning
		}
	}
	if asJSON {
		if all == nil {
			all = []inspect.JailStatus{}
		}
		if c := writeJSON(g, struct {
			jsonHeader
			Jails []inspect.JailStatus `json:"jails"`
		}{header("status"), all}); c != 0 {
			return c
		}
		return st
	}
	for _, js := range all {
		writeStatusText(g.Stdout, js)
	}
	return st
}

// writeStatusText prints one line per jail and an indented line per finding:
//
//	www: running, jid 1234, host www.example.org, root /jails/www, mounts 3/3
//	db: not running, root /jails/db, mounts 0/2
//	  missing: nullfs /jails/db/bin
func writeStatusText(w io.Writer, js inspect.JailStatus) {
	var b strings.Builder
	b.WriteString(printable(js.Name) + ": ")
	if js.Running {
		fmt.Fprintf(&b, "running, jid %d", js.JID)
	} else {
		b.WriteString("not running")
	}
	if js.Hostname != "" {
		b.WriteString(", host " + printable(js.Hostname))
	}
	if js.Root != "" {
		b.WriteString(", root " + printable(js.Root))
	}
	if js.JailConf != "" {
		b.WriteString(", defined in " + printable(js.JailConf))
	}
	fmt.Fprintf(&b, ", mounts %d/%d\n", js.Present, js.Expected)
	if js.Running {
		for _, m := range js.Mounts {
			if !m.Present {
				fmt.Fprintf(&b, "  missing: %s %s\n", printable(m.Type), printable(m.Target))
			}
		}
	}
	for _, l := range js.Leftovers {
		b.WriteString("  stale: " + printable(l) + "\n")
	}
	for _, e := range js.Errors {
		b.WriteString("  error: " + printable(e) + "\n")
	}
	io.WriteString(w, b.String())
}

// printable leaves s alone when it is plain text and Go-quotes it otherwise,
// so that a hostile host name or path cannot forge lines of the report or
// drive the terminal: control characters (a newline, an escape sequence),
// invalid UTF-8, and every rune Go does not call printable, among them the
// Unicode bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069, which
// make a terminal show text in another order than it is) and the line and
// paragraph separators (U+2028, U+2029).
func printable(s string) string {
	for _, r := range s {
		if r == '\uFFFD' || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}
