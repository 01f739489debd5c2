package main

import (
	"os"
	"runtime"
	"strings"
	"testing"

	"rcjail/compat/native/linuxjail"
)

// TestCheckLinuxLimits: on Linux, check finds a host name over 64 bytes and
// a start command over the kernel's argument limits, in Linux's terms.
func TestCheckLinuxLimits(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux limits")
	}
	jails := t.TempDir()
	cfMust(t, os.Mkdir(jails+"/www", 0o755))
	cfMust(t, os.Mkdir(jails+"/ok", 0o755))
	long := strings.Repeat("h", 65)
	word := strings.Repeat("x", linuxjail.MaxArgStrlen)
	root := checkRoot(t, `jail_enable="YES"
jail_list="www ok"
jail_www_rootdir="`+jails+`/www"
jail_www_hostname="`+long+`"
jail_www_exec_start="/bin/echo `+word+`"
jail_ok_rootdir="`+jails+`/ok"
jail_ok_hostname="`+strings.Repeat("h", 64)+`"
`)
	st, out, e := runArgs("-R", root, "check")
	if st != 1 {
		t.Errorf("status %d, want 1", st)
	}
	for _, want := range []string{
		"jail www: jail_www_hostname is 65 bytes; Linux allows a host name of at most 64 (HOST_NAME_MAX): sethostname(2) would refuse it",
		"jail www: jail_www_exec_start: word 2 is 131072 bytes; Linux allows a single argument of at most 131071 (MAX_ARG_STRLEN): execve(2) would refuse it",
	} {
		if !strings.Contains(e, want) {
			t.Errorf("stderr lacks %q:\n%s", want, e)
		}
	}
	if strings.Contains(e, "ERROR: jail ok:") || strings.Contains(e, "WARNING: jail ok:") || !strings.Contains(out, "jail ok: ok\n") || !strings.Contains(out, "jail www: cannot start, 2 errors\n") {
		t.Errorf("a 64-byte host name is fine:\n%s%s", out, e)
	}
}
