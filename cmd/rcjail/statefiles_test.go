package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"rcjail/mount/mounttest"
)

// hostileKinds plants, at p, one kind of file rcjail must neither block on
// nor read whole: name → function that makes it.
func hostileKinds(t *testing.T) map[string]func(p string) {
	t.Helper()
	kinds := map[string]func(p string){
		"fifo": func(p string) { cfMust(t, syscall.Mkfifo(p, 0o600)) },
		"socket": func(p string) {
			l, err := net.Listen("unix", p)
			cfMust(t, err)
			t.Cleanup(func() { l.Close() })
		},
		"huge": func(p string) {
			f, err := os.Create(p)
			cfMust(t, err)
			cfMust(t, f.Truncate(1<<30))
			f.Close()
		},
		"symlink-to-zero": func(p string) { cfMust(t, os.Symlink("/dev/zero", p)) },
		"symlink-to-fifo": func(p string) {
			cfMust(t, syscall.Mkfifo(p+".target", 0o600))
			cfMust(t, os.Symlink(filepath.Base(p)+".target", p))
		},
	}
	if os.Geteuid() == 0 {
		// /dev/zero's own node: endless to read.
		kinds["chardev-zero"] = func(p string) { cfMust(t, syscall.Mknod(p, syscall.S_IFCHR|0o600, 1<<8|5)) }
	}
	return kinds
}

// TestStateFilesNeverBlock: no start, stop or status blocks (for more than
// a second) on any file rcjail reads or writes when it is a FIFO, a socket,
// a device, a huge file or a symlink, with either backend.
func TestStateFilesNeverBlock(t *testing.T) {
	// As root the native start really runs (and fails: the jail root is
	// empty): do it in a private mount namespace.
	if os.Geteuid() == 0 && !mounttest.InNamespace(t) {
		return
	}
	files := []string{
		"var/run/jail_www.id",
		"var/log/jail_www_console.log",
		"var/run/rcjail/www.lock",
		"var/run/rcjail/www.json",
		"var/run/rcjail/www.journal",
	}
	for kind, plant := range hostileKinds(t) {
		for _, f := range files {
			for _, backend := range []string{"native", "command"} {
				jails := t.TempDir()
				cfMust(t, os.Mkdir(filepath.Join(jails, "www"), 0o755))
				root := checkRoot(t, `jail_enable="YES"
jail_list="www"
jail_www_rootdir="`+jails+`/www"
jail_www_hostname="www.example.org"
jail_www_exec_start="/bin/sh /etc/rc"
`)
				cfMust(t, os.MkdirAll(filepath.Join(root, "var/run/rcjail"), 0o700))
				cfMust(t, os.MkdirAll(filepath.Join(root, "var/log"), 0o755))
				p := filepath.Join(root, f)
				plant(p)
				for _, verb := range []string{"status", "onestart", "onestop", "status"} {
					what := kind + " " + f + " " + backend + " " + verb
					done := make(chan [3]string, 1)
					go func() {
						st, out, e := runArgs("-R", root, "-b", backend, verb, "www")
						done <- [3]string{string(rune('0' + st)), out, e}
					}()
					select {
					case r := <-done:
						if verb == "onestart" && (f == "var/run/jail_www.id" || f == "var/log/jail_www_console.log") && kind != "huge" && !(kind == "chardev-zero" && strings.HasSuffix(f, ".log")) {
							// Refused before anything is done, with the
							// file and its type named.
							name := filepath.Base(f)
							if r[0] != "1" || !strings.Contains(r[1], `cannot start jail "www"`) || !strings.Contains(r[2], name+": is a ") {
								t.Errorf("%s: status %s, stdout %q, stderr %q; want the refusal naming %s", what, r[0], r[1], r[2], name)
							}
						}
					case <-time.After(time.Second):
						t.Fatalf("%s: blocked for more than a second", what)
					}
				}
			}
		}
	}
}

// TestStateFileMessages: the exact words status and start use for a
// hostile id file or console log.
func TestStateFileMessages(t *testing.T) {
	jails := t.TempDir()
	root := checkRoot(t, `jail_enable="YES"
jail_list="www"
jail_www_rootdir="`+jails+`/www"
jail_www_hostname="www.example.org"
`)
	cfMust(t, os.MkdirAll(filepath.Join(root, "var/run"), 0o755))
	cfMust(t, os.MkdirAll(filepath.Join(root, "var/log"), 0o755))
	id := filepath.Join(root, "var/run/jail_www.id")
	cfMust(t, syscall.Mkfifo(id, 0o600))
	_, out, _ := runArgs("-R", root, "status", "www")
	if want := "  error: open " + id + ": is a named pipe, not a regular file\n"; !strings.Contains(out, want) {
		t.Errorf("status with a FIFO id file:\n%s\nwant the line %q", out, want)
	}
	st, out, e := runArgs("-R", root, "-b", "command", "onestart", "www")
	if want := "rcjail: ERROR: jail www: check " + id + ": is a named pipe, not a regular file\n"; st != 1 || !strings.Contains(e, want) {
		t.Errorf("start (command) with a FIFO id file: %d\n%s%s\nwant %q", st, out, e, want)
	}
	st, _, e = runArgs("-R", root, "-b", "native", "onestart", "www")
	if want := "rcjail: ERROR: jail www: check /var/run/jail_www.id: is a named pipe, not a regular file\n"; st != 1 || !strings.Contains(e, want) {
		t.Errorf("start (native) with a FIFO id file: %d\n%s\nwant %q", st, e, want)
	}
	cfMust(t, os.Remove(id))

	// A huge id file: its first line, read through a short prefix.
	f, err := os.Create(id)
	cfMust(t, err)
	f.WriteString("2147483646\n")
	cfMust(t, f.Truncate(1<<30))
	f.Close()
	_, out, _ = runArgs("-R", root, "status", "www")
	if want := "  stale: id file /var/run/jail_www.id names jid 2147483646, which is not running\n"; !strings.Contains(out, want) {
		t.Errorf("status with a huge id file:\n%s\nwant the line %q", out, want)
	}
	cfMust(t, os.Remove(id))

	log := filepath.Join(root, "var/log/jail_www_console.log")
	cfMust(t, syscall.Mkfifo(log, 0o600))
	st, out, e = runArgs("-R", root, "-b", "command", "onestart", "www")
	if want := "rcjail: ERROR: jail www: check " + log + ": is a named pipe, not a regular file or character device\n"; st != 1 || !strings.Contains(e, want) || !strings.HasSuffix(out, "Starting jails: cannot start jail \"www\": \n.\n") {
		t.Errorf("start with a FIFO console log: %d\n%q\n%s\nwant %q", st, out, e, want)
	}
}

// TestStatusEscapes: a value with control characters, a bidi override or a
// line separator is printed quoted, so it can neither forge a line of the
// report nor reorder what the terminal shows.
func TestStatusEscapes(t *testing.T) {
	jails := t.TempDir()
	for _, c := range []struct{ host, want string }{
		{"evil\u202etxt.exe", `host "evil\u202etxt.exe"`},
		{"a\u2028b", `host "a\u2028b"`},
		{"a\u2066b\u2069", `host "a\u2066b\u2069"`},
		{"x\x1b[2Jy", `host "x\x1b[2Jy"`},
		{"plain.example.org", `host plain.example.org,`},
	} {
		root := checkRoot(t, `jail_enable="YES"
jail_list="www"
jail_www_rootdir="`+jails+`/www"
jail_www_hostname='`+c.host+`'
`)
		_, out, _ := runArgs("-R", root, "status", "www")
		if !strings.Contains(out, c.want) {
			t.Errorf("hostname %q: status\n%s\nwant %s", c.host, out, c.want)
		}
	}
}
