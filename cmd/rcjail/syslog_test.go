package main

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// listenLog binds a datagram socket, syslogd's /var/run/log, in a fresh
// directory (closed when the test ends) and returns its path and the socket.
func listenLog(t *testing.T) (string, *net.UnixConn) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "log.sock")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return sock, l
}

// A syslogd that stops reading must not hold up the run: once the socket's
// queue is full, the next write fails at the run's deadline and logging is
// off for the rest of the run. (Were a write blocking, this test would hang.)
func TestSyslogNeverBlocks(t *testing.T) {
	sock, _ := listenLog(t) // bound, never read
	s := openSyslog(sock)
	if s == nil {
		t.Fatal("openSyslog: nil with a listener there")
	}
	defer s.close()
	line := "rcjail: WARNING: " + strings.Repeat("x", 2000)
	for i := 0; i < 1_000_000 && s.conn != nil; i++ {
		s.log(line)
	}
	if s.conn != nil {
		t.Fatal("a million writes to a socket nobody reads all succeeded; the queue never filled")
	}
	s.log(line) // off: a no-op, no panic
}

// Which runs log: the live host (-R /) does; -R another root or -n does not
// unless a socket is named; "none" turns it off.
func TestSyslogWhen(t *testing.T) {
	sock, _ := listenLog(t)
	for _, c := range []struct {
		env  string
		set  bool
		root string
		dry  bool
		want bool
	}{
		{sock, true, "/elsewhere", false, true},
		{sock, true, "/", true, true},
		{"none", true, "/", false, false},
		{"", true, "/", false, false},
		{filepath.Join(t.TempDir(), "missing.sock"), true, "/", false, false},
		{"", false, "/elsewhere", false, false},
		{"", false, "/", true, false},
	} {
		if c.set {
			t.Setenv(syslogSocketEnv, c.env)
		}
		var out, errb bytes.Buffer
		g := &Globals{Root: c.root, DryRun: c.dry, Name: "rcjail", Stdout: &out, Stderr: &errb}
		closer := startSyslog(g)
		_, tee := g.Stderr.(*syslogTee)
		closer()
		if tee != c.want {
			t.Errorf("env %q (set %v), -R %s, -n %v: logging %v, want %v", c.env, c.set, c.root, c.dry, tee, c.want)
		}
	}
}

// The tee passes every byte through and logs only whole diagnostic lines
// of this program's name.
func TestSyslogTee(t *testing.T) {
	sock, l := listenLog(t)
	s := openSyslog(sock)
	s.tag = "root"
	var w bytes.Buffer
	tee := &syslogTee{w: &w, s: s, name: "/etc/rc.d/jail"}
	in := "/etc/rc.d/jail: WARN" + "ING: half\nStarting jails: www.\n/etc/rc.d/jail: ERROR: bad\nother: ERROR: not ours\n/etc/rc.d/jail: INFO: info\n/etc/rc.d/jail: WARNING: no newline"
	for _, chunk := range []string{in[:10], in[10:30], in[30:]} {
		tee.Write([]byte(chunk))
	}
	s.close()
	if w.String() != in {
		t.Errorf("passed through %q, want %q", w.String(), in)
	}
	var got []string
	buf := make([]byte, 4096)
	for {
		n, err := l.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		msg := string(buf[:n])
		_, text, _ := strings.Cut(msg, " root: ")
		if !strings.HasPrefix(msg, "<13>") {
			t.Errorf("message %q: not user.notice", msg)
		}
		got = append(got, text)
		if len(got) == 3 {
			break
		}
	}
	want := []string{"/etc/rc.d/jail: WARNING: half", "/etc/rc.d/jail: ERROR: bad", "/etc/rc.d/jail: INFO: info"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("logged %q, want %q", got, want)
	}
}
