// Command jailtrue exits 0 at once. bench/skel.bench.sh builds it statically
// (CGO_ENABLED=0) into its synthetic skeleton's bin/ as the jails' start
// command: a skeleton holding only the eleven default directories has no
// shell or dynamic loader, and the benchmark measures mounts, not a
// program's start-up.
package main
