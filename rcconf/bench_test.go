package rcconf_test

import (
	"context"
	"fmt"
	"runtime/debug"
	"testing"

	"rcjail/rcconf"
	"rcjail/rcconf/rcconftest"
)

// BenchmarkLoad measures a whole evaluation of generated trees (see
// bench/rcconf.bench.sh for the comparison with dash).
func BenchmarkLoad(b *testing.B) {
	// As the rcjail program runs it (cmd/rcjail calls TuneGC at start);
	// the process-wide settings are put back for the other tests.
	gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	defer func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) }()
	rcconf.TuneGC()
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("jails=%d", n), func(b *testing.B) {
			root := b.TempDir()
			if err := rcconftest.WriteTree(root, n); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				v, err := rcconf.Load(context.Background(), rcconf.Options{Root: root, Env: []string{}})
				if err != nil {
					b.Fatal(err)
				}
				if _, ok := v.Get("jail_list"); !ok {
					b.Fatal("jail_list not set")
				}
			}
		})
	}
}
