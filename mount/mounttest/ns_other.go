//go:build !linux

package mounttest

import "testing"

// InNamespace needs Linux namespaces; elsewhere the test is skipped (or fails
// under RCJAIL_REQUIRE_ROOT=1).
func InNamespace(t *testing.T) bool {
	t.Helper()
	RequireRoot(t)
	t.Skip("private mount namespaces are a Linux feature")
	return false
}
