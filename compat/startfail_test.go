package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// hostFails is the model with a StartJail that fails with err.
type hostFails struct {
	*model
	err error
}

func (h hostFails) StartJail(context.Context, StartJail) (string, []byte, error) {
	return "", []byte("console said why\n"), h.err
}

// TestStartFailureNamesWhatRan: a host that ran jail(8) (its error wraps
// ErrJailFailed) gets jail(8)'s command line in the message; a host that
// ran none (native Linux) keeps its own message, with no FreeBSD command
// line it never ran (issue 14).
func TestStartFailureNamesWhatRan(t *testing.T) {
	cfg := &Config{Enable: true, List: []string{"w"}, Jails: map[string]*Jail{"w": {
		Name: "w", J: "w", JV: "w", RootDir: "/j/w", Hostname: "w.example.org",
		Flags: []string{"-l", "-U", "root"}, ExecStart: []string{"/bin/sh", "/etc/rc"}, DevfsRulesetN: -1,
	}}}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"linux", fmt.Errorf(`start jail w: start jail in "/j/w": jail start command "/bin/sh /etc/rc": exit status 1`),
			`rcjail: ERROR: start jail w: start jail in "/j/w": jail start command "/bin/sh /etc/rc": exit status 1` + "\n"},
		{"linux-unnamed", errors.New("host name too long"),
			"rcjail: ERROR: jail w: host name too long\n"},
		{"jail8", fmt.Errorf("%w: exit status 1", ErrJailFailed),
			"rcjail: ERROR: start jail w: jail -l -U root -i /j/w w.example.org  /bin/sh /etc/rc: jail(8) failed: exit status 1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, out, e := runVerb(t, cfg, hostFails{newModel(), tc.err}, "start")
			if st != 1 || !strings.Contains(out, ` cannot start jail "w": `+"\nconsole said why\n") {
				t.Errorf("status %d, stdout %q", st, out)
			}
			if e != tc.want {
				t.Errorf("stderr\n%q\nwant\n%q", e, tc.want)
			}
		})
	}
}
