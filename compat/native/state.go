package native

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"rcjail/compat"
	"rcjail/compat/state"
)

// Record is what a start did to the host, so that stop can undo exactly
// that. It is kept in two files under <root>/var/run/rcjail: <j>.json, a
// snapshot replaced atomically (temp file, fsync, rename) when the jail is
// running and when a stop leaves something behind, and <j>.journal, the
// events since that snapshot, one JSON line each, appended as each step
// happens (an unmount's line may come later or not at all: see
// Executor.note). An append is one write(2) of a few hundred bytes;
// replacing a snapshot after every mount would cost a file creation each
// (milliseconds on a disk), more than the mount itself. A torn last line
// (a crash in the middle of a write) is ignored.
//
// The record is a hint: the kernel's mount table wins when the two
// disagree, and a record that cannot be parsed is ignored.
type Record struct {
	Jail   string     `json:"jail"`
	Root   string     `json:"root,omitempty"`
	JID    int        `json:"jid,omitempty"`
	State  string     `json:"state"` // "starting", "running", "stopping", "dirty"
	Mounts []RecMount `json:"mounts,omitempty"`
	// Intents are mounts journaled before their mount system call and
	// not (yet) confirmed: each may or may not exist. The next stop or
	// start looks it up in the mount table (finishStop, resolveIntents).
	Intents []RecMount    `json:"intents,omitempty"`
	Aliases []compat.Addr `json:"aliases,omitempty"`
	Created []string      `json:"created,omitempty"` // directories we made, parents first
	IDFile  string        `json:"idfile,omitempty"`  // the id file the start wrote (host path)
}

// RecMount is one mount a start made (or adopted from a crashed start).
type RecMount struct {
	ID uint64 `json:"id"`
	// UniqueID is mount.Mounted.UniqueID (Linux 6.8+; 0 where none):
	// never reused, so a stop that finds it unmounts without checking
	// type and source again, and one that does not touches nothing.
	UniqueID uint64 `json:"uid,omitempty"`
	FSType   string `json:"fstype"`
	Source   string `json:"source,omitempty"`
	Root     string `json:"root"`
	Rel      string `json:"rel"`
	ReadOnly bool   `json:"ro,omitempty"`
}

// Target is the absolute mount point.
func (m RecMount) Target() string { return path.Join(m.Root, m.Rel) }

// maxRecord bounds what is read of a record or journal: a start of ten
// thousand mounts writes about 3 MB; anything far beyond is not ours, and
// is refused (the mount table remains) instead of filling memory.
const maxRecord = 64 << 20

// event is one journal line.
type event struct {
	Ev    string       `json:"ev"` // begin, root, state, jid, mounting, mount, unmount, created, uncreated, alias, unalias
	Root  string       `json:"root,omitempty"`
	State string       `json:"state,omitempty"`
	JID   int          `json:"jid,omitempty"`
	M     *RecMount    `json:"m,omitempty"`
	Paths []string     `json:"paths,omitempty"`
	Addr  *compat.Addr `json:"addr,omitempty"`
}

// appendJSON appends e as one journal line (with its newline), byte for
// byte what json.Marshal(e) followed by "\n" gives, without reflection: a
// line is written for every mount a start makes, and encoding/json's
// reflective walk and allocations were a tenth of the executor's own cost
// per mount. loadRecord still decodes with encoding/json, and
// TestEventEncoding holds the two encodings equal.
func (e *event) appendJSON(b []byte) []byte {
	b = append(b, `{"ev":`...)
	b = appendJSONString(b, e.Ev)
	if e.Root != "" {
		b = append(b, `,"root":`...)
		b = appendJSONString(b, e.Root)
	}
	if e.State != "" {
		b = append(b, `,"state":`...)
		b = appendJSONString(b, e.State)
	}
	if e.JID != 0 {
		b = append(b, `,"jid":`...)
		b = strconv.AppendInt(b, int64(e.JID), 10)
	}
	if m := e.M; m != nil {
		b = append(b, `,"m":{"id":`...)
		b = strconv.AppendUint(b, m.ID, 10)
		if m.UniqueID != 0 {
			b = append(b, `,"uid":`...)
			b = strconv.AppendUint(b, m.UniqueID, 10)
		}
		b = append(b, `,"fstype":`...)
		b = appendJSONString(b, m.FSType)
		if m.Source != "" {
			b = append(b, `,"source":`...)
			b = appendJSONString(b, m.Source)
		}
		b = append(b, `,"root":`...)
		b = appendJSONString(b, m.Root)
		b = append(b, `,"rel":`...)
		b = appendJSONString(b, m.Rel)
		if m.ReadOnly {
			b = append(b, `,"ro":true`...)
		}
		b = append(b, '}')
	}
	if len(e.Paths) > 0 {
		b = append(b, `,"paths":[`...)
		for i, p := range e.Paths {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, p)
		}
		b = append(b, ']')
	}
	if a := e.Addr; a != nil {
		// compat.Addr has no json tags: its field names are its keys.
		b = append(b, `,"addr":{"Iface":`...)
		b = appendJSONString(b, a.Iface)
		b = append(b, `,"Family":`...)
		b = appendJSONString(b, a.Family)
		b = append(b, `,"Addr":`...)
		b = appendJSONString(b, a.Addr)
		b = append(b, `,"Mask":`...)
		b = appendJSONString(b, a.Mask)
		b = append(b, '}')
	}
	return append(b, '}', '\n')
}

// appendJSONString appends s as a JSON string. Printable ASCII other than
// the characters encoding/json escapes (" \ < > &) is copied as is; any
// other string goes through json.Marshal, so that control characters,
// invalid UTF-8 and the rest come out exactly as encoding/json writes them.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// apply replays e on r.
func (r *Record) apply(e event) {
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
		// Written the moment the jail exists, with its root and state
		// (StartJail's callback), and with jid 0 when it is gone.
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
	case "mounting":
		// The intent, journaled before the mount system call: until its
		// "mount" (or "unmount") line, the mount may or may not exist.
		if e.M != nil {
			r.Intents = setMount(r.Intents, *e.M)
		}
	case "mount":
		// Every event sets state, so replaying a journal on a snapshot
		// that already contains it (a crash between the snapshot's rename
		// and the journal's truncation) changes nothing.
		if e.M != nil {
			r.Intents = dropMount(r.Intents, e.M.Target())
			r.Mounts = setMount(r.Mounts, *e.M)
		}
	case "unmount":
		// Also retracts an intent: the mount was never made, or is gone.
		for _, p := range e.Paths {
			r.Intents = dropMount(r.Intents, p)
			r.Mounts = dropMount(r.Mounts, p)
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
		if e.Addr != nil && indexAlias(r, *e.Addr) < 0 {
			r.Aliases = append(r.Aliases, *e.Addr)
		}
	case "unalias":
		if e.Addr != nil {
			if i := indexAlias(r, *e.Addr); i >= 0 {
				r.Aliases = append(r.Aliases[:i], r.Aliases[i+1:]...)
			}
		}
	}
}

// setMount replaces the entry of ms at m's mount point with m, or appends m.
func setMount(ms []RecMount, m RecMount) []RecMount {
	t := m.Target()
	for i := range ms {
		if ms[i].Target() == t {
			ms[i] = m
			return ms
		}
	}
	return append(ms, m)
}

// dropMount removes the last entry of ms whose mount point is target.
func dropMount(ms []RecMount, target string) []RecMount {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Target() == target {
			return append(ms[:i], ms[i+1:]...)
		}
	}
	return ms
}

// loadRecord returns the record of jail: the snapshot with the journal
// replayed on it; nil when there is neither. A corrupt snapshot is
// reported through warn and ignored (the journal and the mount table
// remain); the journal is replayed up to its first unparsable line. The
// executor takes the jail's lock first; loadRecord also says whether a snapshot file may exist (anything but
// "no such file": only a holder of the lock creates one, so a stop that
// read none and wrote none has nothing to remove), and it returns the
// journal it read, opened for appending (nil when that failed: the first
// event opens it again and reports the error), so that a start or stop
// opens it once.
func loadRecord(dir *state.Dir, jail string, warn func(string, ...any)) (r *Record, snap bool, journal *os.File) {
	b, err := readAt(dir, state.RecordName(jail))
	snap = !errors.Is(err, fs.ErrNotExist)
	switch {
	case err == nil:
		var s Record
		if err := json.Unmarshal(b, &s); err != nil || state.Key(s.Jail) != state.Key(jail) {
			warn("jail %s: record %s is corrupt (%v); falling back to the mount table", jail, state.RecordName(jail), err)
		} else {
			r = &s
		}
	case !errors.Is(err, fs.ErrNotExist):
		warn("jail %s: read record: %v (falling back to the mount table)", jail, err)
	}
	journal, err = openJournal(dir, jail)
	if err != nil {
		warn("%v", err)
		return r, snap, nil
	}
	j, err := state.ReadAll(journal, maxRecord)
	if err != nil {
		warn("jail %s: read journal: %v", jail, err)
		return r, snap, journal
	}
	return replay(r, jail, j, warn), snap, journal
}

// replay applies the journal j's events to r (nil: none yet) up to its
// first unparsable line (a torn last write), and returns it.
func replay(r *Record, jail string, j []byte, warn func(string, ...any)) *Record {
	for _, line := range strings.Split(string(j), "\n") {
		if line == "" {
			continue
		}
		var e event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			warn("jail %s: journal %s: unreadable line ignored with what follows (%v)", jail, state.JournalName(jail), err)
			break
		}
		if r == nil {
			r = &Record{Jail: jail}
		}
		r.apply(e)
	}
	return r
}

// ReadRecorded is what the record under root says of jail (its snapshot
// with its journal replayed), read without the jail's lock and without
// creating anything: for status, which must not wait for a start or stop
// in progress. It may be one event behind a run in progress, never torn.
func ReadRecorded(root, jail string) (compat.Recorded, error) {
	d, err := state.FindDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return compat.Recorded{}, nil
	}
	if err != nil {
		return compat.Recorded{}, fmt.Errorf("jail %s: read record: %w", jail, err)
	}
	defer d.Close()
	var r *Record
	if b, err := d.ReadFile(state.RecordName(jail), maxRecord); err == nil {
		var s Record
		if json.Unmarshal(b, &s) == nil && state.Key(s.Jail) == state.Key(jail) {
			r = &s
		}
	}
	if b, err := d.ReadFile(state.JournalName(jail), maxRecord); err == nil {
		r = replay(r, jail, b, func(string, ...any) {})
	}
	if r == nil {
		return compat.Recorded{}, nil
	}
	out := compat.Recorded{OK: true, Root: r.Root}
	if r.JID != 0 {
		out.JID = strconv.Itoa(r.JID)
	}
	return out, nil
}

// writeRecord replaces jail's record atomically: a temporary file, written
// and (when sync) fsynced, renamed over the old one. A crash leaves either
// the old or the new record, never a torn one.
func writeRecord(dir *state.Dir, r *Record, sync bool) error {
	b, err := json.MarshalIndent(r, "", "\t")
	if err != nil {
		return fmt.Errorf("jail %s: encode record: %w", r.Jail, err)
	}
	name := state.RecordName(r.Jail)
	if err := writeAtomic(dir, name, append(b, '\n'), sync); err != nil {
		return fmt.Errorf("jail %s: write record %s: %w", r.Jail, name, err)
	}
	return nil
}

func removeRecord(dir *state.Dir, jail string) error {
	err := removeAt(dir, state.RecordName(jail))

	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("jail %s: remove record: %w", jail, err)
	}
	return nil
}

// RecordedJails returns the names of the jails that have a record (a
// snapshot or a journal) in the state directory under root, so that a
// stop of every jail finds those whose id file is gone (a start killed
// before writing it). A snapshot gives the name the jail was started by; a
// journal alone (a start killed before its first snapshot) gives its key,
// which names the same jail. Nothing is created; files that are not
// regular are skipped (package state).
func RecordedJails(root string) ([]string, error) {
	d, err := state.FindDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	defer d.Close()
	ents, err := os.ReadDir(d.Name())
	if err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range ents {
		key, ext, _ := strings.Cut(e.Name(), ".")
		if (ext != "json" && ext != "journal") || !e.Type().IsRegular() || seen[key] || state.Key(key) != key {
			continue
		}
		name := key
		if b, err := d.ReadFile(state.RecordName(key), maxRecord); err == nil {
			var r Record
			if json.Unmarshal(b, &r) == nil && r.Jail != "" && state.Key(r.Jail) == key {
				name = r.Jail
			}
		}
		seen[key] = true
		out = append(out, name)
	}
	return out, nil
}
