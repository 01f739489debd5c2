package compat

import (
	"context"
	"errors"
	"path"
	"slices"
	"strconv"
	"strings"

	"rcjail/compat/record"
)

// Record before act (issue 12): for every real host (native and command;
// the dry run has no record), each effectful step is journaled before the host acts (its intent: the
// alias, the directories about to be made, the mount, the jail being
// created) and confirmed after with what the host reported ([Result]: the
// directories made, the mounts' kernel identities, the jid). A crash at any
// point leaves a record whose replay lists everything that may exist; the
// next stop (or start) undoes it (cleanup.go). The record is file writes
// under /var/run/rcjail: the command backend's trace gains no command.

// journal returns the record the engine keeps for jail, nil when it keeps
// none: the dry run (no Rec), a jail whose lock this run does not hold.
func (r *Runner) journal(jail string) *record.Journal {
	if r.Rec == nil || jail == "" {
		return nil
	}
	if h := r.Rec.get(jail); h != nil {
		return h.j
	}
	return nil
}

// apply hands s to the host through [Apply], journaling its intent before
// and its outcome after when the engine holds the jail's record (every
// real host; not the dry run). A journal
// write that fails refuses the step before it is taken.
func (r *Runner) apply(ctx context.Context, s Step) (Result, error) {
	j := r.journal(s.JailName())
	if j == nil {
		res, err := Apply(ctx, r.X, s)
		if errors.Is(err, ErrAliasPresent) {
			err = nil
		}
		return res, err
	}
	if a, ok := s.(AliasRemove); ok && j.Rec != nil && j.Rec.IndexAlias(record.Addr(a.Addr)) < 0 {
		// Not added by this jail's start (the host's own address, or
		// one configured since): never removed.
		return Result{}, nil
	}
	s, pred, err := r.intent(ctx, j, s)
	if err != nil {
		return Result{}, err
	}
	planned := false
	if u, ok := s.(Unmount); ok && u.Expect == nil {
		// A planned unmount of a mount the record names with its
		// kernel identity: the host undoes that mount (a bind of a
		// tmpfs directory is nullfs to us, tmpfs to the table), and
		// one already gone is done.
		if id := recordedID(j.Rec, u); id != nil {
			u.Expect = id
			s, planned = u, true
		}
	}
	res, err := Apply(ctx, r.X, s)
	if planned && errors.Is(err, ErrNotMounted) {
		err = nil
	}
	if cerr := r.confirm(j, s, pred, res, err); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, ErrAliasPresent) {
		err = nil // retracted by confirm: the address is the host's
	}
	return res, err
}

// recordedID is the identity the record holds for u's mount, nil when it
// lists none there (of u's type, when u names one) or only one without a
// kernel identity (the command backend's).
func recordedID(rec *record.Record, u Unmount) *MountID {
	if rec == nil {
		return nil
	}
	for i := len(rec.Mounts) - 1; i >= 0; i-- {
		m := rec.Mounts[i]
		if m.Target() != u.Target || (u.FSType != "" && u.FSType != m.FSType) || m.Root != u.Root {
			continue
		}
		if m.ID == 0 && m.UniqueID == 0 {
			return nil
		}
		return &MountID{Target: m.Target(), FSType: m.FSType, Source: m.Source, Root: m.Root, ID: m.ID, UniqueID: m.UniqueID}
	}
	return nil
}

// recMount is the record's entry of a mount at target below root; false
// when target is not strictly below root (such a mount is not journaled:
// the record's cleanup would refuse it).
func recMount(root, target, fstype, source string, ro bool) (record.Mount, bool) {
	if !cleanRoot(root) || target == root || !strings.HasPrefix(target, root+"/") || path.Clean(target) != target {
		return record.Mount{}, false
	}
	return record.Mount{FSType: fstype, Source: source, Root: root, Rel: target[len(root)+1:], ReadOnly: ro}, true
}

// withID is m confirmed with the host's identity of the mount (none from
// the command backend).
func withID(m record.Mount, id *MountID) record.Mount {
	if id != nil {
		m.ID, m.UniqueID = id.ID, id.UniqueID
		if id.Source != "" {
			m.Source = id.Source
		}
		if id.FSType != "" {
			m.FSType = id.FSType
		}
	}
	return m
}

// intent journals what s is about to do, and returns s as the host must
// get it (StartJail with its Created callback) and, for a Mkdir, the
// directories it is expected to make.
func (r *Runner) intent(ctx context.Context, j *record.Journal, s Step) (Step, []string, error) {
	switch s := s.(type) {
	case AliasAdd:
		a := record.Addr(s.Addr)
		return s, nil, j.Note(record.Event{Ev: "alias", Addr: &a})
	case Mkdir:
		pred := r.missingDirs(ctx, s.Root, s.Path)
		if len(pred) == 0 {
			return s, nil, nil
		}
		return s, pred, j.Note(record.Event{Ev: "created", Paths: pred})
	case Mount:
		if m, ok := recMount(s.Root, s.Target, s.FSType, s.Source, s.ReadOnly); ok {
			return s, nil, j.Note(record.Event{Ev: "mounting", M: &m})
		}
	case FstabMount:
		for _, e := range s.Entries {
			if m, ok := recMount(s.Root, path.Clean(e.MountPoint), e.FSType, e.Device, false); ok {
				if err := j.Note(record.Event{Ev: "mounting", M: &m}); err != nil {
					return s, nil, err
				}
			}
		}
	case StartJail:
		if err := j.Note(record.Event{Ev: "state", State: "creating"}); err != nil {
			return s, nil, err
		}
		next := s.Created
		s.Created = func(jid string) error {
			if err := r.noteJID(j, s, jid); err != nil {
				return err
			}
			if next != nil {
				return next(jid)
			}
			return nil
		}
		return s, nil, nil
	}
	return s, nil, nil
}

// noteJID journals the jail's jid, root and id file: the moment the jail
// exists (the host's Created callback) or, for a host that learns it only
// when jail(8) returns, then.
func (r *Runner) noteJID(j *record.Journal, s StartJail, jid string) error {
	n, err := strconv.Atoi(jid)
	if err != nil || n <= 0 {
		return nil // not a jid the record can name: the kernel's JailsAt finds it
	}
	if j.Rec != nil && j.Rec.JID == n {
		return nil
	}
	e := record.Event{Ev: "jid", JID: n, Root: s.Root, State: "running"}
	if s.IDFile != "" {
		e.Paths = []string{s.IDFile}
	}
	return j.Note(e)
}

// confirm journals what s did (res, err), after the host acted.
func (r *Runner) confirm(j *record.Journal, s Step, pred []string, res Result, err error) error {
	switch s := s.(type) {
	case AliasAdd:
		if err != nil {
			a := record.Addr(s.Addr)
			return j.Note(record.Event{Ev: "unalias", Addr: &a})
		}
	case AliasRemove:
		if a := record.Addr(s.Addr); err == nil && j.Rec.IndexAlias(a) >= 0 {
			return j.Note(record.Event{Ev: "unalias", Addr: &a})
		}
	case Mkdir:
		var extra, gone []string
		for _, d := range res.Dirs {
			if !slices.Contains(pred, d) {
				extra = append(extra, d)
			}
		}
		for _, d := range pred {
			if !slices.Contains(res.Dirs, d) {
				gone = append(gone, d)
			}
		}
		if len(extra) > 0 {
			if err := j.Note(record.Event{Ev: "created", Paths: extra}); err != nil {
				return err
			}
		}
		if len(gone) > 0 {
			return j.Note(record.Event{Ev: "uncreated", Paths: gone})
		}
	case Rmdir:
		if err == nil && j.Rec != nil && slices.Contains(j.Rec.Created, s.Path) {
			return j.Note(record.Event{Ev: "uncreated", Paths: []string{s.Path}})
		}
	case Mount:
		m, ok := recMount(s.Root, s.Target, s.FSType, s.Source, s.ReadOnly)
		if !ok {
			return nil
		}
		if err != nil {
			// Not made: the intent is retracted.
			return j.Note(record.Event{Ev: "unmount", Paths: []string{m.Target()}})
		}
		var id *MountID
		if len(res.Mounts) > 0 {
			id = &res.Mounts[0]
		}
		m = withID(m, id)
		return j.Note(record.Event{Ev: "mount", M: &m})
	case FstabMount:
		// What the host reports made is confirmed; without identities
		// (the command backend) a successful mount -a made every line.
		// After a failure the lines not reported stay intents: the
		// cleanup looks each up.
		for _, e := range s.Entries {
			m, ok := recMount(s.Root, path.Clean(e.MountPoint), e.FSType, e.Device, false)
			if !ok {
				continue
			}
			var id *MountID
			for i := range res.Mounts {
				if res.Mounts[i].Target == m.Target() {
					id = &res.Mounts[i]
				}
			}
			if id == nil && err != nil {
				continue
			}
			m = withID(m, id)
			if nerr := j.Note(record.Event{Ev: "mount", M: &m}); nerr != nil {
				return nerr
			}
		}
	case Unmount:
		if (err == nil || errors.Is(err, ErrNotMounted)) && j.Rec.HasMount(s.Target) {
			return j.Note(record.Event{Ev: "unmount", Paths: []string{s.Target}})
		}
	case StartJail:
		if err != nil {
			// No jail: the host removed the one it had created (or
			// jail(8) made none).
			return j.Note(record.Event{Ev: "jid", State: "starting"})
		}
		if nerr := r.noteJID(j, s, res.JID); nerr != nil {
			return nerr
		}
		// The one fsync of a start: from here on the record describes a
		// running jail.
		return j.Snapshot(true)
	case KillJail:
		if err == nil && j.Rec != nil && (j.Rec.JID != 0 || j.Rec.State == "creating") {
			return j.Note(record.Event{Ev: "jid", State: "stopping"})
		}
	case RemoveFile:
		if err == nil && j.Rec != nil && j.Rec.IDFile == s.Path {
			return j.Note(record.Event{Ev: "idfile"})
		}
	}
	return nil
}

// missingDirs predicts the directories a Mkdir of p below root will make:
// p and its parents up to the first that is a directory (a prediction from
// lstat only; the host's walk acts and reports what it made). Nothing is
// predicted past a component that exists and is not a directory.
func (r *Runner) missingDirs(ctx context.Context, root, p string) []string {
	var out []string
	for d := p; d != root && strings.HasPrefix(d, root+"/"); d = path.Dir(d) {
		isDir, err := r.X.IsDir(ctx, d)
		if err != nil || isDir {
			break
		}
		if link, err := r.X.IsSymlink(ctx, d); err != nil || link {
			return nil
		}
		out = append(out, d)
	}
	slices.Reverse(out)
	return out
}
