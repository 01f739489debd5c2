package rcconf_test

import (
	"rcjail/compat"
	"rcjail/rcconf"
)

// *rcconf.Vars is what compat reads configuration from, with origins for
// its diagnostics.
var (
	_ compat.Vars    = (*rcconf.Vars)(nil)
	_ compat.Origins = (*rcconf.Vars)(nil)
)
