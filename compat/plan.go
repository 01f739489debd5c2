package compat

import (
	"fmt"
	"path"
	"strings"

	"rcjail/compat/state"
)

// Plan is the ordered list of steps for one jail and one verb.
type Plan struct {
	Jail  string // the name as given
	Verb  Verb   // VerbStart or VerbStop
	Steps []Step
}

// StartFacts are the answers to the questions the script asks before it
// plans a jail's start. The zero value is a clean host.
type StartFacts struct {
	// DevfsMounted: devfs is already mounted on <rootdir>/dev (`df -t devfs`
	// succeeded), so the whole devfs block, rules and dev/log link included,
	// is skipped, as the script does.
	DevfsMounted bool

	// DevSkip, FdescSkip and ProcSkip, when set, replace the devfs block,
	// the fdescfs mount and the procfs mount with a [Skip]: the mount
	// point is missing (the script's procfs test skips the mount, its
	// devfs and fdescfs mounts fail, and the jail starts without them) or,
	// for fdescfs and procfs, has a symlink in its path (the script warns
	// and does not mount). The runner finds these facts with lstat.
	DevSkip, FdescSkip, ProcSkip *Skip

	// FstabSkip, when set, replaces the fstab mount with a [Skip]: a mount
	// point of the fstab has a symlink on its path (the script's
	// jail_mount_fstab warns, mounts nothing from that fstab, and the jail
	// starts).
	FstabSkip *Skip
}

// StopFacts are what stop knows before it plans.
type StopFacts struct {
	IDFile  bool   // the id file exists (it may be empty)
	JID     string // its first line
	Running bool   // the jid runs now (jls -j JID)
}

// IDFile is the id file the script keeps for a jail ("/var/run/jail_<j>.id",
// defined by package state's layout).
func IDFile(j *Jail) string { return state.IDFile(j.J) }

// Build plans verb (VerbStart or VerbStop) for each named jail of cfg, in the
// order given (nil names: cfg.List), against a clean host for start and a
// running jail for stop. It is the pure core that the runner uses jail by
// jail with the facts it has queried; jails with configuration errors get
// an empty plan.
func Build(cfg *Config, verb Verb, names []string) ([]Plan, error) {
	if names == nil {
		names = cfg.List
	}
	plans := make([]Plan, 0, len(names))
	for _, n := range names {
		j := cfg.Jails[n]
		if j == nil {
			return nil, fmt.Errorf("plan %s of jail %q: jail not in the configuration", verb, n)
		}
		p := Plan{Jail: n, Verb: verb}
		if len(j.Errors) == 0 {
			switch verb {
			case VerbStart:
				p.Steps = PlanStart(j, StartFacts{})
			case VerbStop:
				p.Steps = PlanStop(j, StopFacts{IDFile: true, JID: "$jid", Running: true})
			default:
				return nil, fmt.Errorf("plan %q of jail %q: unknown verb", verb, n)
			}
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// under joins a clean absolute root and a clean relative entry. Both are
// clean by the configuration's contract, so a concatenation gives the same
// result as path.Join without its allocation-heavy Clean (planning 1000
// jails makes ~30000 of these); anything else goes through path.Join.
func under(root, rel string) string {
	if rel == "" || rel == "." || root == "" || rel[0] == '/' || strings.Contains(rel, "..") || strings.HasSuffix(rel, "/") || strings.Contains(rel, "//") {
		return path.Join(root, rel)
	}
	if root == "/" {
		return "/" + rel
	}
	return root + "/" + rel
}

// PlanStart returns the steps that start j, in SPEC §1's order: aliases →
// skeleton → fstab → devfs (+ ruleset, dev/log) → fdescfs → procfs →
// exec_prestart* → jail(8). What follows jail(8) (afterstart, console log,
// id file, poststart) depends on the jid and is planned by [PlanAfterJail].
func PlanStart(j *Jail, f StartFacts) []Step {
	if j.JailConfFile != "" {
		return []Step{JailConf{Jail: j.Name, File: j.JailConfFile, J: j.J}}
	}
	steps := make([]Step, 0, 8+2*len(j.Mounts))
	for _, a := range j.IPs {
		if a.Iface != "" {
			steps = append(steps, AliasAdd{Jail: j.Name, Addr: a})
		}
	}
	root := j.RootDir
	// The fstab is mounted as one file (mount -a -F), after the skeleton
	// and before devfs, even when it has no lines.
	fstabDone := !j.MountEnable
	fstab := func() {
		if fstabDone {
			return
		}
		fstabDone = true
		if f.FstabSkip != nil {
			steps = append(steps, *f.FstabSkip)
		} else {
			steps = append(steps, FstabMount{Jail: j.Name, Fstab: j.Fstab, Entries: j.FstabEntries, Root: root})
		}
	}
	for _, m := range j.Mounts {
		switch m.Kind {
		case MountSkelBase:
			// The read-only entries are links into skel_basedir; each
			// must be in place before the base is mounted.
			for _, e := range j.Skel.Entries {
				if !e.RW {
					steps = append(steps, CheckLink{Jail: j.Name, Root: root, Path: under(root, e.Path), Target: SymlinkTarget(e.Path, j.Skel.Basedir)})
				}
			}
			steps = append(steps,
				Mkdir{Jail: j.Name, Root: root, Path: m.Target},
				Mount{Jail: j.Name, FSType: m.FSType, Source: m.Source, Target: m.Target, ReadOnly: true, Root: root})
		case MountSkel:
			steps = append(steps,
				Mkdir{Jail: j.Name, Root: root, Path: m.Target},
				Mount{Jail: j.Name, FSType: m.FSType, Source: m.Source, SourceRoot: m.SourceRoot, Target: m.Target, ReadOnly: m.ReadOnly, Root: root})
		case MountFstab:
			fstab()
		case MountDevfs:
			fstab()
			switch {
			case f.DevfsMounted:
			case f.DevSkip != nil:
				steps = append(steps, *f.DevSkip)
			default:
				steps = append(steps,
					Mkdir{Jail: j.Name, Root: root, Path: m.Target},
					Mount{Jail: j.Name, FSType: FSDevfs, Target: m.Target, Root: root, DevfsRuleset: max(j.DevfsRulesetN, 0)})
				if j.DevfsRulesetN >= 0 {
					steps = append(steps, DevfsRuleset{Jail: j.Name, Dir: m.Target, Ruleset: j.DevfsRulesetN})
				}
				steps = append(steps,
					DevfsApply{Jail: j.Name, Dir: m.Target},
					Symlink{Jail: j.Name, Target: "../var/run/log", Path: under(m.Target, "log")})
			}
		case MountFdescfs, MountProcfs:
			fstab()
			skip := f.FdescSkip
			if m.Kind == MountProcfs {
				skip = f.ProcSkip
			}
			if skip != nil {
				steps = append(steps, *skip)
				continue
			}
			steps = append(steps,
				Mkdir{Jail: j.Name, Root: root, Path: m.Target},
				Mount{Jail: j.Name, FSType: m.FSType, Target: m.Target, Root: root})
		}
	}
	fstab()
	for i, h := range j.PreStart {
		steps = append(steps, Exec{Jail: j.Name, Var: fmt.Sprintf("exec_prestart%d", i), Argv: h})
	}
	ips := make([]string, len(j.IPs))
	for i, a := range j.IPs {
		ips[i] = a.Addr
	}
	steps = append(steps, StartJail{
		Jail: j.Name, J: j.J, Fib: j.Fib, Flags: j.Flags, Root: root,
		Hostname: j.Hostname, IPs: ips, Command: j.ExecStart, Params: j.Params,
		IDFile: IDFile(j),
	})
	return steps
}

// PlanAfterJail returns what start does once jail(8) has returned jid and
// its output: exec_afterstart* through jexec, the console log, the id file
// and exec_poststart* on the host.
func PlanAfterJail(j *Jail, jid string, output []byte) []Step {
	steps := make([]Step, 0, len(j.AfterStart)+len(j.PostStart)+2)
	for _, a := range j.AfterStart {
		steps = append(steps, Jexec{Jail: j.Name, JID: jid, Argv: a})
	}
	steps = append(steps,
		WriteFile{Jail: j.Name, Path: j.ConsoleLog, Data: output},
		WriteFile{Jail: j.Name, Path: IDFile(j), Data: []byte(jid + "\n"), IDFile: true})
	for i, h := range j.PostStart {
		steps = append(steps, Exec{Jail: j.Name, Var: fmt.Sprintf("exec_poststart%d", i), Argv: h})
	}
	return steps
}

// PlanStop returns the steps that stop j, the mirror of start (SPEC §1):
// exec_prestop* → exec_stop via jexec → kill → unmount fdescfs, devfs,
// procfs, fstab (reverse file order), skeleton (reverse mount order) →
// exec_poststop* → remove aliases → remove the id file. Without a running
// jid the prestop hooks, the stop command and the kill are left out (a
// stale jid may name another jail by now: `killall -j` must not hit it); the
// unmounts stay (the runner runs each only if it is really mounted, so a
// stop after a crash cleans up what is left, SPEC §3.5).
func PlanStop(j *Jail, f StopFacts) []Step {
	if j.JailConfFile != "" {
		// The modern script removes the id file it wrote at start.
		return []Step{JailConf{Jail: j.Name, File: j.JailConfFile, J: j.J, Remove: true}, RemoveFile{Jail: j.Name, Path: IDFile(j)}}
	}
	steps := make([]Step, 0, 8+len(j.Mounts))
	if f.Running {
		for i, h := range j.PreStop {
			steps = append(steps, Exec{Jail: j.Name, Var: fmt.Sprintf("exec_prestop%d", i), Argv: h})
		}
		if len(j.ExecStop) > 0 {
			steps = append(steps, Jexec{Jail: j.Name, JID: f.JID, Argv: j.ExecStop, CleanEnv: true, AppendLog: j.ConsoleLog})
		}
		steps = append(steps, KillJail{Jail: j.Name, JID: f.JID})
	}
	root := j.RootDir
	// fdescfs, devfs and procfs first, in the script's order; then the
	// rest in the reverse of the mount order (fstab in reverse file
	// order, the skeleton children before parents, skel_basedir last).
	for _, k := range [...]MountKind{MountFdescfs, MountDevfs, MountProcfs} {
		for _, m := range j.Mounts {
			if m.Kind == k {
				steps = append(steps, Unmount{Jail: j.Name, FSType: m.FSType, Target: m.Target, Root: root})
			}
		}
	}
	for i := len(j.Mounts) - 1; i >= 0; i-- {
		switch m := j.Mounts[i]; m.Kind {
		case MountFstab:
			// Any type: mount(8) may name it otherwise than the fstab.
			steps = append(steps, Unmount{Jail: j.Name, Target: m.Target, Root: root})
		case MountSkel, MountSkelBase:
			steps = append(steps, Unmount{Jail: j.Name, FSType: m.FSType, Target: m.Target, Root: root})
		}
	}
	// exec_poststop* follow the teardown whenever the id file named a jid,
	// as in the script, even a stale one: they are the host's own cleanup.
	if f.JID != "" {
		for i, h := range j.PostStop {
			steps = append(steps, Exec{Jail: j.Name, Var: fmt.Sprintf("exec_poststop%d", i), Argv: h})
		}
	}
	if f.IDFile {
		for _, a := range j.IPs {
			if a.Iface != "" {
				steps = append(steps, AliasRemove{Jail: j.Name, Addr: a})
			}
		}
		steps = append(steps, RemoveFile{Jail: j.Name, Path: IDFile(j)})
	}
	return steps
}
