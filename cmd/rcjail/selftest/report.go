package selftest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"rcjail/compat"
)

// The two throwaway jails. Their names are chosen so that no real
// configuration is likely to use them; selftest refuses to run when the host
// knows either.
const (
	JailNullfs  = "rcjail_selftest_nullfs"
	JailSymlink = "rcjail_selftest_symlink"
)

// RunFunc runs one rcjail command line in-process (cmd/rcjail's run), with
// wrap, when not nil, applied to the backend's executor.
type RunFunc func(ctx context.Context, args []string, wrap func(compat.Executor) compat.Executor, stdout, stderr io.Writer) int

// Options configure a selftest run.
type Options struct {
	Backend string // "native" or "command"
	// Root is the -R root under which the host's jail state (id files,
	// native records) is looked at for the same-name refusal; "/" normally.
	Root string
	// Argv0 and Args are the command line selftest re-executes itself
	// with inside its private namespace (os.Args[0], os.Args[1:]).
	Argv0 string
	Args  []string

	Stdout io.Writer // the table
	Stderr io.Writer // progress and diagnostics

	RCJail RunFunc
	// NativeFault sets the native backend's own fault seam for the rc.d
	// runs that follow: call at of op ("mount", "remount") fails inside
	// the step; op "" clears it.
	NativeFault func(op string, at int)
}

// BreakUndo, when true, makes the fault-injection wrapper report every
// unmount of a rollback as done without doing it: a broken backend whose
// rollback leaves a mount behind. Test-only (cmd/rcjail's tests set it in a
// test binary); selftest must then fail.
var BreakUndo bool

// CrashAfterStart, when true, makes the run SIGKILL its parent and itself
// right after both jails started: the crash a later run must clean up
// after. Test-only, like BreakUndo.
var CrashAfterStart bool

// Row is one line of the result table.
type Row struct {
	Step     string `json:"step"`
	Expected string `json:"expected"`
	Seen     string `json:"seen"`
	OK       bool   `json:"ok"`
}

// Report collects the rows of a run.
type Report struct {
	Rows []Row
	// Log, when set, gets each failed row as it is added (on stderr, at
	// once, before the table).
	Log io.Writer
	// sink, when set, gets each row as it is added (the child's rows file,
	// so that a run killed half-way still reports what it saw).
	sink func(Row)
}

func (r *Report) add(step, want, seen string, ok bool) bool {
	row := Row{Step: step, Expected: want, Seen: seen, OK: ok}
	r.Rows = append(r.Rows, row)
	if r.sink != nil {
		r.sink(row)
	}
	if r.Log != nil && !ok {
		mark := "ok"
		if !ok {
			mark = "FAIL"
		}
		fmt.Fprintf(r.Log, "selftest: %-4s %s: %s\n", mark, step, seen)
	}
	return ok
}

// check adds a row that holds when seen equals want.
func (r *Report) check(step, want, seen string) bool { return r.add(step, want, seen, want == seen) }

// OK reports whether every row held (and there is at least one).
func (r *Report) OK() bool {
	if len(r.Rows) == 0 {
		return false
	}
	for _, x := range r.Rows {
		if !x.OK {
			return false
		}
	}
	return true
}

// Print writes the table.
func (r *Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tEXPECTED\tSEEN\tOK")
	for _, x := range r.Rows {
		ok := "ok"
		if !x.OK {
			ok = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cell(x.Step), cell(x.Expected), cell(x.Seen), ok)
	}
	tw.Flush()
}

// cell keeps a table cell on one line and of a readable length.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}
