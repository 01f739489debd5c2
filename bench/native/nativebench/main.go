// Command nativebench measures, for bench/native.bench.sh, the mount path of
// N skeleton jails (every entry mounted read-only, then everything
// unmounted) two ways, in the caller's (private) mount namespace:
//
//	floor:    only the system calls: bind, remount read-only, umount
//	mount:    package mount alone (Mount, then Unmount of what it returned)
//	executor: the native backend's Executor as a host (no-follow fd-based
//	          mounts with verification, checked unmounts; the lock and the
//	          record are the engine's, compat.Records, and not measured here),
//	          every jail mounted in one sequence, then every jail stopped
//	executor-start: the same, but each jail is released (what the host
//	          knew of it forgotten) right after its own mounts, as in a real
//	          start
//
// It prints the best wall time of ROUNDS rounds in nanoseconds.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"rcjail/compat"
	"rcjail/compat/native"
	"rcjail/mount"
)

func main() {
	mode := flag.String("mode", "floor", "floor, mount, executor or executor-start")
	n := flag.Int("n", 1, "number of jails")
	rounds := flag.Int("rounds", 3, "rounds (the best is printed)")
	skel := flag.String("skel", "", "skeleton root")
	jails := flag.String("jails", "", "directory holding the jail roots jNNN (mount points made)")
	state := flag.String("state", "", "-R root for the executor's state")
	entries := flag.String("entries", "", "blank-separated read-only entries")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to `file`")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "nativebench:", err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "nativebench:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	ents := strings.Fields(*entries)
	best := time.Duration(1<<63 - 1)
	for range *rounds {
		t0 := time.Now()
		var err error
		switch *mode {
		case "floor":
			err = floor(*n, *skel, *jails, ents)
		case "mount":
			err = mountPkg(*n, *skel, *jails, ents)
		case "executor":
			err = executor(*n, *skel, *jails, *state, ents, false)
		case "executor-start":
			err = executor(*n, *skel, *jails, *state, ents, true)
		default:
			err = fmt.Errorf("unknown mode %q", *mode)
		}
		d := time.Since(t0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "nativebench:", err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
		best = min(best, d)
	}
	fmt.Println(best.Nanoseconds())
}

func root(jails string, i int) string { return filepath.Join(jails, fmt.Sprintf("j%03d", i)) }

func mountPkg(n int, skel, jails string, ents []string) error {
	var ms []*mount.Mounted
	for i := 1; i <= n; i++ {
		for _, e := range ents {
			m, err := mount.Mount(mount.Request{FSType: mount.NullFS, Source: filepath.Join(skel, e), Root: root(jails, i), Target: e, ReadOnly: true})
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if err := mount.Unmount(ms[i].Expect()); err != nil {
			return err
		}
	}
	return nil
}

// executor mounts every jail, then unmounts them; with release, each jail
// is released right after its mounts.
func executor(n int, skel, jails, state string, ents []string, release bool) error {
	ctx := context.Background()
	x, err := native.New(native.Options{Root: state})
	if err != nil {
		return err
	}
	defer x.Close()
	for i := 1; i <= n; i++ {
		name, r := fmt.Sprintf("j%03d", i), root(jails, i)
		for _, e := range ents {
			t := filepath.Join(r, e)
			if _, err := x.Mkdir(ctx, compat.Mkdir{Jail: name, Root: r, Path: t}); err != nil {
				return err
			}
			if _, err := x.Mount(ctx, compat.Mount{Jail: name, FSType: compat.FSNullfs, Source: filepath.Join(skel, e), SourceRoot: skel, Target: t, ReadOnly: true, Root: r}); err != nil {
				return err
			}
		}
		if release {
			x.Release(name)
		}
	}
	for i := 1; i <= n; i++ {
		name, r := fmt.Sprintf("j%03d", i), root(jails, i)
		for k := len(ents) - 1; k >= 0; k-- {
			if err := x.Unmount(ctx, compat.Unmount{Jail: name, FSType: compat.FSNullfs, Target: filepath.Join(r, ents[k]), Root: r}); err != nil {
				return err
			}
		}
		x.Release(name)
	}
	return nil
}
