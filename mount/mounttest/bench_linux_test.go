package mounttest

import "testing"

func TestParseBenchLine(t *testing.T) {
	out := "goos: linux\nBenchmarkFoo/bar-2   \t     100\t  12345 ns/op\t  3.5 mounts/op\nPASS\n"
	got := parseBenchLine(out, "BenchmarkFoo/bar")
	if len(got) != 2 || got[0] != (benchMetric{12345, "ns/op"}) || got[1] != (benchMetric{3.5, "mounts/op"}) {
		t.Fatalf("parseBenchLine = %v", got)
	}
	if parseBenchLine(out, "BenchmarkFoo") != nil {
		t.Fatal("a sub-benchmark line matched its parent's name")
	}
}
