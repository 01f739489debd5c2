package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("update-scripts", false, "rewrite the cmp goldens of testdata/script/*.txtar")

// TestMain makes the test binary double as rcjail: testscript runs it as the
// program "rcjail" (a subprocess, so exit status, stdout and stderr are the
// real ones), with run from main.go as its entry point.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"rcjail": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
		},
	})
}

// TestScript runs testdata/script/*.txtar: each is a user's session, with
// its rc.conf tree in the archive and the exact output expected. Scripts call
// "exec rcjail -R $WORK …". Conditions: [root] (euid 0; under
// RCJAIL_REQUIRE_ROOT=1 a script that needs root fails rather than skips when
// not root), and the usual [linux], [freebsd], [exec:prog].
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *updateScripts,
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "root":
				if os.Geteuid() == 0 {
					return true, nil
				}
				if os.Getenv("RCJAIL_REQUIRE_ROOT") == "1" {
					return false, fmt.Errorf("[root]: not root, and RCJAIL_REQUIRE_ROOT=1 forbids skipping")
				}
				return false, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}
