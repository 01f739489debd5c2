// Command compare times builds of rcjail against each other on rc.conf
// trees, interleaved: every round runs each tree through every build in
// turn (the order rotating by round), so that the load of a shared machine
// hits every build alike. Each run is a whole process, "BUILD -R TREE
// vars" with its output discarded. It reports per tree and build the
// median wall and CPU time (user+sys) of a run and its peak RSS, and, per
// build after the first, the ratio to the first build: the median of the
// per-round ratios of the round medians, with their range.
//
// Usage: compare [-rounds R] [-runs N] TREE[,TREE…] NAME=BUILD NAME=BUILD…
// A TREE is NAME=DIR; -runs may be given per tree as NAME=DIR:N.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type build struct{ name, path string }

type tree struct {
	name, dir string
	runs      int
}

type sample struct{ wall, cpu time.Duration }

func main() {
	rounds := flag.Int("rounds", 5, "rounds")
	runs := flag.Int("runs", 10, "runs of each build per tree and round (default for trees without :N)")
	flag.Parse()
	if flag.NArg() < 2 {
		fmt.Fprintln(os.Stderr, "usage: compare [-rounds R] [-runs N] NAME=DIR[:N][,…] NAME=BUILD…")
		os.Exit(2)
	}
	var trees []tree
	for _, t := range strings.Split(flag.Arg(0), ",") {
		name, dir, ok := strings.Cut(t, "=")
		if !ok {
			fail("tree %q: want NAME=DIR", t)
		}
		n := *runs
		if d, c, ok := strings.Cut(dir, ":"); ok {
			dir = d
			var err error
			if n, err = strconv.Atoi(c); err != nil || n < 1 {
				fail("tree %q: bad run count", t)
			}
		}
		trees = append(trees, tree{name, dir, n})
	}
	var builds []build
	for _, b := range flag.Args()[1:] {
		name, path, ok := strings.Cut(b, "=")
		if !ok {
			fail("build %q: want NAME=PATH", b)
		}
		builds = append(builds, build{name, path})
	}
	// res[tree][build][round] holds that round's samples; rss the peaks.
	res := make([][][][]sample, len(trees))
	rss := make([][]int64, len(trees))
	for t := range trees {
		res[t] = make([][][]sample, len(builds))
		for b := range builds {
			res[t][b] = make([][]sample, *rounds)
		}
		rss[t] = make([]int64, len(builds))
	}
	for r := 0; r < *rounds; r++ {
		for t, tr := range trees {
			for k := range builds {
				b := (k + r) % len(builds)
				for i := 0; i < tr.runs; i++ {
					s, maxrss := run(builds[b].path, tr.dir)
					res[t][b][r] = append(res[t][b][r], s)
					rss[t][b] = max(rss[t][b], maxrss)
				}
			}
		}
	}
	fmt.Printf("%d rounds, interleaved; per run: median wall, median cpu (user+sys), peak RSS; ratio to %s: median of the round ratios [min–max]\n",
		*rounds, builds[0].name)
	fmt.Printf("%-8s %-14s %10s %10s %9s %22s %22s\n", "tree", "build", "wall ms", "cpu ms", "RSS MiB", "wall ratio", "cpu ratio")
	for t, tr := range trees {
		for b, bd := range builds {
			var all []sample
			for _, rs := range res[t][b] {
				all = append(all, rs...)
			}
			w, c := median(all, false), median(all, true)
			line := fmt.Sprintf("%-8s %-14s %10.2f %10.2f %9.1f", tr.name, bd.name, ms(w), ms(c), float64(rss[t][b])/1024)
			if b > 0 {
				line += " " + ratio(res[t][b], res[t][0], false) + " " + ratio(res[t][b], res[t][0], true)
			}
			fmt.Println(line)
		}
	}
}

// run execs one build on one tree and returns its times and peak RSS (KiB).
func run(bin, dir string) (sample, int64) {
	cmd := exec.Command(bin, "-R", dir, "vars")
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		fail("%s -R %s vars: %v", bin, dir, err)
	}
	wall := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return sample{wall, cpu}, ru.Maxrss
}

func median(s []sample, cpu bool) time.Duration {
	d := make([]time.Duration, len(s))
	for i, x := range s {
		d[i] = x.wall
		if cpu {
			d[i] = x.cpu
		}
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// ratio is the median and range over rounds of median(b)/median(base).
func ratio(b, base [][]sample, cpu bool) string {
	var rs []float64
	for r := range b {
		rs = append(rs, float64(median(b[r], cpu))/float64(median(base[r], cpu)))
	}
	slices.Sort(rs)
	return fmt.Sprintf("%6.2fx [%.2f–%.2f]", rs[len(rs)/2], rs[0], rs[len(rs)-1])
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "compare: "+format+"\n", a...)
	os.Exit(1)
}
