package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"rcjail/compat"
	"rcjail/compat/native"
	"rcjail/compat/state"
	"rcjail/mount"
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
	rcStatusHook = func(ctx context.Context, g *Globals, cfg *compat.Config, _ compat.Executor, names []string) int {
		return statusReport(g, cfg, names, false)
	}
}

// statusNotRunning is the exit status when a jail asked about does not run,
// as rc.subr's status reports for a service that is not running.
const statusNotRunning = 3

// jailStatus is what status finds for one jail.
type jailStatus struct {
	Name      string        `json:"name"`
	Jail      string        `json:"jail"`
	Running   bool          `json:"running"`
	JID       int           `json:"jid,omitempty"`
	Hostname  string        `json:"hostname,omitempty"`
	Root      string        `json:"root,omitempty"`
	IDFile    string        `json:"id_file"`
	JailConf  string        `json:"jail_conf,omitempty"` // defined in this jail.conf file
	Mounts    []mountStatus `json:"mounts"`
	Present   int           `json:"mounts_present"`
	Expected  int           `json:"mounts_expected"`
	Leftovers []string      `json:"leftovers,omitempty"`
	Errors    []string      `json:"errors,omitempty"`
}

// mountStatus is one mount the configuration expects while the jail runs.
type mountStatus struct {
	Type    string `json:"type"`             // as configured: nullfs, devfs, fdescfs, procfs, or the fstab's type
	Source  string `json:"source,omitempty"` // nullfs source
	Target  string `json:"target"`           // host path, as configured (not under -R)
	Present bool   `json:"present"`
	Kernel  string `json:"kernel_type,omitempty"` // the type the kernel reports (Linux: the bind's file system)
}

func runStatus(ctx context.Context, g *Globals, args []string) int {
	a, code := loadAdminVerb(ctx, g, "status", args)
	if code != 0 {
		return code
	}
	return statusReport(g, a.cfg, a.names, a.json)
}

// statusReport prints the status of names (cfg.List when empty) and returns
// 0 when every one runs, 3 otherwise, 1 when the state cannot be read.
func statusReport(g *Globals, cfg *compat.Config, names []string, asJSON bool) int {
	if len(names) == 0 {
		names = cfg.List
	}
	table, terr := mount.Table()
	if terr != nil {
		g.Errorf("read the mount table: %v", terr)
		return 1
	}
	var all []jailStatus
	st := 0
	for _, n := range names {
		js := jailStatusOf(g, cfg, n, table)
		if !js.Running {
			st = statusNotRunning
		}
		all = append(all, js)
	}
	if asJSON {
		if all == nil {
			all = []jailStatus{}
		}
		if c := writeJSON(g, struct {
			jsonHeader
			Jails []jailStatus `json:"jails"`
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

// hostPath is p, a file rcjail keeps as the script's own state (id files,
// records), under -R, resolved as the backends resolve it (package state).
// Jail filesystem paths (rootdir, mount targets) are used as written, as
// everywhere else in rcjail.
func hostPath(g *Globals, p string) string { return state.HostPath(g.Root, p) }

func jailStatusOf(g *Globals, cfg *compat.Config, name string, table []mount.Entry) jailStatus {
	j := cfg.Jails[name]
	js := jailStatus{Name: name, Jail: j.J, Hostname: j.Hostname, Root: j.RootDir, JailConf: j.JailConfFile, Mounts: []mountStatus{}}
	js.IDFile = compat.IDFile(j)
	for _, e := range j.Errors {
		js.Errors = append(js.Errors, e.Error())
	}

	// Running: the id file names a jid the kernel still has, rooted where
	// the configuration says. A stale id file (a crash, a recycled pid)
	// must not make a dead jail look alive (SPEC §3.5).
	jidText, idErr := state.ReadJailID(g.Root, j.J)
	switch {
	case idErr == nil:
		jid, err := strconv.Atoi(jidText)
		if err != nil || jid <= 0 {
			js.Leftovers = append(js.Leftovers, fmt.Sprintf("id file %s holds %q, not a jid", js.IDFile, jidText))
			break
		}
		alive, err := jidAlive(jid, j.RootDir)
		if err != nil {
			js.Errors = append(js.Errors, fmt.Sprintf("check jid %d: %v", jid, err))
		}
		if alive {
			js.Running, js.JID = true, jid
		} else {
			js.Leftovers = append(js.Leftovers, fmt.Sprintf("id file %s names jid %d, which is not running", js.IDFile, jid))
		}
	case !os.IsNotExist(idErr):
		js.Errors = append(js.Errors, idErr.Error())
	}
	if !js.Running && j.JailConfFile == "" {
		// The record, whether or not there is an id file (issue 12): a
		// start killed during its start command leaves a running jail
		// only the record knows, rooted where it says.
		rec, err := native.ReadRecorded(g.Root, name)
		if err != nil {
			js.Errors = append(js.Errors, err.Error())
		}
		if jid, _ := strconv.Atoi(rec.JID); jid > 0 && (j.RootDir == "" || rec.Root == j.RootDir) {
			if alive, _ := jidAlive(jid, rec.Root); alive {
				js.Running, js.JID = true, jid
				js.Leftovers = append(js.Leftovers, fmt.Sprintf("no id file names jid %d; its record does", jid))
			}
		}
	}

	mounted := map[string]mount.Entry{}
	for _, e := range table {
		mounted[e.Target] = e // a later mount on the same path hides the earlier one
	}
	for _, m := range expectedMounts(j) {
		if e, ok := mounted[m.Target]; ok {
			m.Present, m.Kernel = true, e.FSType
			js.Present++
		}
		js.Mounts = append(js.Mounts, m)
	}
	js.Expected = len(js.Mounts)
	if !js.Running && j.RootDir != "" {
		// Anything mounted inside a stopped jail's root is a leftover,
		// expected or not: stop removes it (SPEC §3.5).
		for _, e := range mount.Under(table, j.RootDir) {
			if e.Target == j.RootDir {
				continue // the root itself may be its own file system
			}
			js.Leftovers = append(js.Leftovers, fmt.Sprintf("%s mounted on %s", e.FSType, e.Target))
		}
		for _, rec := range compat.RecordFiles(g.Root, j.Name) {
			js.Leftovers = append(js.Leftovers, "record "+rec+" of a start that was not undone")
		}
	}
	return js
}

// expectedMounts lists what a running jail of this configuration has
// mounted, in mount order.
func expectedMounts(j *compat.Jail) []mountStatus {
	if j.RootDir == "" {
		return nil
	}
	// Start skips a devfs, fdescfs or procfs mount whose mount point in an
	// existing jail root is not a real directory (missing, or a symlink),
	// as the 8.x script skips it (issue 10 item 6): it is not expected
	// either. dev/fd on a mounted devfs is the devfs's own directory.
	rootThere := realDir(j.RootDir)
	expect := func(target string) bool { return !rootThere || realDir(target) }
	var out []mountStatus
	for _, m := range j.Mounts {
		switch m.Kind {
		case compat.MountDevfs, compat.MountProcfs:
			if !expect(m.Target) {
				continue
			}
		case compat.MountFdescfs:
			if !(j.Devfs && expect(path.Dir(m.Target)) || expect(m.Target)) {
				continue
			}
		}
		out = append(out, mountStatus{Type: m.FSType, Source: m.Source, Target: m.Target})
	}
	return out
}

// realDir reports whether p is a directory, without following a symlink in
// its last component.
func realDir(p string) bool {
	st, err := os.Lstat(p)
	return err == nil && st.IsDir()
}

// writeStatusText prints one line per jail and an indented line per finding:
//
//	www: running, jid 1234, host www.example.org, root /jails/www, mounts 3/3
//	db: not running, root /jails/db, mounts 0/2
//	  missing: nullfs /jails/db/bin
func writeStatusText(w io.Writer, js jailStatus) {
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
