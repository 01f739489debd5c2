package rcconf_test

import (
	"context"
	"fmt"
	"testing"

	"rcjail/rcconf"
	"rcjail/rcconf/rcconftest"
)

// BenchmarkLoad measures a whole evaluation of generated trees (see
// bench/rcconf.bench.sh for the comparison with dash).
func BenchmarkLoad(b *testing.B) {
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
