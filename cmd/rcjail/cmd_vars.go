package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"rcjail/rcconf"
)

func init() {
	register(&command{
		name:  "vars",
		usage: "vars [--json] [PREFIX]   print rc.conf variables starting with PREFIX (default jail_) and where each was set",
		opts:  []opt{{name: "json"}},
		run:   runVars,
	})
}

// varOut is one variable in vars --json output (schema 1, jsonout.go).
type varOut struct {
	Var   string `json:"var"`
	Value string `json:"value"`
	File  string `json:"file,omitempty"`
	Line  int    `json:"line,omitempty"`
	// Unknown is set (and Value empty) when the value cannot be known
	// without running something (-R another root): why, with file:line.
	Unknown string `json:"unknown,omitempty"`
}

func runVars(ctx context.Context, g *Globals, args []string) int {
	fs := flag.NewFlagSet("vars", flag.ContinueOnError)
	fs.SetOutput(g.Stderr)
	asJSON := fs.Bool("json", false, "print JSON (schema 1: {schema, command, vars: [{var, value, file, line, unknown}]})")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	prefix := "jail_"
	switch fs.NArg() {
	case 0:
	case 1:
		prefix = fs.Arg(0)
	default:
		fmt.Fprintf(g.Stderr, "%s: vars: want at most one PREFIX, got %q\n", g.Name, fs.Args())
		return 2
	}
	vars, err := rcconf.Load(ctx, rcconf.Options{Root: g.Root})
	if err != nil {
		fmt.Fprintf(g.Stderr, "%s: vars: %v\n", g.Name, err)
		return 1
	}
	var names []string
	for _, n := range vars.Names() {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	if why, ok := vars.UnknownAll(); ok {
		fmt.Fprintf(g.Stderr, "%s: vars: warning: any variable may also be set, to a value not known without running the chain: %s\n", g.Name, why)
	}
	w := bufio.NewWriter(g.Stdout)
	if *asJSON {
		m := struct {
			jsonHeader
			Vars []varOut `json:"vars"`
		}{header("vars"), make([]varOut, 0, len(names))}
		for _, n := range names {
			v, _ := vars.Lookup(n)
			m.Vars = append(m.Vars, varOut{Var: n, Value: v.Value, File: v.File, Line: v.Line, Unknown: v.Unknown})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(m); err != nil {
			fmt.Fprintf(g.Stderr, "%s: vars: encode JSON: %v\n", g.Name, err)
			return 1
		}
	} else {
		// Plain writes, not fmt: one line per variable, in every run.
		for _, n := range names {
			v, _ := vars.Get(n)
			if why, ok := vars.Unknown(n); ok {
				// A comment: the output stays text sh can read back.
				w.WriteString("# " + n + ": unknown (" + why + ")\n")
				continue
			}
			w.WriteString(n)
			w.WriteByte('=')
			w.WriteString(shQuote(v))
			w.WriteByte('\n')
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(g.Stderr, "%s: vars: write: %v\n", g.Name, err)
		return 1
	}
	return 0
}

// shQuote quotes s for sh: bare when it has only characters no shell treats
// specially, otherwise in single quotes (with ' as '"'"'). Unlike
// syntax.Quote with LangPOSIX it accepts newlines and control characters,
// which single quotes keep as they are.
func shQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_@%+=:,./-", c) >= 0) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
