package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"rcjail/compat"
	"rcjail/compat/jailroot"
)

// `rcjail prepare <jail> …` (SPEC §4.4) creates what a (skeleton) jail needs
// under its rootdir: for nullfs mode the mount point directories, for symlink
// mode skel_basedir and the relative links into it, and in both the writable
// tree a base system expects ([compat.BaseTree]). The list comes from
// [compat.PrepareTree]; this file compares it with the disk and creates what
// is missing.
//
// Rules, each against a way prepare could do harm:
//   - it never replaces, changes or deletes anything: an existing path of the
//     wrong kind (a file where a directory belongs, a link that points
//     elsewhere) is reported and the jail is left untouched (no lost data);
//   - it never follows a symlink inside the jail root, nor in rootdir's own
//     path: a planted `var -> /` would otherwise make it create directories
//     on the host; the symlink is named in the error;
//   - it checks the whole list before creating anything, so a refused jail
//     is not half prepared;
//   - a missing rootdir is created (0755) only when its parent exists, so a
//     typo does not grow a new tree on the host.
//
// Output: "created DIR" and "created LINK -> TARGET", one per line, in
// creation order; with -n the same steps as the sh commands that would make
// them (`mkdir -m 0755 DIR`, `ln -s TARGET LINK`). A second run creates and
// prints nothing. Every jail ends with the hint to populate /etc.

func init() {
	register(&command{
		name:  "prepare",
		usage: "prepare jail ...   create a jail's mount points, skeleton links and writable tree",
		run:   runPrepare,
	})
}

func runPrepare(ctx context.Context, g *Globals, args []string) int {
	if len(args) == 0 {
		fmt.Fprintf(g.Stderr, "%s: usage: prepare jail ...\n", g.Name)
		return 2
	}
	cfg, err := loadConfig(ctx, g, args)
	if err != nil {
		return configFailed(g, err)
	}
	return prepareJails(g, cfg, args)
}

// prepareJails prepares each named jail of cfg in turn; a jail that fails does
// not stop the others. It returns the exit status: 1 if any jail failed.
func prepareJails(g *Globals, cfg *compat.Config, names []string) int {
	st := 0
	for _, n := range names {
		j := cfg.Jails[n]
		if j == nil {
			g.Errorf("prepare: jail %s: not configured", n)
			st = 1
			continue
		}
		if err := prepareJail(g, j); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				g.Errorf("%s", line)
			}
			st = 1
		}
	}
	return st
}

func prepareJail(g *Globals, j *compat.Jail) error {
	if len(j.Errors) > 0 {
		errs := make([]error, 0, len(j.Errors)+1)
		errs = append(errs, fmt.Errorf("prepare: jail %s: configuration refused, nothing created", j.Name))
		for _, e := range j.Errors {
			errs = append(errs, e)
		}
		return errors.Join(errs...)
	}
	root := j.RootDir
	if !path.IsAbs(root) || path.Clean(root) != root || root == "/" {
		// Never let "${rootdir}/usr" become "/usr" on the host.
		return fmt.Errorf("prepare: jail %s: rootdir %q is not an absolute clean path other than /", j.Name, root)
	}
	items, err := compat.PrepareTree(j)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	rootMissing, err := jailroot.EnsureRoot(root, true)
	if err != nil {
		return fmt.Errorf("prepare: jail %s: %w", j.Name, err)
	}
	todo, err := jailroot.Scan(root, items, rootMissing)
	if err != nil {
		return fmt.Errorf("prepare: jail %s: nothing created:\n%w", j.Name, err)
	}
	w := g.Stdout
	if g.DryRun {
		if rootMissing {
			fmt.Fprintf(w, "mkdir -m 0755 %s\n", prepQuote(root))
		}
		for _, it := range todo {
			fmt.Fprintln(w, prepCommand(root, it))
		}
		fmt.Fprintf(w, "# then populate %s/etc: cd /usr/src && make distribution DESTDIR=%s\n", root, prepQuote(root))
		return nil
	}
	if rootMissing {
		if _, err := jailroot.EnsureRoot(root, false); err != nil {
			return fmt.Errorf("prepare: jail %s: %w", j.Name, err)
		}
		fmt.Fprintf(w, "created %s\n", root)
	}
	err = jailroot.Apply(root, todo, func(it compat.PrepItem) { prepReport(w, root, it) })
	if err != nil {
		return fmt.Errorf("prepare: jail %s: %w", j.Name, err)
	}
	if len(todo) == 0 && !rootMissing {
		fmt.Fprintf(w, "%s: nothing to create\n", root)
	}
	fmt.Fprintf(w, "%s: populate %s/etc yourself, on FreeBSD for example: cd /usr/src && make distribution DESTDIR=%s\n", j.Name, root, prepQuote(root))
	return nil
}

func prepReport(w io.Writer, root string, it compat.PrepItem) {
	p := path.Join(root, it.Path)
	if it.Kind == compat.PrepLink {
		fmt.Fprintf(w, "created %s -> %s\n", p, it.Target)
		return
	}
	fmt.Fprintf(w, "created %s\n", p)
}

// prepCommand is the sh command that makes it, for -n.
func prepCommand(root string, it compat.PrepItem) string {
	p := prepQuote(path.Join(root, it.Path))
	if it.Kind == compat.PrepLink {
		return "ln -s " + prepQuote(it.Target) + " " + p
	}
	return "mkdir -m " + prepMode(it.Mode) + " " + p
}

// prepMode prints a directory mode the way chmod(1) takes it ("1777", "0755").
func prepMode(m fs.FileMode) string {
	v := uint32(m.Perm())
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return fmt.Sprintf("%04o", v)
}

// prepQuote quotes s for sh when it holds anything but plain path characters.
func prepQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=,:@%", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
