package record

import (
	"path"
	"slices"
)

// Record is what a start did to the host. It is a hint: the kernel's mount
// table wins when the two disagree, and a record that cannot be parsed is
// ignored (with a warning).
type Record struct {
	Jail   string  `json:"jail"`
	Root   string  `json:"root,omitempty"`
	JID    int     `json:"jid,omitempty"`
	State  string  `json:"state"` // "starting", "creating", "running", "stopping", "dirty"
	Mounts []Mount `json:"mounts,omitempty"`
	// Intents are mounts journaled before their mount was made and not
	// (yet) confirmed: each may or may not exist. The next stop or start
	// looks it up in the mount table.
	Intents []Mount  `json:"intents,omitempty"`
	Aliases []Addr   `json:"aliases,omitempty"`
	Created []string `json:"created,omitempty"` // directories we made, parents first
	IDFile  string   `json:"idfile,omitempty"`  // the id file the start wrote (host path)
}

// Mount is one mount a start made (or adopted from a crashed start), or,
// in Record.Intents, one it was about to make.
type Mount struct {
	ID uint64 `json:"id"`
	// UniqueID is the kernel's never-reused mount id (Linux 6.8+; 0 where
	// none): a stop that finds it unmounts without checking type and
	// source again, and one that does not touches nothing.
	UniqueID uint64 `json:"uid,omitempty"`
	FSType   string `json:"fstype"`
	Source   string `json:"source,omitempty"`
	Root     string `json:"root"`
	Rel      string `json:"rel"`
	ReadOnly bool   `json:"ro,omitempty"`
}

// Target is the absolute mount point.
func (m Mount) Target() string { return path.Join(m.Root, m.Rel) }

// Addr is an IP alias a start added: compat.Addr's fields (convertible to
// and from it), whose names are its JSON keys.
type Addr struct {
	Iface  string
	Family string
	Addr   string
	Mask   string
}

// Event is one journal line.
type Event struct {
	Ev    string   `json:"ev"` // begin, root, state, jid, idfile, mounting, mount, unmount, created, uncreated, alias, unalias
	Root  string   `json:"root,omitempty"`
	State string   `json:"state,omitempty"`
	JID   int      `json:"jid,omitempty"`
	M     *Mount   `json:"m,omitempty"`
	Paths []string `json:"paths,omitempty"`
	Addr  *Addr    `json:"addr,omitempty"`
}

// Apply replays e on r. Every event sets state, so replaying a journal on
// a snapshot that already contains it (a crash between the snapshot's
// rename and the journal's truncation) changes nothing.
func (r *Record) Apply(e Event) {
	switch e.Ev {
	case "begin":
		r.State, r.JID = "starting", 0
		if e.Root != "" {
			r.Root = e.Root
		}
	case "root":
		r.Root = e.Root
	case "state":
		r.State = e.State
	case "jid":
		// Written the moment the jail exists, with its root and state,
		// and with jid 0 when it is gone.
		r.JID = e.JID
		if e.Root != "" {
			r.Root = e.Root
		}
		if e.State != "" {
			r.State = e.State
		}
		if len(e.Paths) == 1 {
			r.IDFile = e.Paths[0]
		}
	case "idfile":
		// The id file is gone (a stop removed it): nothing to remove.
		r.IDFile = ""
		if len(e.Paths) == 1 {
			r.IDFile = e.Paths[0]
		}
	case "mounting":
		// The intent, journaled before the mount: until its "mount" (or
		// "unmount") line, the mount may or may not exist.
		if e.M != nil {
			r.Intents = setMount(r.Intents, *e.M)
		}
	case "mount":
		if e.M != nil {
			r.Intents = DropMount(r.Intents, e.M.Target())
			r.Mounts = setMount(r.Mounts, *e.M)
		}
	case "unmount":
		// Also retracts an intent: the mount was never made, or is gone.
		for _, p := range e.Paths {
			r.Intents = DropMount(r.Intents, p)
			r.Mounts = DropMount(r.Mounts, p)
		}
	case "created":
		for _, p := range e.Paths {
			if !slices.Contains(r.Created, p) {
				r.Created = append(r.Created, p)
			}
		}
	case "uncreated":
		for _, p := range e.Paths {
			for i := len(r.Created) - 1; i >= 0; i-- {
				if r.Created[i] == p {
					r.Created = append(r.Created[:i], r.Created[i+1:]...)
				}
			}
		}
	case "alias":
		if e.Addr != nil && r.IndexAlias(*e.Addr) < 0 {
			r.Aliases = append(r.Aliases, *e.Addr)
		}
	case "unalias":
		if e.Addr != nil {
			if i := r.IndexAlias(*e.Addr); i >= 0 {
				r.Aliases = append(r.Aliases[:i], r.Aliases[i+1:]...)
			}
		}
	}
}

// IndexAlias returns the index of a in r's aliases (by interface and
// address), -1 when r is nil or does not list it.
func (r *Record) IndexAlias(a Addr) int {
	if r == nil {
		return -1
	}
	for i, b := range r.Aliases {
		if b.Iface == a.Iface && b.Addr == a.Addr {
			return i
		}
	}
	return -1
}

// HasMount reports whether r lists a mount or an intent at target.
func (r *Record) HasMount(target string) bool {
	return r != nil && (HasMountAt(r.Mounts, target) || HasMountAt(r.Intents, target))
}

// HasMountAt reports whether ms lists a mount at target.
func HasMountAt(ms []Mount, target string) bool {
	for i := range ms {
		if ms[i].Target() == target {
			return true
		}
	}
	return false
}

// setMount replaces the entry of ms at m's mount point with m, or appends m.
func setMount(ms []Mount, m Mount) []Mount {
	t := m.Target()
	for i := range ms {
		if ms[i].Target() == t {
			ms[i] = m
			return ms
		}
	}
	return append(ms, m)
}

// DropMount removes the last entry of ms whose mount point is target.
func DropMount(ms []Mount, target string) []Mount {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Target() == target {
			return append(ms[:i], ms[i+1:]...)
		}
	}
	return ms
}
