// Package mounttest helps tests that need root and real mounts: it gates them
// loudly (a skip for a normal user, a failure under RCJAIL_REQUIRE_ROOT=1) and
// runs each in its own private mount and network namespace, so nothing a test
// mounts can reach the host's mount table.
package mounttest
