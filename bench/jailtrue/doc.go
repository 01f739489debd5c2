// Command jailtrue exits 0 at once. bench/lib.sh builds it statically
// (CGO_ENABLED=0) into the synthetic skeleton's bin/ of bench/native.bench.sh
// and bench/skel.bench.sh as every jail's start command: a skeleton holding
// only the eleven default directories has no shell or dynamic loader, and the
// benchmarks measure rcjail and its mounts, not a program's start-up.
package main
