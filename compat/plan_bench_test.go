package compat

import (
	"fmt"
	"strings"
	"testing"
)

// benchConfig is 1000 skeleton jails with the default eleven romounts, two
// rwmounts, an alias, devfs and procfs: an already built Config.
func benchConfig() *Config {
	v := MapVars{
		"jail_enable": "YES", "jail_interface": "em0",
		"jail_devfs_enable": "YES", "jail_devfs_ruleset": "4", "jail_procfs_enable": "YES",
		"jail_skel_enable": "YES", "jail_skel_root": "/skel", "jail_skel_rwmounts": "usr/local var/db/pkg",
	}
	names := make([]string, 0, 1000)
	for i := range 1000 {
		n := fmt.Sprintf("j%04d", i)
		names = append(names, n)
		v["jail_"+n+"_rootdir"] = "/jails/" + n
		v["jail_"+n+"_hostname"] = n + ".example.org"
		v["jail_"+n+"_ip"] = fmt.Sprintf("10.%d.%d.1", i/256, i%256)
	}
	v["jail_list"] = strings.Join(names, " ")
	cfg, err := NewConfig(v, nil, nil)
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		if j := cfg.Jails[n]; len(j.Errors) > 0 || len(j.Mounts) != 15 {
			panic(fmt.Sprintf("jail %s: %d mounts, errors %v", n, len(j.Mounts), j.Errors))
		}
	}
	return cfg
}

// BenchmarkBuildStart1000 plans `start` for 1000 skeleton jails.
func BenchmarkBuildStart1000(b *testing.B) {
	cfg := benchConfig()
	b.ReportAllocs()
	for b.Loop() {
		plans, err := Build(cfg, "start", nil)
		if err != nil || len(plans) != 1000 || len(plans[0].Steps) < 26 {
			b.Fatalf("plans %d, err %v", len(plans), err)
		}
	}
}

// BenchmarkConfigCopy1000 is the baseline: a plain copy of the same Config
// (every Jail struct and its slices), the least any planner must touch.
func BenchmarkConfigCopy1000(b *testing.B) {
	cfg := benchConfig()
	b.ReportAllocs()
	for b.Loop() {
		out := &Config{Jails: make(map[string]*Jail, len(cfg.Jails)), List: append([]string(nil), cfg.List...)}
		for _, n := range cfg.List {
			j := *cfg.Jails[n]
			j.IPs = append([]Addr(nil), j.IPs...)
			j.Skel.Entries = append([]SkelEntry(nil), j.Skel.Entries...)
			j.Mounts = append([]JailMount(nil), j.Mounts...)
			out.Jails[n] = &j
		}
		if len(out.Jails) != 1000 {
			b.Fatal("copy lost jails")
		}
	}
}
