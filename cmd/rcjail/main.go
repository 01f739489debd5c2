package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"rcjail/compat"
	"rcjail/rcconf"
)

// Globals are the options that come before the verb.
type Globals struct {
	Root    string // -R: every path is resolved under this directory
	DryRun  bool   // -n: print the plan as sh commands and change nothing
	Backend string // -b: "native" or "command"; "" means rc.conf's rcjail_backend, then the system's default (backendChoice)
	Name    string // --name: the path to prefix diagnostics with (the wrapper passes /etc/rc.d/jail)

	Stdout io.Writer
	Stderr io.Writer
}

// Warnf prints "<name>: WARNING: <msg>" on stderr, as rc.subr's warn does.
func (g *Globals) Warnf(format string, args ...any) {
	fmt.Fprintf(g.Stderr, "%s: WARNING: %s\n", g.Name, fmt.Sprintf(format, args...))
}

// Errorf prints "<name>: ERROR: <msg>" on stderr, as rc.subr's err does.
func (g *Globals) Errorf(format string, args ...any) {
	fmt.Fprintf(g.Stderr, "%s: ERROR: %s\n", g.Name, fmt.Sprintf(format, args...))
}

// A command is one verb of the command line. Verbs register themselves from
// their own files with [register], so that each lives beside its tests.
type command struct {
	name  string
	usage string // one line, shown by "rcjail help"
	run   func(ctx context.Context, g *Globals, args []string) int
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("rcjail: verb registered twice: " + c.name)
	}
	commands[c.name] = c
}

// rcVerb, if set, handles every rc.d verb with its prefixes (start, onestart,
// faststop, restart, rcvar, status, …). It reports false when the word is not
// an rc.d verb at all.
var rcVerb func(ctx context.Context, g *Globals, verb string, args []string) (status int, ok bool)

func main() {
	// Evaluating rc.conf is most of what a run does; see rcconf.TuneGC.
	rcconf.TuneGC()
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &Globals{Stdout: stdout, Stderr: stderr}
	fs := flag.NewFlagSet("rcjail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&g.Root, "R", "/", "resolve every path under `root`")
	fs.BoolVar(&g.DryRun, "n", false, "print the commands that would run, change nothing")
	fs.StringVar(&g.Backend, "b", "", "`backend`: native or command")
	fs.StringVar(&g.Name, "name", "rcjail", "the `path` diagnostics are prefixed with")
	fs.Usage = func() { usage(stderr) }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch g.Backend {
	case "", "native", "command":
	default:
		fmt.Fprintf(stderr, "%s: -b %q: unknown backend (want native or command)\n", g.Name, g.Backend)
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		named := false
		fs.Visit(func(f *flag.Flag) { named = named || f.Name == "name" })
		if named {
			// Run as /etc/rc.d/jail (the wrapper passes --name): no verb
			// gets the script's usage line and status, not rcjail's.
			fmt.Fprintln(stderr, compat.ScriptUsageLine(g.Name))
			return 1
		}
		usage(stderr)
		return 2
	}
	verb, args := rest[0], rest[1:]
	if c, ok := commands[verb]; ok {
		return c.run(ctx, g, args)
	}
	if rcVerb != nil {
		if st, ok := rcVerb(ctx, g, verb, args); ok {
			return st
		}
	}
	fmt.Fprintf(stderr, "%s: unknown verb %q\n", g.Name, verb)
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: rcjail [-R root] [-n] [-b native|command] [--name path] verb [args ...]")
	fmt.Fprintln(w, "rc.d verbs: [fast|force|one|quiet](start|stop|restart|rcvar|status) [jail ...]")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %s\n", strings.TrimSpace(commands[n].usage))
	}
}
