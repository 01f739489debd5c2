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
	got := linuxjail.Limits("h", "x", map[string][]string{"jail_a_exec_start": many}, nil, nil, 2<<20)
	if len(got) != 1 || !strings.Contains(got[0], "jail_a_exec_start: its arguments and environment take 3270000 bytes; Linux allows 2097152 here (ARG_MAX)") {
		t.Errorf("Limits = %q", got)
	}
}

// TestStartLimitsCountTheInit: the start command reaches execve(2) inside
// the jail's init (its own arguments and environment, the host name and
// the root among them), so a command that fits ARG_MAX only without them
// is refused by check, not at start; the same command as a hook (run as
// it is) is not.
func TestStartLimitsCountTheInit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Log("not Linux: Limits lists nothing here (TestLimitsStartSubset)")
		return
	}
	const host, root = "www.example.org", "/jails/www"
	argMax := linuxjail.ArgMax(stackLimit())
	over := linuxjail.InitOverhead(host, root)
	if over < int64(len(linuxjail.InitArg0)+len(host)+len(root)) {
		t.Fatalf("InitOverhead = %d, less than its own strings", over)
	}
	// "/bin/echo" then words of 1000 bytes (+ NUL + pointer), PATH as env,
	// padded with one shorter last word to leave exactly over/2 bytes free.
	env := int64(len("PATH=/sbin:/bin:/usr/sbin:/usr/bin")) + 1 + 8
	size := env + int64(len("/bin/echo")) + 1 + 8
	words := []string{"/bin/echo"}
	for size+1009 <= argMax-over/2 {
		words = append(words, strings.Repeat("w", 1000))
		size += 1009
	}
	if last := argMax - over/2 - size - 9; last > 0 {
		words = append(words, strings.Repeat("z", int(last)))
		size += last + 9
	}
	if size > argMax || size+over <= argMax {
		t.Fatalf("test setup: %d bytes, %d with the init, ARG_MAX %d", size, size+over, argMax)
	}
	cmd := strings.Join(words, " ")
	cfg, err := compat.NewConfig(mapVars{
		"jail_enable": "YES", "jail_list": "www",
		"jail_www_rootdir": root, "jail_www_hostname": host,
		"jail_www_exec_start": cmd, "jail_www_exec_prestart0": cmd,
	}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	j := cfg.Jails["www"]
	got := StartLimits(j)
	if len(got) != 1 || !strings.HasPrefix(got[0], "jail_www_exec_start: its arguments and environment take ") {
		t.Fatalf("StartLimits = %q; want the start command over ARG_MAX with the init's %d bytes", got, over)
	}
	for _, e := range Limits(j) {
		if strings.HasPrefix(e, "jail_www_exec_prestart0") {
			t.Errorf("a hook is run as it is, no init around it: %q", e)
		}
	}
}
