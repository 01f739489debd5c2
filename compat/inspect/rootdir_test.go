package inspect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rcjail/compat"
)

// TestRootdirMissing: a missing rootdir, or one that is a file, is the
// error start would hit, naming the variable and the value; an existing
// directory is fine, and a skeleton jail is left to Skeletons.
func TestRootdirMissing(t *testing.T) {
	d := t.TempDir()
	if err := os.Mkdir(filepath.Join(d, "there"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := compat.NewConfig(mapVars{
		"jail_enable": "YES", "jail_list": "a b c s",
		"jail_a_rootdir": d + "/there", "jail_a_hostname": "a",
		"jail_b_rootdir": d + "/gone", "jail_b_hostname": "b",
		"jail_c_rootdir": d + "/file", "jail_c_hostname": "c",
		"jail_s_rootdir": d + "/gone2", "jail_s_hostname": "s",
		"jail_s_skel_enable": "YES", "jail_s_skel_root": d + "/there",
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := RootdirMissing(cfg.Jails["a"]); err != nil {
		t.Errorf("existing rootdir: %v", err)
	}
	if err := RootdirMissing(cfg.Jails["s"]); err != nil {
		t.Errorf("skeleton jail: %v", err)
	}
	for j, want := range map[string]string{
		"b": "jail_b_rootdir",
		"c": "is not a directory",
	} {
		err := RootdirMissing(cfg.Jails[j])
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), cfg.Jails[j].RootDir) {
			t.Errorf("jail %s: %v, want an error with %q and the path", j, err, want)
		}
	}
}
