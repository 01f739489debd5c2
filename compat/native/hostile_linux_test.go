package native

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"rcjail/compat"
	"rcjail/compat/state"
	"rcjail/mount/mounttest"
)

// stateFiles lists the names in the state directory.
func (e *env) stateFiles(t *testing.T) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(e.state, state.DirPath))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ents {
		out = append(out, d.Name())
	}
	return out
}

// TestConsoleLogDevNull: a console log that is a character device
// (/dev/null, a common way to drop the console) is valid: the jail starts
// and stops. A clean stop leaves no state file at all (no lock, no journal,
// no record); a running jail leaves only its record.
func TestConsoleLogDevNull(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	e := newEnv(t)
	j := newJail("devnull", e.root)
	j.ConsoleLog = "/dev/null"
	cfMkdir(t, filepath.Join(e.state, "dev"))
	if err := syscall.Mknod(filepath.Join(e.state, "dev/null"), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Fatal(err)
	}
	if st, out := e.run("onestart", nil, j); st != 0 {
		t.Fatalf("start with console log /dev/null: %d\n%s", st, out)
	}
	if got := e.stateFiles(t); !slices.Equal(got, []string{"devnull.json"}) {
		t.Errorf("state files of a running jail = %v, want only its record", got)
	}
	if st, out := e.run("onestop", nil, j); st != 0 {
		t.Fatalf("stop: %d\n%s", st, out)
	}
	waitNoProcs(t, e.root)
	if got := e.stateFiles(t); len(got) != 0 {
		t.Errorf("state files after a clean stop = %v, want none", got)
	}
}

// TestConsoleLogFIFORefusedBeforeJail: a FIFO console log (which would
// hang the write with the jail running and the lock held) refuses the jail
// before anything is done: the start command never runs.
func TestConsoleLogFIFORefusedBeforeJail(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	e := newEnv(t)
	j := newJail("fifo", e.root)
	j.ExecStart = []string{"/bin/sh", "-c", "touch /tmp/ran; exit 0"}
	if err := syscall.Mkfifo(filepath.Join(e.state, "var/log/jail_fifo_console.log"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := e.startRefused(t, j)
	if want := "jail fifo: check /var/log/jail_fifo_console.log: is a named pipe, not a regular file or character device"; !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if _, err := os.Lstat(filepath.Join(e.root, "tmp/ran")); err == nil {
		t.Error("the jail ran before the console log was refused")
	}
	if got := e.stateFiles(t); len(got) != 0 {
		t.Errorf("state files after a refused start = %v, want none", got)
	}
}

func cfMkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestAliasAlreadyPresent: an address already on the interface is found
// in the kernel's address list (not from ip(8)'s error text, which differs
// between iproute2 versions), left alone by start and kept by stop.
func TestAliasAlreadyPresent(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	if out, err := exec.Command("ip", "addr", "add", "192.0.2.31/24", "dev", "lo").CombinedOutput(); err != nil {
		t.Fatalf("ip addr add: %v\n%s", err, out)
	}
	e := newEnv(t)
	j := newJail("present", e.root)
	j.IPs = []compat.Addr{{Iface: "lo", Family: "inet", Addr: "192.0.2.31", Mask: "/24"}}
	if st, out := e.run("onestart", nil, j); st != 0 {
		t.Fatalf("start with the address already there: %d\n%s", st, out)
	}
	if st, out := e.run("onestop", nil, j); st != 0 {
		t.Fatalf("stop: %d\n%s", st, out)
	}
	waitNoProcs(t, e.root)
	if a := loAddrs(t); !strings.Contains(a, "192.0.2.31/24") {
		t.Errorf("stop removed an address it did not add:\n%s", a)
	}
}
