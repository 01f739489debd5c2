package compat

import (
	"bytes"
	"context"
	"io"
	"runtime"
)

// jail_parallel_start="YES" (the modern script's knob): the jails start at
// the same time, each on an executor of its own, at most ParallelLimit at
// once. What each prints is held back and written in jail_list order, so
// stdout reads as a sequential start's would; each jail still takes its
// lock (SPEC §3.7), through its own executor.
//
// Decisions where the script leaves room:
//   - The script starts every jail at once; rcjail bounds it (a boot with
//     hundreds of jails would otherwise fork hundreds of jail(8) and
//     mount programs together).
//   - The devfs rules are loaded once, before any jail starts: a jail whose
//     devfs is mounted before another jail loaded the rules would apply an
//     empty ruleset and show the jail every device.
//   - A name given twice starts once, its second turn after its first (the
//     second sees the jail running), as in a sequential start.
//   - The lock of a jail is released when its start ends, not at the end
//     of the run: each start has its executor, closed when it is done.
//   - Under -n (no NewX) jails start one after another: a plan is a
//     sequence.

// DefaultParallelLimit is how many jails start at once: four per CPU, at
// least 4, at most 32 (jail starts wait on programs and the kernel more
// than on the CPU).
func DefaultParallelLimit() int {
	return min(max(4*runtime.NumCPU(), 4), 32)
}

func (r *Runner) startParallel(ctx context.Context, names []string) int {
	r.out("Starting jails:")
	r.preloadRules(ctx, names)
	limit := r.ParallelLimit
	if limit <= 0 {
		limit = DefaultParallelLimit()
	}
	type slot struct {
		out, errb bytes.Buffer
		ok        bool
		done      chan struct{}
	}
	slots := make([]*slot, len(names))
	byName := map[string][]int{}
	var order []string
	for i, n := range names {
		slots[i] = &slot{done: make(chan struct{})}
		if _, seen := byName[n]; !seen {
			order = append(order, n)
		}
		byName[n] = append(byName[n], i)
	}
	sem := make(chan struct{}, limit)
	for _, n := range order {
		go func(n string) {
			sem <- struct{}{}
			defer func() { <-sem }()
			for _, i := range byName[n] {
				s := slots[i]
				s.ok = r.startOneOwn(ctx, n, &s.out, &s.errb)
				close(s.done)
			}
		}(n)
	}
	st := 0
	for _, s := range slots {
		<-s.done
		r.Stdout.Write(s.out.Bytes())
		r.Stderr.Write(s.errb.Bytes())
		if !s.ok {
			st = 1
		}
	}
	r.out(".\n")
	return st
}

// startOneOwn starts one jail on an executor of its own, writing to the
// given buffers.
func (r *Runner) startOneOwn(ctx context.Context, n string, out, errb io.Writer) bool {
	sub := &Runner{Config: r.Config, Stdout: out, Stderr: errb, Name: r.Name, Limits: r.Limits, Rec: r.Rec, rulesLoaded: true}
	if j := r.Config.Jails[n]; r.rulesErr != nil && j != nil && j.Devfs && j.JailConfFile == "" {
		// A sequential start fails the jail whose devfs rules did not
		// load; here every jail that mounts a devfs.
		sub.cannotStart(n)
		sub.errorf("start jail %s: %v", n, r.rulesErr)
		return false
	}
	x, err := r.NewX()
	if err != nil {
		sub.cannotStart(n)
		sub.errorf("jail %s: %v", n, err)
		return false
	}
	defer func() {
		// The host first (native finishes its work on the jail), then
		// the jail's lock and record: the lock is this jail's turn's.
		x.Close()
		if r.Rec != nil {
			if err := r.Rec.Release(n); err != nil {
				sub.warnf("%v", err)
			}
		}
	}()
	sub.X = x
	return sub.startOne(ctx, n)
}

// preloadRules loads the devfs rules (once per run, as the sequential
// start does at the first devfs mount) before any jail of a parallel start
// runs, if one of them mounts a devfs.
func (r *Runner) preloadRules(ctx context.Context, names []string) {
	if r.rulesLoaded {
		return
	}
	for _, n := range names {
		j := r.Config.Jails[n]
		if j == nil || len(j.Errors) > 0 || !j.Devfs || len(j.DevfsRules) == 0 || j.JailConfFile != "" {
			continue
		}
		for _, rule := range j.DevfsRules {
			if _, err := Apply(ctx, r.X, rule); err != nil && r.rulesErr == nil {
				r.rulesErr = err
			}
		}
		r.rulesLoaded = true
		return
	}
}
