package rcconf

import (
	"os"
	"runtime/debug"
)

// TuneGC sets the garbage collector for a process whose main work is one
// Load, unless GOGC or GOMEMLIMIT say otherwise: evaluation allocates many
// small, mostly long-lived values, so a lazier collector (GC percent 200) is
// about 20% faster at 1000 jails, and a 48 MiB soft memory limit makes it
// eager again only when the heap nears it, keeping a 5000-jail chain well
// under 64 MiB (BENCHMARKS.md). The settings are process-wide, which is why
// the program calls this once at start instead of Load changing them (and
// racing itself when two Loads run at once).
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(48 << 20)
	}
}
