package mounttest

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var (
	benchMu      sync.Mutex
	benchResults = map[*testing.B][]benchMetric{} // per run: the same *B is called again while the framework ramps b.N
)

type benchMetric struct {
	value float64
	unit  string
}

// BenchInNamespace is InNamespace for benchmarks: it runs the calling
// benchmark again in a child process with private mount and network
// namespaces, and reports whether the caller is that child. The parent does
// not loop: it reports the child's figures (ns/op and any custom metrics) as
// its own, so `go test -bench` prints them once, and it checks the host's
// mount table is unchanged.
//
//	func BenchmarkX(b *testing.B) {
//		if !mounttest.BenchInNamespace(b) {
//			return
//		}
//		for b.Loop() { … }
//	}
func BenchInNamespace(b *testing.B) bool {
	b.Helper()
	RequireRoot(b)
	if os.Getenv(envMarker) == b.Name() {
		return true
	}
	benchMu.Lock()
	res, done := benchResults[b]
	benchMu.Unlock()
	if !done {
		res = runBenchChild(b)
		benchMu.Lock()
		benchResults[b] = res
		benchMu.Unlock()
	}
	for _, m := range res {
		b.ReportMetric(m.value, m.unit)
	}
	return false
}

func runBenchChild(b *testing.B) []benchMetric {
	b.Helper()
	before, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		b.Fatalf("read mount table: %v", err)
	}
	args := []string{"-test.run=^$", "-test.bench=^" + anchoredName(b.Name()) + "$", "-test.count=1"}
	for _, name := range []string{"test.benchtime", "test.cpu"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			args = append(args, "-"+name+"="+f.Value.String())
		}
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envMarker+"="+b.Name())
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWNET}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	after, rerr := os.ReadFile("/proc/self/mountinfo")
	if rerr != nil || !bytes.Equal(before, after) {
		b.Errorf("host mount table changed by the benchmark:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if err != nil {
		b.Fatalf("benchmark in private namespace failed: %v\n%s", err, out.String())
	}
	res := parseBenchLine(out.String(), b.Name())
	if res == nil {
		b.Fatalf("benchmark in private namespace printed no result:\n%s", out.String())
	}
	return res
}

// parseBenchLine finds "<name>[-P] <iterations> <value> <unit> …" in out.
func parseBenchLine(out, name string) []benchMetric {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || (f[0] != name && !strings.HasPrefix(f[0], name+"-")) {
			continue
		}
		var res []benchMetric
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil
			}
			res = append(res, benchMetric{v, f[i+1]})
		}
		return res
	}
	return nil
}
