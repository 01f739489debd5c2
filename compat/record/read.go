package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"rcjail/compat/state"
)

// Read is what the record under root says of jail (its snapshot with its
// journal replayed; a legacy-named record when the key has none), read
// without the jail's lock and without creating anything: for status, which
// must not wait for a start or stop in progress. It may be one event behind
// a run in progress, never torn. nil: no record.
func Read(root, jail string) (*Record, error) {
	d, err := state.FindDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("jail %s: read record: %w", jail, err)
	}
	defer d.Close()
	quiet := func(string, ...any) {}
	var r *Record
	if b, err := d.ReadFile(state.RecordName(jail), maxRecord); err == nil {
		var s Record
		if json.Unmarshal(b, &s) == nil && state.Key(s.Jail) == state.Key(jail) {
			r = &s
		}
	}
	if b, err := d.ReadFile(state.JournalName(jail), maxRecord); err == nil {
		r = Replay(r, jail, b, quiet)
	}
	if r == nil {
		for _, stem := range listLegacy(d)[state.Key(jail)] {
			if r = readLegacy(d, jail, stem, quiet); r != nil {
				break
			}
		}
	}
	return r, nil
}

// Jails returns the names of the jails that have a record (a snapshot or a
// journal, legacy names included) in the state directory under root, so
// that a stop of every jail finds those whose id file is gone (a start
// killed before writing it). A snapshot gives the name the jail was started
// by; a journal alone (a start killed before its first snapshot) gives its
// key, which names the same jail. Nothing is created; files that are not
// regular are skipped (package state).
func Jails(root string) ([]string, error) {
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
		stem, ext, _ := strings.Cut(e.Name(), ".")
		if (ext != "json" && ext != "journal") || !e.Type().IsRegular() {
			continue
		}
		if _, legacy := legacyStem(e.Name()); !legacy && state.Key(stem) != stem {
			continue
		}
		key := state.Key(stem)
		if seen[key] {
			continue
		}
		name := stem
		if b, err := d.ReadFile(stem+".json", maxRecord); err == nil {
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
