// Package fault is the crash seam of the engine's tests: a numbered point
// just before and just after every effect and every record or journal
// write, where a test binary can SIGKILL itself.
//
// Production builds contain no fault code: without the rcjailfault build
// tag, [Before] and [After] are empty functions the compiler inlines away.
// A test builds rcjail with `go build -tags rcjailfault` and sets, in the
// environment of the run it wants to crash:
//
//	RCJAIL_FAULT_KILL=N   SIGKILL at point N (1-based, in call order)
//	RCJAIL_FAULT_LOG=FILE append "N before|after WHAT" for every point
//
// A clean run with RCJAIL_FAULT_LOG counts the points; the test then kills
// a fresh run at each of them in turn (the crash matrix of issue 12).
package fault
