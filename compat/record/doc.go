// Package record is rcjail's record of what a start did to the host, so
// that a stop (or the next start, after a crash) can undo exactly that: the
// jail's jid and root, the mounts made (with their kernel identities) and
// those about to be made, the aliases added, the directories made, the id
// file written.
//
// A record lives in two files of the state directory (package state):
// <key>.json, a snapshot replaced atomically, and <key>.journal, the events
// since that snapshot, one JSON line each, appended as each step happens.
// Replaying any prefix of the journal over any snapshot converges (every
// event sets state). The record's files are opened only through package
// state (no symlink, no FIFO, bounded reads).
//
// A [Journal] is the writer, held by whoever holds the jail's lock; [Read]
// and [Jails] are the lockless readers of status and of a stop of every
// jail.
package record
