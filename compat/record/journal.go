package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"rcjail/compat/fault"
	"rcjail/compat/state"
)

// maxRecord bounds what is read of a record or journal: a start of ten
// thousand mounts writes about 3 MB; anything far beyond is not ours, and
// is refused (the mount table remains) instead of filling memory.
const maxRecord = 64 << 20

// Journal is a jail's record as the holder of its lock keeps it: the
// record (Rec, nil when there is none), its journal file, open for
// appending, and whether a snapshot may exist. Only the holder of the
// jail's lock (package state) makes one, with [Load].
type Journal struct {
	Rec *Record

	dir  *state.Dir
	name string // the jail's name as given
	f    *os.File
	snap bool // <key>.json may exist: it was there (or unreadable) at load time, or we wrote it
	warn func(string, ...any)

	// pending holds encoded "unmount" lines not yet written: they go out
	// in front of the next line written, or are dropped when a snapshot
	// or the record's removal supersedes them (see Note).
	pending []byte
}

// Load returns the record of jail, whose lock the caller holds: the
// snapshot with the journal replayed on it (Rec nil when there is
// neither). A corrupt snapshot is reported through warn and ignored (the
// journal and the mount table remain); the journal is replayed up to its
// first unparsable line (a torn last write). The journal is opened once,
// for reading and then appending; when that fails the first event opens it
// again and reports the error.
//
// A record an older rcjail wrote under the jail's old file name (its name
// with "-" kept: "a-b.json" where the key is now "a_b") is found, and moved
// to the key's name, when the key has none.
func Load(dir *state.Dir, jail string, warn func(string, ...any)) *Journal {
	j := &Journal{dir: dir, name: jail, warn: warn}
	b, err := dir.ReadFile(state.RecordName(jail), maxRecord)
	j.snap = !errors.Is(err, fs.ErrNotExist)
	switch {
	case err == nil:
		var s Record
		if err := json.Unmarshal(b, &s); err != nil || state.Key(s.Jail) != state.Key(jail) {
			warn("jail %s: record %s is corrupt (%v); falling back to the mount table", jail, state.RecordName(jail), err)
		} else {
			j.Rec = &s
		}
	case !errors.Is(err, fs.ErrNotExist):
		warn("jail %s: read record: %v (falling back to the mount table)", jail, err)
	}
	j.f, err = openJournal(dir, jail, warn)
	if err != nil {
		warn("%v", err)
		return j
	}
	jb, err := state.ReadAll(j.f, maxRecord)
	if err != nil {
		warn("jail %s: read journal: %v", jail, err)
		return j
	}
	j.Rec = Replay(j.Rec, jail, jb, warn)
	if j.Rec == nil && !j.snap {
		j.migrate()
	}
	return j
}

// Replay applies the journal jb's events to r (nil: none yet) up to its
// first unparsable line (a torn last write), and returns it.
func Replay(r *Record, jail string, jb []byte, warn func(string, ...any)) *Record {
	for _, line := range strings.Split(string(jb), "\n") {
		if line == "" {
			continue
		}
		var e Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			warn("jail %s: journal %s: unreadable line ignored with what follows (%v)", jail, state.JournalName(jail), err)
			break
		}
		if r == nil {
			r = &Record{Jail: jail}
		}
		r.Apply(e)
	}
	return r
}

// Note applies e to the record and appends it to the journal, in one
// write(2) together with any unmount lines still pending.
//
// An "unmount" line is not written at once: it waits for the next line,
// the end of the run's work on the jail (Close), or is dropped when a
// snapshot or the removal of the record makes it moot; a clean stop thus
// writes none. Losing one in a crash is safe, and only one kind of event
// may be lost this way: the journal then still lists a mount that is
// gone, and the next stop or start looks before it acts: a stop finds
// nothing mounted there with that id (forgotten) or something else (left
// alone and reported), and a start's mount of that target replaces the
// entry. Every other event records something a later run must undo or
// refuse over, and is written before Note returns.
func (j *Journal) Note(e Event) error {
	if j.Rec == nil {
		j.Rec = &Record{Jail: j.name}
	}
	j.Rec.Apply(e)
	line := e.AppendJSON(j.pending)
	if e.Ev == "unmount" {
		j.pending = line
		return nil
	}
	j.pending = line[:0]
	return j.write(line)
}

// Flush writes the pending unmount lines.
func (j *Journal) Flush() error {
	if len(j.pending) == 0 {
		return nil
	}
	line := j.pending
	j.pending = line[:0]
	return j.write(line)
}

func (j *Journal) write(b []byte) error {
	if j.f == nil {
		f, err := openJournal(j.dir, j.name, j.warn)
		if err != nil {
			return err
		}
		j.f = f
	}
	fault.Before("journal")
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("jail %s: journal %s: %w", j.name, j.f.Name(), err)
	}
	fault.After("journal")
	return nil
}

// Snapshot replaces <key>.json with the record (atomically, fsynced when
// sync) and then empties the journal it now contains.
func (j *Journal) Snapshot(sync bool) error {
	if j.Rec == nil {
		j.Rec = &Record{Jail: j.name}
	}
	b, err := json.MarshalIndent(j.Rec, "", "\t")
	if err != nil {
		return fmt.Errorf("jail %s: encode record: %w", j.name, err)
	}
	name := state.RecordName(j.name)
	if err := j.dir.WriteAtomic(name, append(b, '\n'), sync); err != nil {
		return fmt.Errorf("jail %s: write record %s: %w", j.name, name, err)
	}
	j.snap = true
	return j.Truncate()
}

// Truncate empties the journal, whose events (and the pending ones) a new
// snapshot or the record's removal has just superseded.
func (j *Journal) Truncate() error {
	j.pending = j.pending[:0]
	if j.f == nil {
		f, err := openJournal(j.dir, j.name, j.warn)
		if err != nil {
			return err
		}
		j.f = f
	}
	fault.Before("truncate journal")
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("jail %s: truncate journal: %w", j.name, err)
	}
	fault.After("truncate journal")
	return nil
}

// Remove forgets the record: its snapshot is removed and its journal
// emptied (removed at Close). Rec is nil afterwards, whatever failed.
func (j *Journal) Remove() error {
	var errs []error
	if j.snap {
		err := j.dir.Remove(state.RecordName(j.name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("jail %s: remove record: %w", j.name, err))
		} else {
			j.snap = false
		}
	}
	if err := j.Truncate(); err != nil {
		errs = append(errs, err)
	}
	j.Rec = nil
	return errors.Join(errs...)
}

// Close ends the holder's work on the record: the pending lines are
// written, and the journal is closed, and removed when empty (its events
// are all in the snapshot, or the record is gone), so that a stopped,
// clean jail leaves no state file behind. Close is called before the
// jail's lock is released.
func (j *Journal) Close() {
	if err := j.Flush(); err != nil {
		j.warn("%v", err)
	}
	if j.f == nil {
		return
	}
	if fi, err := j.f.Stat(); err == nil && fi.Size() == 0 {
		fault.Before("remove journal")
		removeEmpty(j.dir, state.JournalName(j.name))
		fault.After("remove journal")
	}
	j.f.Close()
	j.f = nil
}

// Path is the host path of the record's snapshot, for messages.
func (j *Journal) Path() string { return j.dir.Path(state.RecordName(j.name)) }

// openJournal opens (creating it, 0600) the jail's journal for reading and
// appending, without following a symlink (one planted by someone who can
// write the state directory would otherwise make us append to, or read
// events from, any file on the host). Something there that is not a
// regular file is never a journal rcjail wrote: it is removed, with a
// warning, and a fresh journal started ([state.Dir.OpenOwn]), so the
// jail's start or stop goes on as the script's would.
func openJournal(dir *state.Dir, jail string, warn func(string, ...any)) (*os.File, error) {
	name := state.JournalName(jail)
	f, planted, err := dir.OpenOwn(name, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if planted != "" {
		warn("jail %s: journal %s was a %s: removed, a new one started", jail, dir.Path(name), planted)
	}
	if err != nil {
		return nil, fmt.Errorf("jail %s: open journal: %w", jail, err)
	}
	return f, nil
}
