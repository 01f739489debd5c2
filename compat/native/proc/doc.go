// Package proc runs the external programs rcjail starts on the host (hooks,
// jail(8), jexec, ip): an explicit argv, a clean environment, only file
// descriptors 0–2, its own process group, and a time limit that kills the whole
// group (TERM, a short grace, then KILL) so nothing a timed-out command forked
// survives into the rollback.
package proc
