//go:build !linux

package mounttest

import "testing"

// BenchInNamespace needs Linux namespaces; elsewhere the benchmark is
// skipped (or fails under RCJAIL_REQUIRE_ROOT=1).
func BenchInNamespace(b *testing.B) bool {
	b.Helper()
	RequireRoot(b)
	b.Skip("private mount namespaces are a Linux feature")
	return false
}
