package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"

	"rcjail/compat"
	"rcjail/rcconf"
)

func init() {
	register(&command{
		name:  "show",
		usage: "show [--json] [jail ...]       resolved settings and where each was set",
		opts:  []opt{{name: "json"}},
		run:   runShow,
	})
}

// adminConfig evaluates rc.conf under -R and resolves the named jails (all of
// jail_list when none are named), for the read-only administrator's commands
// (show, status, convert). Configuration warnings go to stderr.
func adminConfig(ctx context.Context, g *Globals, names []string) (*compat.Config, *rcconf.Vars, error) {
	v, err := rcconf.Load(ctx, rcconf.Options{Root: g.Root, Service: "jail"})
	if err != nil {
		return nil, nil, fmt.Errorf("load rc.conf under %s: %w", g.Root, err)
	}
	r, err := os.OpenRoot(g.Root)
	if err != nil {
		return nil, nil, fmt.Errorf("open root %s: %w", g.Root, err)
	}
	defer r.Close()
	cfg, err := compat.NewConfig(v, rootFS{r}, names)
	if err != nil {
		return nil, nil, err
	}
	if err := checkJailNames(g, cfg, v, names); err != nil {
		return nil, nil, err
	}
	for _, w := range cfg.Warnings {
		g.Warnf("%s", w)
	}
	return cfg, v, nil
}

// rootFS reads the files the configuration names by their host path,
// confined to the -R root: os.Root refuses a path or symlink that leaves it,
// so a hostile fstab path cannot make rcjail read outside the root.
type rootFS struct{ r *os.Root }

func (f rootFS) ReadFile(name string) ([]byte, error) {
	rel := strings.TrimPrefix(path.Clean("/"+name), "/")
	if rel == "" {
		rel = "."
	}
	return f.r.ReadFile(rel)
}

// subFlags parses a command's own flags (--json) before its arguments.
func subFlags(g *Globals, verb string, args []string) (json bool, rest []string, ok bool) {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(g.Stderr)
	fs.BoolVar(&json, "json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return false, nil, false
	}
	return json, fs.Args(), true
}

// adminVerb is what show and status start from: the --json flag, the jails
// named, and the configuration adminConfig resolved for them.
type adminVerb struct {
	json  bool
	names []string
	cfg   *compat.Config
	vars  *rcconf.Vars
}

// loadAdminVerb parses verb's flags and resolves the jails it names. On
// failure it has reported why and returns the exit status: 2 for bad usage,
// 1 for a configuration that cannot be read.
func loadAdminVerb(ctx context.Context, g *Globals, verb string, args []string) (adminVerb, int) {
	asJSON, names, ok := subFlags(g, verb, args)
	if !ok {
		return adminVerb{}, 2
	}
	cfg, vars, err := adminConfig(ctx, g, names)
	if err != nil {
		return adminVerb{}, configFailed(g, err)
	}
	return adminVerb{json: asJSON, names: names, cfg: cfg, vars: vars}, 0
}

// hostKnobs are the host-wide variables show lists before the jails, with
// the defaults the script applies.
var hostKnobs = []struct{ name, def string }{
	{"jail_enable", "NO"},
	{"jail_list", ""},
	{"jail_parallel_start", "NO"},
	{"jail_reverse_stop", "NO"},
	{"jail_conf", "/etc/jail.conf"},
	{"jail_set_hostname_allow", ""},
	{"jail_socket_unixiproute_only", ""},
	{"jail_sysvipc_allow", ""},
	{"rcjail_backend", ""}, // filled in by backendChoice: -b, rc.conf or the system's default
}

// showSetting is one line of show's output (schema 1, jsonout.go).
type showSetting struct {
	Knob    string `json:"knob"`
	Var     string `json:"var"`
	Value   string `json:"value"`
	Where   string `json:"where"` // "file:line", "default", "env", "unset"
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Default bool   `json:"default,omitempty"`
	// Written is the value as written when Value is its lexically cleaned
	// form (SPEC §3.1: "/jails//www/" is used as "/jails/www").
	Written string `json:"written,omitempty"`
	// Effective is what a yes/no knob means ("YES" or "NO") when it is set:
	// checkyesno takes "yes please" as NO, with Warning.
	Effective string `json:"effective,omitempty"`
	Warning   string `json:"warning,omitempty"`
}

// yesNoKnobs are the knobs checkyesno reads besides every *_enable.
var yesNoKnobs = map[string]bool{
	"jail_parallel_start": true, "jail_reverse_stop": true,
	"jail_set_hostname_allow": true, "jail_socket_unixiproute_only": true, "jail_sysvipc_allow": true,
	"set_hostname_allow": true, "socket_unixiproute_only": true, "sysvipc_allow": true,
}

// withEffective fills in what a set yes/no knob means, as checkyesno reads
// it (issue 16: "yes please" was shown as if it were set).
func withEffective(s showSetting) showSetting {
	if s.Value == "" || !(strings.HasSuffix(s.Knob, "_enable") || yesNoKnobs[s.Knob]) {
		return s
	}
	val, ok := compat.YesNo(s.Value)
	s.Effective = "NO"
	if val {
		s.Effective = "YES"
	}
	if !ok {
		s.Warning = compat.NotSetProperly(s.Var)
	}
	return s
}

type showJail struct {
	Name     string        `json:"name"`
	Jail     string        `json:"jail"` // _j
	Settings []showSetting `json:"settings"`
	// Notes say where the 8.x and the modern script differ for this jail
	// and which meaning rcjail took (compat.Choices).
	Notes  []string `json:"notes,omitempty"`
	Errors []string `json:"errors,omitempty"`
}

type showOutput struct {
	jsonHeader
	Host  []showSetting `json:"host"`
	Jails []showJail    `json:"jails"`
}

func runShow(ctx context.Context, g *Globals, args []string) int {
	a, code := loadAdminVerb(ctx, g, "show", args)
	if code != 0 {
		return code
	}
	cfg := a.cfg
	out := showOutput{jsonHeader: header("show")}
	for _, k := range hostKnobs {
		s := showSetting{Knob: k.name, Var: k.name}
		if v, ok := a.vars.Lookup(k.name); ok && v.Value != "" {
			s.Value, s.File, s.Line = v.Value, v.File, v.Line
			s.Where = v.File
			if v.Line > 0 {
				s.Where += ":" + strconv.Itoa(v.Line)
			}
		} else if k.name == "rcjail_backend" {
			s.Default = true
		} else if k.def != "" {
			s.Value, s.Where, s.Default = k.def, "default", true
		} else {
			s.Where = "unset"
		}
		if k.name == "rcjail_backend" {
			// The backend a start would use, and why: -b beats
			// rc.conf, which beats the system's default.
			name, where := backendChoice(g, cfg, runtime.GOOS)
			s.Value, s.Where, s.Default = name, where, where == "default"
			if where == "-b" {
				s.File, s.Line = "", 0
			}
		}
		out.Host = append(out.Host, withEffective(s))
	}
	status := 0
	for _, name := range cfg.List {
		j := cfg.Jails[name]
		sj := showJail{Name: name, Jail: j.J, Settings: []showSetting{}}
		for _, s := range cfg.Describe(name) {
			sj.Settings = append(sj.Settings, withEffective(showSetting{
				Knob: s.Knob, Var: s.Var, Value: s.Value, Where: s.Where(),
				File: s.File, Line: s.Line, Default: s.Default, Written: s.Written,
			}))
		}
		sj.Notes = compat.Choices(j)
		for _, e := range j.Errors {
			sj.Errors = append(sj.Errors, e.Error())
			status = 1
		}
		out.Jails = append(out.Jails, sj)
	}
	if a.json {
		if out.Jails == nil {
			out.Jails = []showJail{}
		}
		return max(status, writeJSON(g, out))
	}
	writeShowText(g.Stdout, out)
	for _, j := range out.Jails {
		for _, e := range j.Errors {
			g.Errorf("%s", e)
		}
	}
	return status
}

// writeShowText prints one block per section: knob, where its value came
// from, and the value, Go-quoted so that a value with blanks, control
// characters or nothing at all is visible as such.
func writeShowText(w io.Writer, out showOutput) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	block := func(title string, ss []showSetting) {
		fmt.Fprintf(tw, "%s:\n", title)
		for _, s := range ss {
			where := s.Where
			if (s.File != "" || s.Where == "set") && s.Var != s.Knob {
				where += " (" + s.Var + ")"
			}
			val := strconv.Quote(s.Value)
			if s.Written != "" {
				val += " (written " + strconv.Quote(s.Written) + ")"
			}
			meaning := ""
			switch {
			case s.Warning != "":
				// What the script does with it, beside what was written.
				meaning = "\t-> " + s.Effective + " (" + s.Warning + ")"
			case s.Effective != "" && s.Value != s.Effective:
				meaning = "\t-> " + s.Effective
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s%s\n", s.Knob, where, val, meaning)
		}
	}
	block("host", out.Host)
	for _, j := range out.Jails {
		tw.Flush()
		fmt.Fprintln(tw)
		block("jail "+j.Name, j.Settings)
		for _, n := range j.Notes {
			fmt.Fprintf(tw, "  note: %s\n", n)
		}
	}
	tw.Flush()
}
