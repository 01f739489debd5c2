package mount

import (
	"fmt"
	"os"
	"path/filepath"
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

// sessionOnce is apiOnce through one Session per round: one jail's start
// (11 mounts) and stop (11 unmounts), as the native executor would make them.
func sessionOnce(b *testing.B, skel, root string, ms []*Mounted) {
	var s Session
	for i, e := range benchEntries {
		m, err := s.Mount(Request{FSType: NullFS, Source: filepath.Join(skel, e), Root: root, Target: e, ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		ms[i] = m
	}
	s.Close()
	for i := len(ms) - 1; i >= 0; i-- {
		if err := s.Unmount(ms[i].Expect()); err != nil {
			b.Fatal(fmt.Errorf("entry %d: %w", i, err))
		}
	}
	s.Close()
}

// BenchmarkMountAPIvsFloor alternates one floor round, one API round and
// one Session round per iteration, in the same process and namespace, so
// that the ratios are not at the mercy of a busy machine between separate
// runs. It reports floor-ns, api-ns and session-ns per 11 entries and the
// ratios x-floor (package functions) and session-x-floor.
func BenchmarkMountAPIvsFloor(b *testing.B) {
	if !mounttest.BenchInNamespace(b) {
		return
	}
	skel, root := benchTree(b)
	ms := make([]*Mounted, len(benchEntries))
	var floor, api, sess time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		floorOnce(b, skel, root)
		t1 := time.Now()
		apiOnce(b, skel, root, ms)
		t2 := time.Now()
		sessionOnce(b, skel, root, ms)
		sess += time.Since(t2)
		api += t2.Sub(t1)
		floor += t1.Sub(t0)
		n++
	}
	b.ReportMetric(float64(floor.Nanoseconds())/float64(n), "floor-ns/op")
	b.ReportMetric(float64(api.Nanoseconds())/float64(n), "api-ns/op")
	b.ReportMetric(float64(sess.Nanoseconds())/float64(n), "session-ns/op")
	b.ReportMetric(float64(api)/float64(floor), "x-floor")
	b.ReportMetric(float64(sess)/float64(floor), "session-x-floor")
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
