// Command jailtrue exits 0 at once: bench/native.bench.sh builds it
// statically into its synthetic skeleton's bin/ as every jail's start
// command, so the benchmark measures rcjail, not a program's start-up.
package main

func main() {}
