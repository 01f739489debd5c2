package main

import (
	"encoding/json"
	"testing"

	"rcjail/compat"
)

// The default backend is the system's: command on FreeBSD (the script's
// own commands, until the administrator opts in), native elsewhere; -b
// beats rc.conf, which beats the default, and each says where it came from.
func TestBackendDefaultAndWhere(t *testing.T) {
	fromRC := &compat.Config{Backend: "native", Host: []compat.Setting{
		{Var: "jail_enable", Value: "YES", File: "/etc/rc.conf", Line: 1},
		{Var: "rcjail_backend", Value: "native", File: "/etc/rc.conf.local", Line: 7},
	}}
	tests := []struct {
		name      string
		flag      string
		cfg       *compat.Config
		goos      string
		wantName  string
		wantWhere string
	}{
		{"freebsd default", "", &compat.Config{}, "freebsd", "command", "default"},
		{"linux default", "", &compat.Config{}, "linux", "native", "default"},
		{"no config", "", nil, "freebsd", "command", "default"},
		{"rc.conf opts in on freebsd", "", fromRC, "freebsd", "native", "/etc/rc.conf.local:7"},
		{"-b beats rc.conf", "command", fromRC, "linux", "command", "-b"},
		{"-b native on freebsd", "native", &compat.Config{}, "freebsd", "native", "-b"},
		{"rc.conf without a line", "", &compat.Config{Backend: "command"}, "linux", "command", "rc.conf"},
	}
	for _, tt := range tests {
		name, where := backendChoice(&Globals{Backend: tt.flag}, tt.cfg, tt.goos)
		if name != tt.wantName || where != tt.wantWhere {
			t.Errorf("%s: backendChoice = %q, %q; want %q, %q", tt.name, name, where, tt.wantName, tt.wantWhere)
		}
	}
}

// show reports the backend a start would use and why.
func TestShowBackend(t *testing.T) {
	base := "jail_enable=\"YES\"\njail_list=\"\"\n"
	for _, tt := range []struct {
		rc    string
		args  []string
		value string
		where string
	}{
		{base, nil, defaultBackend("linux"), "default"},
		{base + "rcjail_backend=\"command\"\n", nil, "command", "/etc/rc.conf:3"},
		{base + "rcjail_backend=\"command\"\n", []string{"-b", "native"}, "native", "-b"},
	} {
		root := checkRoot(t, tt.rc)
		args := append(append([]string{"-R", root}, tt.args...), "show", "--json")
		st, out, errs := runArgs(args...)
		if st != 0 {
			t.Fatalf("show %v: status %d, stderr %s", tt.args, st, errs)
		}
		var got showOutput
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, s := range got.Host {
			if s.Knob == "rcjail_backend" {
				found = true
				if s.Value != tt.value || s.Where != tt.where {
					t.Errorf("rc %q args %v: rcjail_backend = %q from %q, want %q from %q", tt.rc, tt.args, s.Value, s.Where, tt.value, tt.where)
				}
			}
		}
		if !found {
			t.Errorf("show lists no rcjail_backend: %s", out)
		}
	}
}
