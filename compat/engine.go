package compat

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"rcjail/compat/record"
	"rcjail/compat/state"
)

// Records is where the engine keeps, for a real host (native or command;
// never the dry run), each jail's lock and record in the state directory
// under Root (package state, package record). The runner takes a jail's
// lock before it reads anything of the jail (id file, kernel, record) and
// keeps it to the end of the run ([Records.Close]) or of the jail's turn in
// a parallel start ([Records.Release]): two rcjail processes never work on
// one jail at once (SPEC §3.7), whichever backend each runs.
//
// Locks and records are keyed by the jail's variable name (state.Key):
// "a-b" and "a_b" are one jail.
type Records struct {
	Root     string        // the -R root ("" or "/": the host)
	LockWait time.Duration // how long to wait for another rcjail (0: DefaultLockWait)
	Stderr   func(format string, args ...any)

	mu   sync.Mutex
	dir  *state.Dir
	held map[string]*held
}

// DefaultLockWait bounds the wait for another rcjail working on a jail.
const DefaultLockWait = 5 * time.Minute

// held is one jail whose lock this run holds, with its record.
type held struct {
	name string
	lock *state.JailLock
	j    *record.Journal
}

func (s *Records) warnf(format string, args ...any) {
	if s.Stderr != nil {
		s.Stderr(format, args...)
	}
}

// hold takes jail's lock (once per run) and loads its record. The wait
// for another rcjail's lock is not made under s.mu: in a parallel start the
// other jails go on meanwhile.
func (s *Records) hold(ctx context.Context, jail string) (*held, error) {
	if jail == "" {
		return nil, errors.New("lock: no jail name")
	}
	key := state.Key(jail)
	s.mu.Lock()
	if h := s.held[key]; h != nil {
		s.mu.Unlock()
		return h, nil
	}
	if s.dir == nil {
		root := s.Root
		if root == "" {
			root = "/"
		}
		d, err := state.OpenDir(root)
		if err != nil {
			s.mu.Unlock()
			return nil, fmt.Errorf("lock jail %s: %w", jail, err)
		}
		s.dir = d
	}
	dir := s.dir
	s.mu.Unlock()
	wait := s.LockWait
	if wait <= 0 {
		wait = DefaultLockWait
	}
	l, err := dir.Lock(ctx, jail, wait)
	if err != nil {
		return nil, err // names the jail
	}
	if l.Planted != "" {
		s.warnf("jail %s: lock %s was a %s: removed, the lock taken on a new file", jail, dir.Path(state.LockName(jail)), l.Planted)
	}
	h := &held{name: jail, lock: l, j: record.Load(dir, jail, s.warnf)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[string]*held{}
	}
	s.held[key] = h
	return h, nil
}

// get returns the held jail named jail (any spelling), nil when this run
// does not hold it.
func (s *Records) get(jail string) *held {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[state.Key(jail)]
}

// Release ends this run's work on a jail: its record's journal is closed
// (removed when empty) and its lock released.
func (s *Records) Release(jail string) error {
	s.mu.Lock()
	h := s.held[state.Key(jail)]
	delete(s.held, state.Key(jail))
	s.mu.Unlock()
	return release(h)
}

func release(h *held) error {
	if h == nil {
		return nil
	}
	h.j.Close()
	if err := h.lock.Unlock(); err != nil {
		return fmt.Errorf("unlock jail %s: %w", h.name, err)
	}
	return nil
}

// Close releases every jail this run holds, then the state directory. The
// host is closed first (cmd/rcjail): the native host still finishes its
// stops in its Close.
func (s *Records) Close() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	hs := make([]*held, 0, len(s.held))
	for _, h := range s.held {
		hs = append(hs, h)
	}
	s.held = nil
	dir := s.dir
	s.dir = nil
	s.mu.Unlock()
	sort.Slice(hs, func(i, j int) bool { return hs[i].name < hs[j].name })
	var errs []error
	for _, h := range hs {
		if err := release(h); err != nil {
			errs = append(errs, err)
		}
	}
	if dir != nil {
		dir.Close()
	}
	return errors.Join(errs...)
}
