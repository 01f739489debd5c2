package compat

import (
	"context"
	"strings"
	"testing"
)

// allModel is a model that lists its running jails as jls does (jid and
// name), and whose jail.conf removal leaves the jail running when stuck.
type allModel struct {
	*model
	stuck bool
}

func (m *allModel) JailConfAll(context.Context, JailConfAll) ([]byte, error) { return nil, nil }
func (m *allModel) ListJails(context.Context) ([]RunningJail, error) {
	var js []RunningJail
	if m.jails["3"] {
		js = append(js, RunningJail{JID: "3", Name: "web"})
	}
	return js, nil
}
func (m *allModel) StillRunning(_ context.Context, j RunningJail) (bool, error) {
	return m.jails[j.JID], nil
}
func (m *allModel) JailConf(_ context.Context, s JailConf) error {
	if s.Remove && !m.stuck {
		delete(m.jails, "3")
	}
	return nil
}

// TestStopAllAsksByJID: stop of _ALL checks each jail is gone by its jid
// (jls's), not by its name: a FreeBSD jid is what `jls -j` and the native
// host take. A jail that survives `jail -r` is an error.
func TestStopAllAsksByJID(t *testing.T) {
	for _, stuck := range []bool{false, true} {
		m := &allModel{model: newModel(), stuck: stuck}
		m.jails["3"] = true
		cfg := &Config{Enable: true, AllConf: "/etc/jail.conf", Jails: map[string]*Jail{}}
		st, out, e := runVerb(t, cfg, m, "stop")
		want := 0
		if stuck {
			want = 1
		}
		if st != want || out != "Stopping jails: web.\n" || stuck != strings.Contains(e, "jail web: remove through /etc/jail.conf: still running") {
			t.Errorf("stuck=%v: %d %q %q", stuck, st, out, e)
		}
	}
}
