package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// rc.subr's warn, err and info write their line ("<$0>: WARNING: msg") to
// the terminal and also give it to logger(1), so that a jail that failed at
// boot leaves its reason in /var/log/messages. rcjail does the same without
// running a program: every line it prints that is such a diagnostic is also
// sent, as logger(1) sends it (facility user, level notice, tagged with the
// login name, the text unchanged), to the host's syslog socket.
//
// Rules, each against a way logging could hurt a boot:
//   - a syslog that is down, missing or slow never fails nor holds up the
//     run: the socket is datagram, written with a deadline, and the first
//     failure turns logging off for the rest of the run;
//   - only the live host logs: under -R (another root, the tests) or -n
//     (which changes nothing) nothing is sent, unless RCJAIL_SYSLOG_SOCKET
//     names a socket (tests inject theirs this way; "none" turns it off).

// syslogSocketEnv names the socket to log to instead of the system's.
const syslogSocketEnv = "RCJAIL_SYSLOG_SOCKET"

// syslogBudget is how long the whole run may spend writing to syslog.
const syslogBudget = 500 * time.Millisecond

// defaultSyslogSocket is where the system's syslogd listens for local
// programs (syslog(3)'s _PATH_LOG).
func defaultSyslogSocket() string {
	if runtime.GOOS == "linux" {
		return "/dev/log"
	}
	return "/var/run/log"
}

// syslogger sends lines to one syslog socket until the first failure.
type syslogger struct {
	conn *net.UnixConn
	tag  string
}

// openSyslog connects to the socket at p; nil when that fails (syslog
// down: nothing is logged and nothing is reported).
func openSyslog(p string) *syslogger {
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: p, Net: "unixgram"})
	if err != nil {
		return nil
	}
	// One deadline for the run: a syslogd that stopped reading costs at
	// most the budget, once.
	c.SetWriteDeadline(time.Now().Add(syslogBudget))
	return &syslogger{conn: c, tag: loginTag()}
}

// loginTag is logger(1)'s default tag: the login name (at boot, root).
func loginTag() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return strconv.Itoa(os.Getuid())
}

// log sends one line as logger(1) would: "<13>Mmm dd hh:mm:ss TAG: LINE"
// (13 is user.notice, logger's default priority).
func (s *syslogger) log(line string) {
	if s == nil || s.conn == nil {
		return
	}
	msg := fmt.Sprintf("<13>%s %s: %s", time.Now().Format(time.Stamp), s.tag, line)
	if _, err := s.conn.Write([]byte(msg)); err != nil {
		s.conn.Close()
		s.conn = nil
	}
}

func (s *syslogger) close() {
	if s != nil && s.conn != nil {
		s.conn.Close()
	}
}

// syslogTee passes everything to w and sends to s each complete line that
// is one of rc.subr's diagnostics: "<name>: WARNING: …", "<name>: ERROR: …"
// or "<name>: INFO: …".
type syslogTee struct {
	w    io.Writer
	s    *syslogger
	name string
	buf  []byte
}

func (t *syslogTee) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	t.buf = append(t.buf, p[:n]...)
	for {
		// bytes, not strings.IndexByte(string(t.buf)): that copies the
		// whole rest of the buffer per line, quadratic in a large write
		// (show --json of many jails is one Write).
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			break
		}
		line := string(t.buf[:i])
		t.buf = t.buf[i+1:]
		if rest, ok := strings.CutPrefix(line, t.name+": "); ok &&
			(strings.HasPrefix(rest, "WARNING: ") || strings.HasPrefix(rest, "ERROR: ") || strings.HasPrefix(rest, "INFO: ")) {
			t.s.log(line)
		}
	}
	if len(t.buf) > 64<<10 {
		t.buf = nil // no diagnostic is that long: not a line we log
	}
	return n, err
}

// startSyslog wraps g's stdout and stderr so that diagnostics also go to
// syslog (see the rules above); the returned function closes the socket.
func startSyslog(g *Globals) func() {
	p, set := os.LookupEnv(syslogSocketEnv)
	switch {
	case set && (p == "" || p == "none"):
		return func() {}
	case !set && ((g.Root != "" && g.Root != "/") || g.DryRun):
		return func() {}
	case !set:
		p = defaultSyslogSocket()
	}
	s := openSyslog(p)
	if s == nil {
		return func() {}
	}
	g.Stdout = &syslogTee{w: g.Stdout, s: s, name: g.Name}
	g.Stderr = &syslogTee{w: g.Stderr, s: s, name: g.Name}
	return s.close
}
