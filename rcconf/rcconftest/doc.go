// Package rcconftest writes rc.conf trees for tests and benchmarks, as
// net/http/httptest serves net/http's: one generator of a many-jail tree
// (WriteTree) used by rcconf's dash confirm test, its BenchmarkLoad and
// bench/rcconf.bench.sh, the two-pass defaults file those trees start from
// (Defaults), and the file writer under them (WriteFiles).
//
// It imports nothing of rcjail, so that rcconf's own (internal) tests can
// import it without an import cycle.
package rcconftest
