package compat

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"rcjail/compat/state"
)

// The modern script's "_ALL" path (SPEC §1 "Modern additions"): with an
// empty jail_list and no names on the command line, start creates every
// jail jail_conf defines with one `jail -f FILE -c` and writes an id file
// for each running jail; stop removes every running jail with
// `jail -f FILE -r NAME`. rcjail takes this path only when jail_conf can be
// read: without one, the 8.x script's empty list (nothing to do) stays.

// JailConfAll creates every jail of a jail.conf file: `jail [FLAGS] -f
// FILE -c`, with -p1 (one jail at a time) unless jail_parallel_start.
type JailConfAll struct {
	File     string
	Flags    []string // jail_flags, only as rc.conf sets it
	Parallel bool
}

func (JailConfAll) JailName() string { return "" }
func (JailConfAll) Undo() []Step     { return nil }

// RunningJail is one jail as `jls jid name` lists it.
type RunningJail struct {
	JID, Name string
}

// JailConfAllArgv is the command line of s.
func JailConfAllArgv(s JailConfAll, r StateResolver) []string {
	argv := append([]string{"jail"}, s.Flags...)
	argv = append(argv, "-f", r.res(s.File), "-c")
	if !s.Parallel {
		argv = append(argv, "-p1")
	}
	return argv
}

// ListJailsArgv is the query `jls jid name`.
func ListJailsArgv() []string { return []string{"jls", "jid", "name"} }

// ParseJls parses `jls jid name` output.
func ParseJls(out []byte) []RunningJail {
	var js []RunningJail
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 {
			js = append(js, RunningJail{JID: f[0], Name: f[1]})
		}
	}
	return js
}

// idFileName is the id file of a running jail's name, as the modern script
// writes it, or "" when the name cannot be a file name under /var/run (a
// name with "/" would write elsewhere).
func idFileName(name string) string {
	if name == "" || strings.ContainsAny(name, "/\x00\n") || name == "." || name == ".." {
		return ""
	}
	return state.IDFile(name)
}

// all decides whether the _ALL path applies (jail_list is empty, no names
// were given) and resolves what it needs.
func (b *builder) all() {
	c := b.c
	if len(c.List) > 0 || findJailConf(b.fsys, []string{c.JailConf}) == "" {
		return
	}
	c.AllConf = c.JailConf
	s := b.r.host("jail_flags", "")
	if w, err := splitWords(s.Value); err != nil {
		c.AllConf = ""
		b.warn(fmt.Sprintf("%s: %v; the jails of %s are not started", s.Var, err, c.JailConf))
	} else {
		c.AllFlags = w
	}
}

// listAll lists the running jails for startAll and stopAll; a failure is
// an error that ends the title line.
func (r *Runner) listAll(ctx context.Context) ([]RunningJail, bool) {
	js, err := r.X.ListJails(ctx)
	if err != nil {
		r.out(".\n")
		r.errorf("list the running jails: %v", err)
		return nil, false
	}
	return js, true
}

// jailConfIDFile writes the id file of a jail jail(8) created from a
// jail.conf file, as the modern script does (`jls -j NAME jid`), when the
// executor can list jails; a failure is a warning, the jail runs.
func (r *Runner) jailConfIDFile(ctx context.Context, j *Jail) {
	js, err := r.X.ListJails(ctx)
	if err != nil {
		r.warnf("jail %s: %v", j.Name, err)
		return
	}
	for _, rj := range js {
		if rj.Name == j.J {
			if _, err := Apply(ctx, r.X, WriteFile{Jail: j.Name, Path: IDFile(j), Data: []byte(rj.JID + "\n"), IDFile: true}); err != nil {
				r.warnf("jail %s: %v", j.Name, err)
			}
			return
		}
	}
}

// startAll is the modern script's start of _ALL, after the 8.x
// "Configuring jails:" block.
func (r *Runner) startAll(ctx context.Context) int {
	r.out("Starting jails:")
	s := JailConfAll{File: r.Config.AllConf, Flags: r.Config.AllFlags, Parallel: r.Config.ParallelStart}
	out, err := r.X.JailConfAll(ctx, s)
	if err != nil {
		// The script prints jail(8)'s output after the title.
		r.Stdout.Write(out)
		r.out(".\n")
		r.errorf("start the jails of %s: %v", s.File, err)
		return 1
	}
	js, ok := r.listAll(ctx)
	if !ok {
		return 1
	}
	st := 0
	for _, j := range js {
		idf := idFileName(j.Name)
		if idf == "" {
			r.warnf("jail %q: no id file for a name that is not a file name", j.Name)
			continue
		}
		r.out(" " + j.Name)
		if _, err := Apply(ctx, r.X, WriteFile{Jail: j.Name, Path: idf, Data: []byte(j.JID + "\n"), IDFile: true}); err != nil {
			r.errorf("jail %s: %v", j.Name, err)
			st = 1
		}
	}
	r.out(".\n")
	return st
}

// stopAll is the modern script's stop of _ALL: every running jail, in
// jls's order (reversed with jail_reverse_stop), removed through jail_conf.
func (r *Runner) stopAll(ctx context.Context) int {
	r.out("Stopping jails:")
	js, ok := r.listAll(ctx)
	if !ok {
		return 1
	}
	if r.Config.ReverseStop {
		js = slices.Clone(js)
		slices.Reverse(js)
	}
	st := 0
	for _, j := range js {
		r.out(" " + j.Name)
		_, rerr := Apply(ctx, r.X, JailConf{Jail: j.Name, File: r.Config.AllConf, J: j.Name, Remove: true})
		running, err := r.X.StillRunning(ctx, j)
		if err == nil && running {
			if rerr == nil {
				rerr = fmt.Errorf("still running")
			}
			r.errorf("jail %s: remove through %s: %v", j.Name, r.Config.AllConf, rerr)
			st = 1
			continue
		}
		if idf := idFileName(j.Name); idf != "" {
			if _, err := Apply(ctx, r.X, RemoveFile{Jail: j.Name, Path: idf}); err != nil {
				r.errorf("jail %s: %v", j.Name, err)
				st = 1
			}
		}
	}
	r.out(".\n")
	return st
}

// JailConfAll prints the step.
func (d *DryRun) JailConfAll(_ context.Context, s JailConfAll) ([]byte, error) {
	d.print(JailConfAllArgv(s, d.Resolve))
	return nil, nil
}

// StillRunning prints the modern script's `jls -j NAME` without running
// it: a dry run knows no jail running.
func (d *DryRun) StillRunning(ctx context.Context, j RunningJail) (bool, error) {
	return d.JailRunning(ctx, j.Name, "")
}

// ListJails prints the query without running it (see DryRun): the jails
// of a jail.conf carry no id file rcjail reads before acting, so a dry run
// knows none running.
func (d *DryRun) ListJails(context.Context) ([]RunningJail, error) {
	d.print(ListJailsArgv())
	return nil, nil
}
