// Command empty does nothing. bench/rcconf.bench.sh builds it as rcjail is
// built (static, CGO_ENABLED=0) and times it beside dash and rcjail: its
// time is the start and exit of a Go process, the floor under rcjail's own.
package main

func main() {}
