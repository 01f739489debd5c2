package compat

import (
	"fmt"
	"testing"
)

// benchConfig is 1000 skeleton jails with the default eleven romounts, two
// rwmounts, an alias, devfs and procfs: an already built Config.
func benchConfig() *Config {
	ro := []string{"bin", "sbin", "lib", "libexec", "usr/bin", "usr/sbin", "usr/include", "usr/lib", "usr/libdata", "usr/libexec", "usr/share"}
	cfg := &Config{Enable: true, Jails: make(map[string]*Jail, 1000)}
	for i := range 1000 {
		n := fmt.Sprintf("j%04d", i)
		root := "/jails/" + n
		j := &Jail{
			Name: n, J: n, JV: n, RootDir: root, Hostname: n + ".example.org",
			IPs:   []Addr{{Iface: "em0", Family: "inet", Addr: fmt.Sprintf("10.%d.%d.1", i/256, i%256), Mask: "/32"}},
			Flags: []string{"-l", "-U", "root"}, ExecStart: []string{"/bin/sh", "/etc/rc"},
			ExecStop: []string{"/bin/sh", "/etc/rc.shutdown"}, ConsoleLog: "/var/log/jail_" + n + "_console.log",
			Devfs: true, DevfsRulesetN: 4, Procfs: true,
			Skel: Skel{Enable: true, Root: "/skel", RO: ro, RW: []string{"usr/local", "var/db/pkg"}, Mode: "nullfs", Basedir: "basejail"},
		}
		ents := make([]SkelEntry, 0, 13)
		for _, e := range j.Skel.RO {
			ents = append(ents, SkelEntry{Path: e})
		}
		for _, e := range j.Skel.RW {
			ents = append(ents, SkelEntry{Path: e, RW: true})
		}
		j.Skel.Order = mountOrder(ents)
		cfg.List = append(cfg.List, n)
		cfg.Jails[n] = j
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
			j.Skel.RO = append([]string(nil), j.Skel.RO...)
			j.Skel.RW = append([]string(nil), j.Skel.RW...)
			j.Skel.Order = append([]SkelEntry(nil), j.Skel.Order...)
			out.Jails[n] = &j
		}
		if len(out.Jails) != 1000 {
			b.Fatal("copy lost jails")
		}
	}
}
