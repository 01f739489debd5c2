package mount

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"rcjail/mount/mounttest"
)

// benchEntries is the default skeleton: 11 read-only entries.
var benchEntries = []string{"bin", "boot", "lib", "libexec", "rescue", "sbin",
	"usr/bin", "usr/include", "usr/lib", "usr/libexec", "usr/sbin"}

func benchTree(b *testing.B) (skel, root string) {
	b.Helper()
	d := b.TempDir()
	skel, root = filepath.Join(d, "skel"), filepath.Join(d, "root")
	for _, e := range benchEntries {
		for _, p := range []string{filepath.Join(skel, e), filepath.Join(root, e)} {
			if err := os.MkdirAll(p, 0o755); err != nil {
				b.Fatal(err)
			}
		}
	}
	return skel, root
}

// BenchmarkBindRemountUmount is the floor the native backend is compared
// with: for each of the 11 entries only the raw system calls — bind,
// remount read-only, and (in reverse) umount — with no checks at all.
func BenchmarkBindRemountUmount(b *testing.B) {
	if !mounttest.BenchInNamespace(b) {
		return
	}
	skel, root := benchTree(b)
	for b.Loop() {
		floorOnce(b, skel, root)
	}
}

func floorOnce(b *testing.B, skel, root string) {
	floorMount(b, skel, root)
	floorUnmount(b, root)
}

func floorMount(b *testing.B, skel, root string) {
	const ro = unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV
	for _, e := range benchEntries {
		dst := filepath.Join(root, e)
		if err := unix.Mount(filepath.Join(skel, e), dst, "", unix.MS_BIND, ""); err != nil {
			b.Fatal(err)
		}
		if err := unix.Mount("", dst, "", ro, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func floorUnmount(b *testing.B, root string) {
	for i := len(benchEntries) - 1; i >= 0; i-- {
		if err := unix.Unmount(filepath.Join(root, benchEntries[i]), 0); err != nil {
			b.Fatal(err)
		}
	}
}

func apiOnce(b *testing.B, skel, root string, ms []*Mounted) {
	for i, e := range benchEntries {
		m, err := Mount(Request{FSType: NullFS, Source: filepath.Join(skel, e), Root: root, Target: e, ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		ms[i] = m
	}
	for i := len(ms) - 1; i >= 0; i-- {
		if err := Unmount(ms[i].Expect()); err != nil {
			b.Fatal(fmt.Errorf("entry %d: %w", i, err))
		}
	}
}

// BenchmarkMountAPIvsFloor alternates one floor round and one API round per
// iteration, in the same process and namespace, so that the ratio is not at
// the mercy of a busy machine between separate runs. It reports floor-ns and
// api-ns per 11 entries, the ratio of the totals (x-floor) and the median of
// the per-iteration ratios (x-floor-median), the steadiest figure on a
// shared machine.
func BenchmarkMountAPIvsFloor(b *testing.B) {
	if !mounttest.BenchInNamespace(b) {
		return
	}
	skel, root := benchTree(b)
	ms := make([]*Mounted, len(benchEntries))
	var floor, api time.Duration
	var apiR []float64 // per iteration, against that iteration's floor
	n := 0
	for b.Loop() {
		t0 := time.Now()
		floorOnce(b, skel, root)
		t1 := time.Now()
		apiOnce(b, skel, root, ms)
		t2 := time.Now()
		api += t2.Sub(t1)
		floor += t1.Sub(t0)
		apiR = append(apiR, float64(t2.Sub(t1))/float64(t1.Sub(t0)))
		n++
	}
	b.ReportMetric(float64(floor.Nanoseconds())/float64(n), "floor-ns/op")
	b.ReportMetric(float64(api.Nanoseconds())/float64(n), "api-ns/op")
	b.ReportMetric(float64(api)/float64(floor), "x-floor")
	b.ReportMetric(median(apiR), "x-floor-median")
}

// median of the per-iteration ratios: each compares rounds run a moment
// apart, so a burst of load from elsewhere on the machine moves a few of
// them, not the median.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

// BenchmarkMountAPI does the same 11 read-only mounts and unmounts through
// Mount and Unmount, so the cost of the safety (no-follow opens, fd-based
// mounts, post-mount verification, checked unmounts) is visible next to the
// floor. Sub-benchmarks: the new mount API and the mount(2) fallback.
func BenchmarkMountAPI(b *testing.B) {
	for _, mode := range []string{"newapi", "mount2"} {
		b.Run(mode, func(b *testing.B) {
			if !mounttest.BenchInNamespace(b) {
				return
			}
			useNewMountAPI.Store(mode == "newapi")
			skel, root := benchTree(b)
			ms := make([]*Mounted, len(benchEntries))
			for b.Loop() {
				apiOnce(b, skel, root, ms)
			}
		})
	}
}

// BenchmarkJailsVsFloor is BenchmarkMountAPIvsFloor for N jails at once (the
// table of BENCHMARKS.md, "native backend", N = 1, 10, 100): every jail's 11
// entries mounted, then all unmounted, two ways per iteration: the floor's
// raw system calls and the package functions. With N×11 mounts present the kernel's own cost grows (a bind
// scans the source mount's children), for the floor as much as for us.
// Each way's best iteration is reported, per jail, with the ratios of those,
// and the medians of the per-iteration ratios.
func BenchmarkJailsVsFloor(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			if !mounttest.BenchInNamespace(b) {
				return
			}
			d := b.TempDir()
			skel := filepath.Join(d, "skel")
			roots := make([]string, n)
			for i := range roots {
				roots[i] = filepath.Join(d, fmt.Sprintf("j%03d", i))
			}
			for _, e := range benchEntries {
				for _, p := range append([]string{skel}, roots...) {
					if err := os.MkdirAll(filepath.Join(p, e), 0o755); err != nil {
						b.Fatal(err)
					}
				}
			}
			ms := make([][]*Mounted, n)
			for i := range ms {
				ms[i] = make([]*Mounted, len(benchEntries))
			}
			// Each way's best round: a burst of load from elsewhere on the
			// machine lands in one round, not in the figures.
			best := func(cur *time.Duration, d time.Duration) {
				if *cur == 0 || d < *cur {
					*cur = d
				}
			}
			var floor, api time.Duration
			var apiR []float64
			for b.Loop() {
				t0 := time.Now()
				for _, r := range roots {
					floorMount(b, skel, r)
				}
				for i := n - 1; i >= 0; i-- {
					floorUnmount(b, roots[i])
				}
				t1 := time.Now()
				for i, r := range roots {
					for k, e := range benchEntries {
						m, err := Mount(Request{FSType: NullFS, Source: filepath.Join(skel, e), Root: r, Target: e, ReadOnly: true})
						if err != nil {
							b.Fatal(err)
						}
						ms[i][k] = m
					}
				}
				for i := n - 1; i >= 0; i-- {
					for k := len(benchEntries) - 1; k >= 0; k-- {
						if err := Unmount(ms[i][k].Expect()); err != nil {
							b.Fatal(err)
						}
					}
				}
				t2 := time.Now()
				best(&api, t2.Sub(t1))
				best(&floor, t1.Sub(t0))
				apiR = append(apiR, float64(t2.Sub(t1))/float64(t1.Sub(t0)))
			}
			per := float64(n)
			b.ReportMetric(float64(floor.Nanoseconds())/per, "floor-ns/jail")
			b.ReportMetric(float64(api.Nanoseconds())/per, "api-ns/jail")
			b.ReportMetric(float64(api)/float64(floor), "x-floor")
			b.ReportMetric(median(apiR), "x-floor-median")
		})
	}
}
