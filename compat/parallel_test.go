package compat

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// slowDry is a dry run whose jail(8) takes longer for earlier jails, so
// that a parallel start finishes them in reverse order; it counts how many
// run at once.
type slowDry struct {
	*DryRun
	delay     time.Duration
	now, peak *atomic.Int32
}

func (s slowDry) StartJail(ctx context.Context, st StartJail) (string, []byte, error) {
	n := s.now.Add(1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	time.Sleep(s.delay)
	s.now.Add(-1)
	return "1", nil, nil
}

func TestParallelStartOrderAndBound(t *testing.T) {
	v := MapVars{"jail_enable": "YES", "jail_parallel_start": "YES"}
	var names []string
	for i := range 12 {
		n := fmt.Sprintf("j%02d", i)
		names = append(names, n)
		v["jail_"+n+"_rootdir"] = "/j/" + n
		v["jail_"+n+"_hostname"] = n + ".example.org"
	}
	names = append(names, "j03") // given twice: starts once, then "already running"
	v["jail_list"] = strings.Join(names, " ")
	cfg, err := NewConfig(v, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var now, peak atomic.Int32
	var i atomic.Int32
	var out, errb bytes.Buffer
	r := &Runner{Config: cfg, X: &DryRun{W: io.Discard}, Stdout: &out, Stderr: &errb, Name: "rcjail", ParallelLimit: 4}
	r.NewX = func() (Executor, error) {
		k := i.Add(1)
		return slowDry{DryRun: &DryRun{W: io.Discard}, delay: time.Duration(20-k) * time.Millisecond, now: &now, peak: &peak}, nil
	}
	if st := r.Run(context.Background(), "start", nil); st != 0 {
		t.Fatalf("status %d, stderr %s", st, errb.String())
	}
	want := "Configuring jails:.\nStarting jails:"
	for _, n := range names[:12] {
		want += " " + n + ".example.org"
	}
	// The second j03: its own executor sees no id file (a dry run), so it
	// starts again; what matters is the order.
	want += " j03.example.org.\n"
	if out.String() != want {
		t.Errorf("stdout:\n%q\nwant\n%q", out.String(), want)
	}
	if p := peak.Load(); p > 4 || p < 2 {
		t.Errorf("%d jails ran jail(8) at once, want 2..4 (bound 4)", p)
	}
}
