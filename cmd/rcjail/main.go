package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"rcjail/compat"
)

// Globals are the options that come before the verb.
type Globals struct {
	Root    string // -R: every path is resolved under this directory
	DryRun  bool   // -n: print the plan as sh commands and change nothing
	Backend string // -b: "native" or "command"; "" means rc.conf's rcjail_backend, then the system's default (backendChoice)
	Name    string // --name: the path to prefix diagnostics with (the wrapper passes /etc/rc.d/jail)
	// Wrapped is set when --name was given: rcjail runs as /etc/rc.d/jail,
	// and the rc.d verbs keep the script's argument handling (every word
	// after the verb is a jail name, an unknown verb is rc.subr's "unknown
	// directive", exit 1).
	Wrapped bool

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

// A command is one verb of rcjail's own command line. Each verb registers
// itself from its own file with [register], so that it lives beside its
// tests:
//
//	register(&command{
//		name:  "show",
//		usage: "show [--json] [jail ...]   resolved settings and where each was set",
//		opts:  []opt{{name: "json"}},
//		run:   runShow,
//	})
//
// That entry is all the command line needs: the usage lists it (aligned
// from the two blanks between synopsis and description), an unknown verb
// close to it suggests it, and every argument after the verb that starts
// with "-" must be one of opts, else the run stops with exit 2 before run
// is called. run receives the options first, spelled "--name" or
// "--name=value", then the other arguments in their order, so a
// flag.FlagSet in run parses them all wherever the user wrote them.
type command struct {
	name  string
	usage string // "synopsis   description": one line of the usage
	opts  []opt  // the options the verb takes after it
	run   func(ctx context.Context, g *Globals, args []string) int
}

// opt is one option a verb accepts after it: "--json" (or "-json"), or with
// arg set, "--backend value" / "--backend=value".
type opt struct {
	name string
	arg  string // "" for a switch; else the value's name in messages
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

// rcVerbHelp describes the rc.d verbs in the usage, in rc.subr's order.
var rcVerbHelp = map[compat.Verb]string{
	"start":   "start [jail ...]   start the jails (all of jail_list when none are named)",
	"stop":    "stop [jail ...]   stop the jails (jail_list, reversed with jail_reverse_stop)",
	"restart": "restart [jail ...]   stop, then start",
	"rcvar":   "rcvar   print the variable that enables the service",
	"status":  "status [jail ...]   running or not (exit 3 if one is not running)",

	// The modern rc.subr's and rc.d/jail's (cmd_modern.go).
	"enable":        "enable   set jail_enable=YES in rc.conf (as sysrc)",
	"disable":       "disable   set jail_enable=NO in rc.conf (as sysrc)",
	"delete":        "delete   remove jail_enable from the rc.conf files",
	"enabled":       "enabled   exit 0 if jail_enable is YES, else 1",
	"describe":      "describe   print the service's description",
	"extracommands": "extracommands   print the script's extra verbs",
	"config":        "config [jail ...]   print where each jail's parameters are",
	"console":       "console jail [command ...]   run the console command in the jail (jexec)",
}

// exitUsage is the exit status of a command line rcjail cannot take.
const exitUsage = 2

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &Globals{Stdout: stdout, Stderr: stderr}
	fs := flag.NewFlagSet("rcjail", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported below, with the usage
	fs.StringVar(&g.Root, "R", "/", "resolve every path under `root`")
	fs.BoolVar(&g.DryRun, "n", false, "print the commands that would run, change nothing")
	fs.StringVar(&g.Backend, "b", "", "`backend`: native or command")
	fs.StringVar(&g.Name, "name", "rcjail", "the `path` diagnostics are prefixed with")
	showVersion := fs.Bool("version", false, "print the version")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return 0
		}
		fmt.Fprintf(stderr, "rcjail: %v\n", err)
		usage(stderr)
		return exitUsage
	}
	fs.Visit(func(f *flag.Flag) { g.Wrapped = g.Wrapped || f.Name == "name" })
	// Diagnostics also go to syslog, as rc.subr's warn/err/info (syslog.go).
	defer startSyslog(g)()
	stdout, stderr = g.Stdout, g.Stderr
	switch g.Backend {
	case "", "native", "command":
	default:
		fmt.Fprintf(stderr, "%s: -b %q: unknown backend (want native or command)\n", g.Name, g.Backend)
		return exitUsage
	}
	rest := fs.Args()
	if *showVersion {
		if len(rest) != 0 {
			fmt.Fprintf(stderr, "%s: --version takes no verb\n", g.Name)
			return exitUsage
		}
		return runVersion(ctx, g, nil)
	}
	if len(rest) == 0 {
		if g.Wrapped {
			// Run as /etc/rc.d/jail (the wrapper passes --name): no verb
			// gets the script's usage line and status, not rcjail's.
			fmt.Fprintln(stderr, compat.ScriptUsageLine(g.Name))
			return 1
		}
		usage(stderr)
		return exitUsage
	}
	verb, args := rest[0], rest[1:]
	if c, ok := commands[verb]; ok {
		args, err := verbArgs(c, args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: rcjail [global options] %s\n", synopsis(c.usage))
			return 0
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s %s: %v\n", g.Name, verb, err)
			fmt.Fprintf(stderr, "usage: rcjail [global options] %s\n", synopsis(c.usage))
			return exitUsage
		}
		return c.run(ctx, g, args)
	}
	if rcVerb != nil && (g.Wrapped || compat.IsRCVerb(verb)) {
		if !g.Wrapped {
			// rcjail's own command line: an option after the verb ("start -n
			// www") is refused before anything happens, where the script
			// would have taken "-n" for a jail name and gone on with www.
			console := compat.ParseInvocation(verb).Verb == compat.VerbConsole
			for i, a := range args {
				if console && i > 0 {
					break // the words after the jail are its command
				}
				if strings.HasPrefix(a, "-") {
					fmt.Fprintf(stderr, "%s %s: unknown option %q (rcjail's options go before the verb: rcjail %s %s ...)\n", g.Name, verb, a, a, verb)
					return exitUsage
				}
			}
		}
		if st, ok := rcVerb(ctx, g, verb, args); ok {
			return st
		}
	}
	msg := fmt.Sprintf("%s: unknown verb %q", g.Name, verb)
	if s := compat.Closest(verb, verbNames()); s != "" {
		msg += " (did you mean " + s + "?)"
	}
	fmt.Fprintln(stderr, msg)
	usage(stderr)
	return exitUsage
}

// verbArgs checks the arguments after a verb against the options it takes
// (see [command]) and returns them options first, then the other arguments.
// flag.ErrHelp means -h or --help was asked for.
func verbArgs(c *command, args []string) ([]string, error) {
	var opts, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if name == "h" || name == "help" {
			return nil, flag.ErrHelp
		}
		var o *opt
		for k := range c.opts {
			if c.opts[k].name == name {
				o = &c.opts[k]
			}
		}
		switch {
		case o == nil || name == "":
			// No jail name starts with "-" (compat refuses one in rc.conf
			// too), so this is an option the verb does not know.
			names := make([]string, len(c.opts))
			for k, o := range c.opts {
				names[k] = o.name
			}
			if s := compat.Closest(name, names); s != "" {
				return nil, fmt.Errorf("unknown option %q (did you mean --%s?)", a, s)
			}
			return nil, fmt.Errorf("unknown option %q", a)
		case o.arg == "" && hasVal:
			return nil, fmt.Errorf("option --%s takes no value", o.name)
		case o.arg != "" && !hasVal:
			if i+1 >= len(args) {
				return nil, fmt.Errorf("option --%s needs a value (%s)", o.name, o.arg)
			}
			i++
			val = args[i]
		}
		if o.arg == "" {
			opts = append(opts, "--"+o.name)
		} else {
			opts = append(opts, "--"+o.name+"="+val)
		}
	}
	return append(opts, rest...), nil
}

// synopsis and description split a usage line at its first run of two
// blanks.
func synopsis(u string) string {
	s, _, _ := strings.Cut(strings.TrimSpace(u), "  ")
	return s
}

func description(u string) string {
	_, d, _ := strings.Cut(strings.TrimSpace(u), "  ")
	return strings.TrimSpace(d)
}

// verbNames is every verb the command line takes, for suggestions.
func verbNames() []string {
	var out []string
	for n := range commands {
		out = append(out, n)
	}
	for _, v := range append(slices.Clone(compat.Verbs), compat.ModernVerbs...) {
		out = append(out, string(v))
		for _, p := range []string{"fast", "force", "one", "quiet"} {
			out = append(out, p+string(v))
		}
	}
	out = append(out, "help")
	sort.Strings(out)
	return out
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: rcjail [-n] [-R root] [-b native|command] [--name path] verb [arg ...]")
	fmt.Fprintln(w, "       rcjail --help | --version")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(u string) { fmt.Fprintf(tw, "  %s\t%s\n", synopsis(u), description(u)) }
	for _, v := range compat.Verbs {
		if _, own := commands[string(v)]; own {
			continue // the richer verb of the same name is listed below
		}
		line(rcVerbHelp[v])
	}
	for _, v := range compat.ModernVerbs {
		line(rcVerbHelp[v])
	}
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		line(commands[n].usage)
	}
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "start, stop, restart, rcvar and status take rc.subr's prefixes: fast, force, one, quiet (onestart).")
}

func init() {
	register(&command{
		name:  "help",
		usage: "help [verb]   print this usage, or one verb's",
		run:   runHelp,
	})
}

func runHelp(_ context.Context, g *Globals, args []string) int {
	switch {
	case len(args) == 0:
		usage(g.Stdout)
		return 0
	case len(args) > 1:
		fmt.Fprintf(g.Stderr, "%s: help takes at most one verb\n", g.Name)
		return exitUsage
	}
	if c, ok := commands[args[0]]; ok {
		fmt.Fprintf(g.Stdout, "usage: rcjail [global options] %s\n\n  %s\n", synopsis(c.usage), description(c.usage))
		return 0
	}
	if inv := compat.ParseInvocation(args[0]); compat.IsRCVerb(args[0]) {
		u := rcVerbHelp[inv.Verb]
		fmt.Fprintf(g.Stdout, "usage: rcjail [global options] %s%s\n\n  %s\n", inv.Prefix, synopsis(u), description(u))
		return 0
	}
	msg := fmt.Sprintf("%s: help: unknown verb %q", g.Name, args[0])
	if s := compat.Closest(args[0], verbNames()); s != "" {
		msg += " (did you mean " + s + "?)"
	}
	fmt.Fprintln(g.Stderr, msg)
	return exitUsage
}
