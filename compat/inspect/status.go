package inspect

import (
	"context"
	"fmt"
	"os"
	"path"
	"strconv"

	"rcjail/compat"
	"rcjail/compat/state"
	"rcjail/mount"
)

// Host is what status asks the kernel through: the backend's host (every
// [compat.Executor] is one), so that status says "running" exactly when
// that backend's stop would stop the jail. The native host asks the kernel
// whether jid is a jail running in root (Linux: an rcjail jail init whose
// root is root); the command backend runs `jls -j JID`, as the script.
type Host interface {
	JailRunning(ctx context.Context, jid, root string) (bool, error)
	// JailsAt finds the jail of a record whose start was killed before
	// its jid was journaled (state "creating"; see compat.ReadRecorded).
	compat.JailFinder
}

// JailStatus is what status finds for one jail.
type JailStatus struct {
	Name      string        `json:"name"`
	Jail      string        `json:"jail"`
	Running   bool          `json:"running"`
	JID       int           `json:"jid,omitempty"`
	Hostname  string        `json:"hostname,omitempty"`
	Root      string        `json:"root,omitempty"`
	IDFile    string        `json:"id_file"`
	JailConf  string        `json:"jail_conf,omitempty"` // defined in this jail.conf file
	Mounts    []MountStatus `json:"mounts"`
	Present   int           `json:"mounts_present"`
	Expected  int           `json:"mounts_expected"`
	Leftovers []string      `json:"leftovers,omitempty"`
	Errors    []string      `json:"errors,omitempty"`
}

// MountStatus is one mount the configuration expects while the jail runs.
type MountStatus struct {
	Type    string `json:"type"`             // as configured: nullfs, devfs, fdescfs, procfs, or the fstab's type
	Source  string `json:"source,omitempty"` // nullfs source
	Target  string `json:"target"`           // host path, as configured (not under -R)
	Present bool   `json:"present"`
	Kernel  string `json:"kernel_type,omitempty"` // the type the kernel reports (Linux: the bind's file system)
}

// Status says, for each jail of cfg called in names (cfg.List when
// empty), whether it runs (asked of h), its jid, and which of the mounts
// it is expected to have are present; for a jail that does not run, what
// is left of it (a stale id file, mounts inside its root, a record). root
// is the -R directory the state files (id files, records) are read under;
// jail paths are used as configured. The error is the mount table's,
// which is read once for every jail.
func Status(ctx context.Context, h Host, root string, cfg *compat.Config, names []string) ([]JailStatus, error) {
	if len(names) == 0 {
		names = cfg.List
	}
	table, err := mount.Table()
	if err != nil {
		return nil, fmt.Errorf("read the mount table: %w", err)
	}
	var all []JailStatus
	for _, n := range names {
		all = append(all, jailStatusOf(ctx, h, root, cfg, n, table))
	}
	return all, nil
}

// jailStatusOf is what root's state files, the kernel and the mount table
// table say of the jail called name.
func jailStatusOf(ctx context.Context, h Host, root string, cfg *compat.Config, name string, table []mount.Entry) JailStatus {
	j := cfg.Jails[name]
	js := JailStatus{Name: name, Jail: j.J, Hostname: j.Hostname, Root: j.RootDir, JailConf: j.JailConfFile, Mounts: []MountStatus{}}
	js.IDFile = compat.IDFile(j)
	for _, e := range j.Errors {
		js.Errors = append(js.Errors, e.Error())
	}

	// Running: the id file names a jid the kernel still has, rooted where
	// the configuration says. A stale id file (a crash, a recycled pid)
	// must not make a dead jail look alive (SPEC §3.5).
	jidText, idErr := state.ReadJailID(root, j.J)
	switch {
	case idErr == nil:
		jid, err := strconv.Atoi(jidText)
		if err != nil || jid <= 0 {
			js.Leftovers = append(js.Leftovers, fmt.Sprintf("id file %s holds %q, not a jid", js.IDFile, jidText))
			break
		}
		alive, err := h.JailRunning(ctx, strconv.Itoa(jid), j.RootDir)
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
		rec, err := compat.ReadRecorded(ctx, h, root, name)
		if err != nil {
			js.Errors = append(js.Errors, err.Error())
		}
		if jid, _ := strconv.Atoi(rec.JID); jid > 0 && (j.RootDir == "" || rec.Root == j.RootDir) {
			if alive, _ := h.JailRunning(ctx, rec.JID, rec.Root); alive {
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
		for _, rec := range compat.RecordFiles(root, j.Name) {
			js.Leftovers = append(js.Leftovers, "record "+rec+" of a start that was not undone")
		}
	}
	return js
}

// expectedMounts lists what a running jail of this configuration has
// mounted, in mount order.
func expectedMounts(j *compat.Jail) []MountStatus {
	if j.RootDir == "" {
		return nil
	}
	// Start skips a devfs, fdescfs or procfs mount whose mount point in an
	// existing jail root is not a real directory (missing, or a symlink),
	// as the 8.x script skips it (issue 10 item 6): it is not expected
	// either. dev/fd on a mounted devfs is the devfs's own directory.
	rootThere := realDir(j.RootDir)
	expect := func(target string) bool { return !rootThere || realDir(target) }
	var out []MountStatus
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
		out = append(out, MountStatus{Type: m.FSType, Source: m.Source, Target: m.Target})
	}
	return out
}

// realDir reports whether p is a directory, without following a symlink in
// its last component.
func realDir(p string) bool {
	st, err := os.Lstat(p)
	return err == nil && st.IsDir()
}
