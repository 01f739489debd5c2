package mounttest

import (
	"os"
	"testing"
)

// RequireRoot skips t unless the process runs as root. Under
// RCJAIL_REQUIRE_ROOT=1 (CI runs as root and sets it) it fails instead, so that
// a real test can never quietly turn into one that ran nothing.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("RCJAIL_REQUIRE_ROOT") == "1" {
		t.Fatal("this test needs root and RCJAIL_REQUIRE_ROOT=1 is set")
	}
	t.Skip("needs root (set RCJAIL_REQUIRE_ROOT=1 to make this a failure)")
}
