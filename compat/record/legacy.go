package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"

	"rcjail/compat/state"
)

// An rcjail older than the variable-name key (issue 12, item 4) named a
// jail's record after the jail with every character but a letter, a digit,
// "-" and "_" made "_": jail "a-b" had a-b.json and a-b.journal, where the
// key is now "a_b". A stem of that form whose key differs from itself is
// such a legacy name.

// legacyCache holds, per state directory, its legacy stems as listed once
// per process: rcjail never writes a legacy name, so the set only shrinks
// (a migrated stem is then simply not found), and a start of ten thousand
// jails lists the directory once, not once per jail.
var legacyCache struct {
	sync.Mutex
	m map[string]map[string][]string
}

// legacyStems returns the stems of the legacy record files in dir (regular
// .json or .journal files whose stem is not a key), keyed by their key.
func legacyStems(dir *state.Dir) map[string][]string {
	legacyCache.Lock()
	defer legacyCache.Unlock()
	if m, ok := legacyCache.m[dir.Name()]; ok {
		return m
	}
	if legacyCache.m == nil {
		legacyCache.m = map[string]map[string][]string{}
	}
	m := listLegacy(dir)
	legacyCache.m[dir.Name()] = m
	return m
}

func listLegacy(dir *state.Dir) map[string][]string {
	ents, err := os.ReadDir(dir.Name())
	if err != nil {
		return nil
	}
	out := map[string][]string{}
	for _, e := range ents {
		stem, ok := legacyStem(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		k := state.Key(stem)
		if !containsStr(out[k], stem) {
			out[k] = append(out[k], stem)
		}
	}
	return out
}

// legacyStem returns the stem of name when name is a legacy record file.
func legacyStem(name string) (string, bool) {
	stem, ok := strings.CutSuffix(name, ".json")
	if !ok {
		stem, ok = strings.CutSuffix(name, ".journal")
	}
	if !ok || stem == "" || state.Key(stem) == stem {
		return "", false
	}
	for i := 0; i < len(stem); i++ {
		if c := stem[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", false
		}
	}
	return stem, true
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// readLegacy returns the record under the legacy stem (its snapshot with
// its journal replayed), nil when it has none or it is not jail's.
func readLegacy(dir *state.Dir, jail, stem string, warn func(string, ...any)) *Record {
	var r *Record
	if b, err := dir.ReadFile(stem+".json", maxRecord); err == nil {
		var s Record
		if json.Unmarshal(b, &s) == nil && state.Key(s.Jail) == state.Key(jail) {
			r = &s
		} else {
			warn("jail %s: record %s is corrupt or another jail's: ignored", jail, stem+".json")
		}
	}
	if b, err := dir.ReadFile(stem+".journal", maxRecord); err == nil {
		r = Replay(r, jail, b, warn)
	}
	return r
}

// migrate moves the legacy records of j's key (there is at most one in
// practice: "a-b" for key "a_b") to the key's own files: the records are
// read and merged, the merge is written as the key's snapshot, and only
// then are the legacy files removed. A crash in between leaves both; the
// key's record is then used, and the legacy one is migrated again once the
// key's is gone (its mounts then no longer exist: forgotten).
func (j *Journal) migrate() {
	key := state.Key(j.name)
	stems := legacyStems(j.dir)[key]
	if len(stems) == 0 {
		return
	}
	for _, stem := range stems {
		r := readLegacy(j.dir, j.name, stem, j.warn)
		if r == nil {
			continue
		}
		if j.Rec == nil {
			j.Rec = r
			continue
		}
		merge(j.Rec, r)
	}
	if j.Rec == nil {
		return
	}
	if err := j.Snapshot(true); err != nil {
		j.warn("jail %s: move the record of an older rcjail to %s: %v", j.name, state.RecordName(j.name), err)
		return
	}
	for _, stem := range stems {
		for _, n := range []string{stem + ".journal", stem + ".json"} {
			if err := j.dir.Remove(n); err != nil && !errors.Is(err, fs.ErrNotExist) {
				j.warn("%v", fmt.Errorf("jail %s: remove the moved record: %w", j.name, err))
			}
		}
	}
}

// merge adds what o lists to r (two legacy spellings of one key).
func merge(r, o *Record) {
	if r.Root == "" {
		r.Root = o.Root
	}
	if r.JID == 0 {
		r.JID = o.JID
	}
	for _, m := range o.Mounts {
		r.Apply(Event{Ev: "mount", M: &m})
	}
	for _, m := range o.Intents {
		if !r.HasMount(m.Target()) {
			r.Apply(Event{Ev: "mounting", M: &m})
		}
	}
	for _, a := range o.Aliases {
		r.Apply(Event{Ev: "alias", Addr: &a})
	}
	r.Apply(Event{Ev: "created", Paths: o.Created})
	if r.IDFile == "" {
		r.IDFile = o.IDFile
	}
	r.State = "dirty"
}
