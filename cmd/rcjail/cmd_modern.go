package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"

	"rcjail/compat"
	"rcjail/compat/cmdexec"
	"rcjail/rcconf"
)

// The verbs the modern rc.subr (FreeBSD 12–14) gives every rc.d script —
// enable, disable, delete, enabled, describe, extracommands — and the two
// the modern rc.d/jail adds, config and console (SPEC §1 "Modern
// additions"). Each behaves as run_rc_command runs it for the jail script:
//   - enabled is answered first: exit 0 when jail_enable is YES, else 1;
//   - describe, enable and delete are not held by the jail_enable gate;
//     disable, extracommands, config and console are (rc.subr exempts only
//     rcvar, stop, delete, enable, describe and status), so that
//     "disable" of a disabled service prints the gate's message;
//   - enable and disable set jail_enable as `sysrc -s jail` does (see
//     setRcvar), delete removes it from every file that sets it.

// jailDesc and jailExtra are the jail script's desc and extra_commands.
const (
	jailDesc  = "Manage system jails"
	jailExtra = "config console status"
)

func runModern(ctx context.Context, g *Globals, inv compat.Invocation, args []string) int {
	var names []string
	switch inv.Verb {
	case compat.VerbConfig:
		names = args
	case compat.VerbConsole:
		if len(args) > 0 {
			names = args[:1]
		}
	}
	cfg, err := loadConfig(ctx, g, names)
	if err != nil {
		g.Errorf("%v", err)
		return 1
	}
	enabled := cfg.Enable || inv.Forced()
	if !inv.Forced() && cfg.EnableWarning != "" {
		// checkyesno's warning, for enabled too.
		g.Warnf("%s", cfg.EnableWarning)
	}
	if inv.Verb == compat.VerbEnabled {
		if enabled {
			return 0
		}
		return 1
	}
	// -n prints only the commands a run would run; the script's own lines
	// are not part of the plan.
	out := g.Stdout
	if g.DryRun {
		out = io.Discard
	}
	switch inv.Verb {
	case compat.VerbDescribe:
		fmt.Fprintln(out, jailDesc)
		return 0
	case compat.VerbEnable:
		return setRcvar(ctx, g, "YES", "enabled")
	case compat.VerbDelete:
		return deleteRcvar(ctx, g)
	}
	if !enabled {
		if !inv.Quiet() {
			fmt.Fprintln(out, compat.DisabledMessage(inv.Verb))
		}
		return 0
	}
	switch inv.Verb {
	case compat.VerbDisable:
		return setRcvar(ctx, g, "NO", "disabled")
	case compat.VerbExtracommands:
		fmt.Fprintln(out, jailExtra)
		return 0
	case compat.VerbConfig:
		return jailConfig(g, out, cfg)
	case compat.VerbConsole:
		return jailConsole(ctx, g, cfg, args)
	}
	return 1
}

// jailConfig prints, for each jail, where its parameters are: the jail.conf
// file that defines it, or the rc.conf file that sets its rootdir (the
// modern script prints the jail.conf it generates there; rcjail generates
// none, so it names where the parameters really are). Without names and an
// empty jail_list (the script's _ALL) it prints nothing.
func jailConfig(g *Globals, out io.Writer, cfg *compat.Config) int {
	st := 0
	for _, n := range cfg.List {
		j := cfg.Jails[n]
		if j == nil {
			continue
		}
		if len(j.Errors) > 0 {
			for _, e := range j.Errors {
				g.Errorf("%v", e)
			}
			st = 1
			continue
		}
		where := j.JailConfFile
		if where == "" {
			where = "/etc/rc.conf"
			for _, s := range j.Settings {
				if s.Knob == "rootdir" && s.File != "" {
					where = s.File
				}
			}
		}
		fmt.Fprintf(out, "%s: parameters are in %s.\n", j.J, where)
	}
	return st
}

// consoleTarget is the jid the id file of j names when that jail still
// runs in j's root, else name. The root is part of the question (issue 12,
// "identity before acting on a jid"): an id file left by a jail that died,
// whose jid the kernel gave to another jail since, must not open a console
// in that other jail (the native backend checks the jail's root; the
// command backend asks `jls -j JID` as the script does).
func consoleTarget(ctx context.Context, q compat.Querier, j *compat.Jail, name string) string {
	jid, ok, err := q.ReadIDFile(ctx, compat.IDFile(j))
	if err != nil || !ok || jid == "" {
		return name
	}
	if running, err := q.JailRunning(ctx, jid, j.RootDir); err == nil && running {
		return jid
	}
	return name
}

// jailConsole runs the console command in a jail: `jexec JAIL CMD…`, with
// this terminal. As the script: one jail name is required (without names
// the words of jail_list stand in for them, the first the jail, the rest
// the command); the command is the words after it, else consolecmd.
func jailConsole(ctx context.Context, g *Globals, cfg *compat.Config, args []string) int {
	if len(args) == 0 {
		args = cfg.List
	}
	if len(args) == 0 || args[0] == "_ALL" {
		g.Errorf("Specify a jail name.")
		return 3
	}
	name := args[0]
	// The script passes the command unquoted: its words are split again.
	cmd := strings.Fields(strings.Join(args[1:], " "))
	j := cfg.Jails[name]
	if len(cmd) == 0 {
		c := compat.DefaultConsoleCmd
		if j != nil && j.ConsoleCmd != "" {
			c = j.ConsoleCmd
		}
		cmd = strings.Fields(c)
	}
	target := strings.NewReplacer("/", "_", ".", "_").Replace(name)
	// A jail rcjail started in the 8.x form has no name: use the jid its
	// start recorded, when that jail still runs.
	if j != nil && j.JailConfFile == "" {
		var q compat.Querier
		if g.DryRun {
			// The queries are part of the plan -n prints; files alone
			// answer them (see DryRun).
			q = &compat.DryRun{W: g.Stdout, Q: cmdexec.New(g.Root), Resolve: compat.UnderRoot(g.Root),
				Roots: map[string]string{compat.IDFile(j): j.RootDir}}
		} else if x, err := newBackend(g, cfg); err == nil {
			defer x.Close()
			q = x
		}
		if q != nil {
			target = consoleTarget(ctx, q, j, target)
		}
	}
	argv := append([]string{"jexec", target}, cmd...)
	if g.DryRun {
		fmt.Fprintln(g.Stdout, compat.QuoteArgv(argv))
		return 0
	}
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, g.Stdout, g.Stderr
	if err := c.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		g.Errorf("console of jail %s: %v", name, err)
		return 1
	}
	return 0
}

// rcvarLine matches an assignment of jail_enable at the start of a line, as
// sysrc finds it.
var rcvarLine = regexp.MustCompile(`^[ \t]*jail_enable=`)

// rcvarFiles returns the rc.conf files of the chain (defaults/rc.conf
// excluded, as sysrc never edits it) and the file that sets jail_enable's
// value now ("" when none does).
func rcvarFiles(ctx context.Context, g *Globals) (files []string, setIn string, err error) {
	v, err := rcconf.Load(ctx, rcconf.Options{Root: g.Root, Service: "jail"})
	if err != nil {
		return nil, "", fmt.Errorf("load rc.conf under %s: %w", g.Root, err)
	}
	for _, f := range v.Files() {
		if f != "/etc/defaults/rc.conf" {
			files = append(files, f)
		}
	}
	if f, _, ok := v.Origin("jail_enable"); ok && f != "/etc/defaults/rc.conf" && strings.HasPrefix(f, "/") {
		setIn = f
	}
	return files, setIn, nil
}

// setRcvar sets jail_enable=VALUE as `sysrc -s jail` does: in the file that
// sets it now (the value of its last assignment there is replaced, the rest
// of the line kept: sysrcReplace), else appended to /etc/rc.conf; then
// prints "jail <done> in FILE".
func setRcvar(ctx context.Context, g *Globals, value, done string) int {
	_, file, err := rcvarFiles(ctx, g)
	if err != nil {
		g.Errorf("%v", err)
		return 1
	}
	if file == "" {
		file = "/etc/rc.conf"
	}
	if g.DryRun {
		fmt.Fprintln(g.Stdout, compat.QuoteArgv([]string{"sysrc", "-f", file, "jail_enable=" + value}))
		return 0
	}
	err = editRcFile(g.Root, file, true, false, func(lines []string) ([]string, bool) {
		for i := len(lines) - 1; i >= 0; i-- {
			if rcvarLine.MatchString(lines[i]) {
				if l, ok := sysrcReplace(lines[i], value); ok {
					lines[i] = l
					return lines, true
				}
				break // an expression: left as written, overridden below
			}
		}
		return append(lines, `jail_enable="`+value+`"`), true
	})
	if err != nil {
		g.Errorf("%v", err)
		return 1
	}
	fmt.Fprintf(g.Stdout, "jail %s in %s\n", done, file)
	return 0
}

// deleteRcvar removes every assignment of jail_enable from the files of
// the chain, as `sysrc -x` does, and prints where it was; with
// service_delete_empty=YES an rc.conf.d file left empty is removed.
func deleteRcvar(ctx context.Context, g *Globals) int {
	files, _, err := rcvarFiles(ctx, g)
	if err != nil {
		g.Errorf("%v", err)
		return 1
	}
	var in []string
	var emptied []string
	for _, f := range files {
		changed := false
		err := editRcFile(g.Root, f, false, g.DryRun, func(lines []string) ([]string, bool) {
			out := lines[:0:0]
			for _, l := range lines {
				if rcvarLine.MatchString(l) {
					changed = true
					continue
				}
				out = append(out, l)
			}
			if changed && len(out) == 0 {
				emptied = append(emptied, f)
			}
			return out, changed
		})
		if err != nil {
			g.Errorf("%v", err)
			return 1
		}
		if changed {
			in = append(in, f)
			if g.DryRun {
				fmt.Fprintln(g.Stdout, compat.QuoteArgv([]string{"sysrc", "-f", f, "-x", "jail_enable"}))
			}
		}
	}
	if g.DryRun {
		return 0
	}
	if len(in) == 0 {
		g.Errorf("jail_enable is not set in %s", strings.Join(files, ", "))
		return 1
	}
	fmt.Fprintf(g.Stdout, "jail_enable deleted in %s\n", strings.Join(in, " "))
	if v, err := rcconf.Load(ctx, rcconf.Options{Root: g.Root, Service: "jail"}); err == nil {
		if val, _ := v.Get("service_delete_empty"); strings.EqualFold(val, "yes") || strings.EqualFold(val, "true") || strings.EqualFold(val, "on") || val == "1" {
			for _, f := range emptied {
				if !strings.Contains(f, "/rc.conf.d/") {
					continue
				}
				if err := removeRcFile(g.Root, f); err != nil {
					g.Errorf("%v", err)
					return 1
				}
				fmt.Fprintf(g.Stdout, "Empty file %s removed\n", f)
			}
		}
	}
	return 0
}

// editRcFile rewrites an rc.conf file under root through edit (its lines,
// without their newlines), by writing a new file beside it and renaming it
// over the old one, so that a crash leaves either file whole — never a
// half-written rc.conf for the next boot. create allows a missing file;
// dry runs edit and writes nothing.
// A symlink is refused: the rename would replace the link, not its target.
func editRcFile(root, file string, create, dry bool, edit func([]string) ([]string, bool)) error {
	r, err := os.OpenRoot(root)
	if err != nil {
		return fmt.Errorf("edit %s: open root %s: %w", file, root, err)
	}
	defer r.Close()
	rel := strings.TrimPrefix(path.Clean("/"+file), "/")
	mode := fs.FileMode(0o644)
	var lines []string
	st, err := r.Lstat(rel)
	switch {
	case err == nil && st.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("edit %s: it is a symbolic link; edit the file it points to", file)
	case err == nil && !st.Mode().IsRegular():
		return fmt.Errorf("edit %s: not a regular file", file)
	case err == nil:
		mode = st.Mode().Perm()
		data, err := r.ReadFile(rel)
		if err != nil {
			return fmt.Errorf("edit %s: %w", file, err)
		}
		text := strings.TrimSuffix(string(data), "\n")
		if text != "" {
			lines = strings.Split(text, "\n")
		}
	case errors.Is(err, fs.ErrNotExist) && create:
	default:
		return fmt.Errorf("edit %s: %w", file, err)
	}
	out, changed := edit(lines)
	if !changed || dry {
		return nil
	}
	text := strings.Join(out, "\n")
	if len(out) > 0 {
		text += "\n"
	}
	tmp := rel + ".rcjail-new"
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("edit %s: %w", file, err)
	}
	_, werr := f.WriteString(text)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = r.Rename(tmp, rel)
	}
	if werr != nil {
		r.Remove(tmp)
		return fmt.Errorf("edit %s: %w", file, werr)
	}
	return nil
}

func removeRcFile(root, file string) error {
	r, err := os.OpenRoot(root)
	if err != nil {
		return fmt.Errorf("remove %s: %w", file, err)
	}
	defer r.Close()
	if err := r.Remove(strings.TrimPrefix(path.Clean("/"+file), "/")); err != nil {
		return fmt.Errorf("remove %s: %w", file, err)
	}
	return nil
}
