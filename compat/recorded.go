package compat

import (
	"encoding/json"
	"io"
	"os"

	"rcjail/compat/state"
)

// RecordFiles lists the record snapshots a start left in the state
// directory under root for the jail called name (a record belongs to the
// jail whose key, [JailKey], its "jail" member has), as the host names them
// (/var/run/rcjail/<key>.json). status reports them as leftovers of a start
// that was not undone, and a jail that has one is a known name. A missing
// or unreadable state directory lists nothing.
//
// Only each record's "jail" member is read, from a short prefix (it is
// written first): a record of thousands of mounts, or a planted huge file,
// costs one small read; files are opened as every state file is (no
// symlink, no FIFO; package state).
func RecordFiles(root, name string) []string {
	d, err := state.FindDir(root)
	if err != nil {
		return nil
	}
	defer d.Close()
	keys, err := d.Records()
	if err != nil {
		return nil
	}
	var out []string
	for _, k := range keys {
		jail, ok := recordJail(d, state.RecordName(k))
		if ok && JailKey(jail) == JailKey(name) {
			out = append(out, state.DirPath+"/"+state.RecordName(k))
		}
	}
	return out
}

// recordJail returns the "jail" member of the record file name in d.
func recordJail(d *state.Dir, name string) (string, bool) {
	f, err := d.Open(name, os.O_RDONLY, 0)
	if err != nil {
		return "", false
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, 4096))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return "", false
		}
		if k == "jail" {
			var v string
			if dec.Decode(&v) != nil {
				return "", false
			}
			return v, true
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return "", false
		}
	}
	return "", false
}
