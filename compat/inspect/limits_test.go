package inspect

import (
	"runtime"
	"strings"
	"testing"

	"rcjail/compat"
	"rcjail/compat/native/linuxjail"
)

// mapVars is an rc.conf outcome from a map.
type mapVars map[string]string

func (v mapVars) Get(name string) (string, bool) { s, ok := v[name]; return s, ok }

// TestLimitsStartSubset: on Linux, Limits names every variable over a
// limit (host name, start command, hooks); StartLimits only the two that
// make the jail's own start fail (a hook over a limit fails alone). The
// jail is built by compat.NewConfig.
func TestLimitsStartSubset(t *testing.T) {
	word := strings.Repeat("x", linuxjail.MaxArgStrlen)
	cfg, err := compat.NewConfig(mapVars{
		"jail_enable": "YES", "jail_list": "www",
		"jail_www_rootdir":        "/jails/www",
		"jail_www_hostname":       strings.Repeat("h", 65),
		"jail_www_exec_start":     "/bin/echo " + word,
		"jail_www_exec_prestart0": "/bin/echo " + word,
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	j := cfg.Jails["www"]
	all, start := Limits(j), StartLimits(j)
	if runtime.GOOS != "linux" {
		if all != nil || start != nil {
			t.Errorf("not Linux: Limits %q, StartLimits %q", all, start)
		}
		return
	}
	has := func(got []string, v string) bool {
		for _, s := range got {
			if strings.HasPrefix(s, v+" ") || strings.HasPrefix(s, v+":") {
				return true
			}
		}
		return false
	}
	for _, v := range []string{"jail_www_hostname", "jail_www_exec_start", "jail_www_exec_prestart0"} {
		if !has(all, v) {
			t.Errorf("Limits lacks %s: %q", v, all)
		}
	}
	if len(start) != 2 || !has(start, "jail_www_hostname") || !has(start, "jail_www_exec_start") {
		t.Errorf("StartLimits = %q, want the host name and the start command only", start)
	}
}

func TestArgMax(t *testing.T) {
	for _, c := range []struct{ stack, want int64 }{
		{8 << 20, 2 << 20}, {0, 6 << 20}, {64 << 20, 6 << 20}, {64 << 10, 128 << 10},
	} {
		if got := linuxjail.ArgMax(c.stack); got != c.want {
			t.Errorf("ArgMax(%d) = %d, want %d", c.stack, got, c.want)
		}
	}
	many := make([]string, 0, 30000)
	for i := 0; i < 30000; i++ {
		many = append(many, strings.Repeat("a", 100))
	}
	got := linuxjail.Limits("h", "x", map[string][]string{"jail_a_exec_start": many}, nil, 2<<20)
	if len(got) != 1 || !strings.Contains(got[0], "jail_a_exec_start: its arguments and environment take 3270000 bytes; Linux allows 2097152 here (ARG_MAX)") {
		t.Errorf("Limits = %q", got)
	}
}
