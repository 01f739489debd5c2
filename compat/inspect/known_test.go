package inspect

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"rcjail/compat"
	"rcjail/compat/state"
)

// TestHasStateAndEtcRC: a jail is known by its id file (a symlink counts)
// or its record under -R, not otherwise; EtcRC reads etc/rc's times in
// the jail root and the skeleton, zero when absent.
func TestHasStateAndEtcRC(t *testing.T) {
	root, d := t.TempDir(), t.TempDir()
	for _, p := range []string{"var/run/rcjail", "jail/etc", "skel/etc"} {
		if err := os.MkdirAll(filepath.Join(root, p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(d, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := compat.NewConfig(mapVars{
		"jail_enable": "YES", "jail_list": "a b c",
		"jail_a_rootdir": d + "/jail", "jail_a_hostname": "a",
		"jail_a_skel_enable": "YES", "jail_a_skel_root": d + "/skel",
		"jail_b_rootdir": d + "/b", "jail_b_hostname": "b",
		"jail_c_rootdir": d + "/c", "jail_c_hostname": "c",
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/nonexistent", state.HostPath(root, state.IDFile("b"))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(state.HostPath(root, state.DirPath+"/"+state.RecordName("c")), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]bool{"a": false, "b": true, "c": true} {
		if got := HasState(root, cfg.Jails[n]); got != want {
			t.Errorf("HasState(%s) = %v, want %v", n, got, want)
		}
	}

	j := cfg.Jails["a"]
	if mine, skel := EtcRC(j); !mine.IsZero() || !skel.IsZero() {
		t.Errorf("no etc/rc: %v, %v", mine, skel)
	}
	old, young := time.Unix(1_600_000_000, 0), time.Unix(1_700_000_000, 0)
	for p, at := range map[string]time.Time{d + "/jail/etc/rc": old, d + "/skel/etc/rc": young} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	if mine, skel := EtcRC(j); !mine.Equal(old) || !skel.Equal(young) {
		t.Errorf("EtcRC = %v, %v; want %v, %v", mine, skel, old, young)
	}
}
