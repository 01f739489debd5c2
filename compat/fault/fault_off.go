//go:build !rcjailfault

package fault

// Before marks the point just before an effect or a state write. It does
// nothing in a build without the rcjailfault tag.
func Before(what string) {}

// After marks the point just after an effect or a state write. It does
// nothing in a build without the rcjailfault tag.
func After(what string) {}

// Enabled reports whether this build has the fault seam.
const Enabled = false
