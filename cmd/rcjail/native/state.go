package native

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"rcjail/compat"
)

// StateDir is where locks and records live, under the -R root.
const StateDir = "var/run/rcjail"

// Record is what a start did to the host, kept in <root>/var/run/rcjail/<j>.json
// so that stop can undo exactly that. It is a hint: the kernel's mount table
// wins when the two disagree, and a record that cannot be parsed is ignored.
type Record struct {
	Jail    string        `json:"jail"`
	Root    string        `json:"root,omitempty"`
	JID     int           `json:"jid,omitempty"`
	State   string        `json:"state"` // "starting", "running", "stopping", "dirty"
	Mounts  []RecMount    `json:"mounts,omitempty"`
	Aliases []compat.Addr `json:"aliases,omitempty"`
	Created []string      `json:"created,omitempty"` // directories we made, parents first
}

// RecMount is one mount a start made (or adopted from a crashed start).
type RecMount struct {
	ID       uint64 `json:"id"`
	FSType   string `json:"fstype"`
	Source   string `json:"source,omitempty"`
	Root     string `json:"root"`
	Rel      string `json:"rel"`
	ReadOnly bool   `json:"ro,omitempty"`
}

// Target is the absolute mount point.
func (m RecMount) Target() string { return filepath.Join(m.Root, m.Rel) }

// stateName maps a jail name to a file name: anything but letters, digits,
// "-", "_" and "." becomes "_", so a name can never walk out of the state
// directory ("../x" → "___x").
func stateName(jail string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, jail)
	if s == "" {
		s = "_"
	}
	return s
}

// readRecord returns the record of jail, nil when there is none or it is
// corrupt (corrupt records are reported through warn and then ignored: the
// mount table is the authority).
func readRecord(dir *os.File, jail string, warn func(string, ...any)) *Record {
	b, err := readAt(dir, stateName(jail)+".json")
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			warn("jail %s: read record: %v (falling back to the mount table)", jail, err)
		}
		return nil
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil || r.Jail != jail {
		warn("jail %s: record %s is corrupt (%v); falling back to the mount table", jail, stateName(jail)+".json", err)
		return nil
	}
	return &r
}

// writeRecord replaces jail's record atomically: a temporary file, written
// and (when sync) fsynced, renamed over the old one. A crash leaves either
// the old or the new record, never a torn one.
func writeRecord(dir *os.File, r *Record, sync bool) error {
	b, err := json.MarshalIndent(r, "", "\t")
	if err != nil {
		return fmt.Errorf("jail %s: encode record: %w", r.Jail, err)
	}
	name := stateName(r.Jail) + ".json"
	if err := writeAtomic(dir, name, append(b, '\n'), sync); err != nil {
		return fmt.Errorf("jail %s: write record %s: %w", r.Jail, name, err)
	}
	return nil
}

func removeRecord(dir *os.File, jail string) error {
	err := removeAt(dir, stateName(jail)+".json")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("jail %s: remove record: %w", jail, err)
	}
	return nil
}
