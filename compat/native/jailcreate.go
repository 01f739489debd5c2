package native

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"rcjail/compat"
)

// The FreeBSD native start (sys_freebsd.go) makes the jail itself instead
// of running jail(8)'s old-style command line, so that the jail's jid is
// known — and recorded through the start's created callback — before its
// start command runs (issue 12: a kill of rcjail during /etc/rc leaves a
// record naming the jail). It does what jail(8) does for that command
// line: create the jail with jail_set(2), persistent while its command
// runs; run the command attached to the jail (jexec(8), which sets up the
// user and login class inside the jail exactly as jail(8) does for its
// command); then clear persist, so that the jail lives as long as a
// process does, the lifetime of the 8.x script's `jail … command`; and
// remove the jail if anything fails after it exists, as jail(8) does when
// its command fails. Everything here is portable and tested on Linux; the
// system calls are jailset_freebsd.go's.

// jail_set(2) flags (sys/jail.h).
const (
	jailCreate = 0x01 // JAIL_CREATE
	jailUpdate = 0x02 // JAIL_UPDATE
)

// jailErrmsgLen is the size of the buffer the kernel writes its error
// text into (the "errmsg" parameter).
const jailErrmsgLen = 1024

// jailParam is one jail_set(2) parameter: its name and its value in the
// kernel's binary form. A nil Value is a flag ("persist", "allow.nomount"):
// the kernel looks only at whether the name is present.
type jailParam struct {
	Name  string
	Value []byte
}

func strParam(name, v string) jailParam { return jailParam{name, append([]byte(v), 0)} }

func intParam(name string, n int32) jailParam {
	return jailParam{name, binary.NativeEndian.AppendUint32(nil, uint32(n))}
}

// iovecParts lays ps out as jail_set(2) takes them: name, value, name,
// value …, each name NUL-terminated, a flag's value empty.
func iovecParts(ps []jailParam) [][]byte {
	parts := make([][]byte, 0, 2*len(ps))
	for _, p := range ps {
		parts = append(parts, append([]byte(p.Name), 0), p.Value)
	}
	return parts
}

// kernelMessage is the NUL-terminated text the kernel left in an errmsg
// buffer ("" when it left none).
func kernelMessage(b []byte) string {
	if i := slices.Index(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// createSpec is a native start: the jail's parameters and how its start
// command runs.
type createSpec struct {
	Root    string
	Params  []jailParam // path, host.hostname, ip4.addr, ip6.addr, securelevel
	Jexec   []string    // jexec(8) options: -l, -U USER or -u USER
	Fib     string      // "" for none: setfib(1) in front of jexec, as in front of jail(8)
	Command []string
}

// nativeCreate maps s onto a native start. why is "" when the mapping is
// exact; otherwise it says what only jail(8) does, and the start runs
// jail(8) as before (its jid known only once its command ran):
// the modern parameter form, options other than -l, -U, -u, -s and -i
// (-h resolves the hostname, -J writes a file, -n names the jail and makes
// jail(8) split the command differently, -c/-m/-r change the operation),
// -l without a user (jail(8) reads the jail's passwd for it, jexec(8) the
// host's), and any address jail(8) would treat other than as a bare
// address.
func nativeCreate(s compat.StartJail) (c createSpec, why string) {
	if len(s.Params) > 0 {
		return c, "jail(8) parameters"
	}
	if len(s.Command) == 0 {
		return c, "no start command"
	}
	var clean, secure bool
	var user, userOpt, level string
	for i := 0; i < len(s.Flags); i++ {
		w := s.Flags[i]
		if len(w) < 2 || w[0] != '-' || w == "--" {
			return c, fmt.Sprintf("jail(8) argument %q", w)
		}
		// getopt: letters run together; a letter taking an argument
		// takes the rest of the word, or the next word.
		for j := 1; j < len(w); j++ {
			switch o := w[j]; o {
			case 'l':
				clean = true
			case 'i':
			case 'U', 'u', 's':
				arg := w[j+1:]
				if arg == "" {
					if i+1 >= len(s.Flags) {
						return c, fmt.Sprintf("jail(8) option -%c without its argument", o)
					}
					i++
					arg = s.Flags[i]
				}
				j = len(w)
				if o == 's' {
					if secure {
						return c, "jail(8) option -s twice"
					}
					secure, level = true, arg
					continue
				}
				if userOpt != "" {
					return c, "jail(8) options -u/-U twice"
				}
				userOpt, user = "-"+string(o), arg
			default:
				return c, fmt.Sprintf("jail(8) option -%c", o)
			}
		}
	}
	if clean && userOpt == "" {
		return c, "jail(8) option -l without -U or -u"
	}
	c.Params = []jailParam{strParam("path", s.Root), strParam("host.hostname", s.Hostname)}
	if secure {
		n, err := strconv.ParseInt(level, 10, 32)
		if err != nil {
			return createSpec{}, fmt.Sprintf("securelevel %q", level)
		}
		c.Params = append(c.Params, intParam("securelevel", int32(n)))
	}
	// jail(8) splits its address argument at commas and takes what
	// parses as IPv6 for ip6.addr, the rest for ip4.addr.
	var ip4, ip6 []byte
	if joined := strings.Join(s.IPs, ","); joined != "" {
		for _, a := range strings.Split(joined, ",") {
			ip, err := netip.ParseAddr(a)
			if err != nil || ip.Zone() != "" {
				return createSpec{}, fmt.Sprintf("address %q", a)
			}
			if strings.Contains(a, ":") {
				b := ip.As16()
				ip6 = append(ip6, b[:]...)
			} else {
				b := ip.As4()
				ip4 = append(ip4, b[:]...)
			}
		}
	}
	if ip4 != nil {
		c.Params = append(c.Params, jailParam{"ip4.addr", ip4})
	}
	if ip6 != nil {
		c.Params = append(c.Params, jailParam{"ip6.addr", ip6})
	}
	if clean {
		c.Jexec = append(c.Jexec, "-l")
	}
	if userOpt != "" {
		c.Jexec = append(c.Jexec, userOpt, user)
	}
	c.Root, c.Fib, c.Command = s.Root, s.Fib, s.Command
	return c, ""
}

// startArgv runs the start command in jail jid: `[setfib -F FIB] jexec
// OPTIONS JID COMMAND…`. jexec's options end at the jid, so no word of
// the command is read as one.
func (c createSpec) startArgv(jid int) []string {
	var argv []string
	if c.Fib != "" {
		argv = append(argv, "setfib", "-F", c.Fib)
	}
	argv = append(argv, "jexec")
	argv = append(argv, c.Jexec...)
	argv = append(argv, strconv.Itoa(jid))
	return append(argv, c.Command...)
}

// legacyAllow are the security.jail.* sysctls from which jail(8) takes a
// new jail's allow.* parameters for its old-style command line (the 8.x
// script sets them from rc.conf just before): rev inverts the sense.
var legacyAllow = []struct {
	sysctl, param string
	rev           bool
}{
	{"security.jail.set_hostname_allowed", "allow.set_hostname", false},
	{"security.jail.sysvipc_allowed", "allow.sysvipc", false},
	{"security.jail.allow_raw_sockets", "allow.raw_sockets", false},
	{"security.jail.chflags_allowed", "allow.chflags", false},
	{"security.jail.mount_allowed", "allow.mount", false},
	{"security.jail.socket_unixiproute_only", "allow.socket_af", true},
}

// allowParams are the allow.* flags jail(8) would add: none when rcjail
// itself runs in a jail (security.jail.jailed is not 0, or unreadable),
// and none for a sysctl this kernel lacks.
func allowParams(sysctl func(string) (uint32, error)) []jailParam {
	if v, err := sysctl("security.jail.jailed"); err != nil || v != 0 {
		return nil
	}
	var ps []jailParam
	for _, a := range legacyAllow {
		v, err := sysctl(a.sysctl)
		if err != nil {
			continue
		}
		name := a.param
		if (v != 0) == a.rev {
			dot := strings.LastIndexByte(name, '.')
			name = name[:dot+1] + "no" + name[dot+1:]
		}
		ps = append(ps, jailParam{Name: name})
	}
	return ps
}

// jailOps are a native start's kernel calls and its one program;
// sys_freebsd.go gives the real ones, tests give recorders.
type jailOps interface {
	// set is jail_set(2): the jid, or an error with the kernel's message.
	set(ps []jailParam, flags int) (int, error)
	// remove is jail_remove(2); a jail already gone is not an error.
	remove(jid int) error
	// run runs the start command, its stdout and stderr together.
	run(ctx context.Context, argv []string) ([]byte, error)
}

// createAndStart makes the jail (persistent), reports its jid through
// created before anything runs in it, runs the start command in it and
// clears persist. A failure after the jail exists removes it and names the
// jail, its jid, the operation and the cause. The output is the start
// command's (the console log's), also on failure.
func createAndStart(ctx context.Context, ops jailOps, name string, c createSpec, extra []jailParam, created func(int) error) (int, []byte, error) {
	ps := slices.Concat(c.Params, extra, []jailParam{{Name: "persist"}})
	jid, err := ops.set(ps, jailCreate)
	if err != nil {
		return 0, nil, fmt.Errorf("jail %s: create in %s (jail_set): %w", name, c.Root, err)
	}
	undo := func(op string, cause error) error {
		if rerr := ops.remove(jid); rerr != nil {
			return fmt.Errorf("jail %s (jid %d): %s: %w; remove the jail: %w", name, jid, op, cause, rerr)
		}
		return fmt.Errorf("jail %s (jid %d): %s: %w (the jail was removed)", name, jid, op, cause)
	}
	// The one line the record hangs on: the jail exists, nothing runs in
	// it yet.
	if err := created(jid); err != nil {
		return 0, nil, undo("record its jid", err)
	}
	out, err := ops.run(ctx, c.startArgv(jid))
	if err != nil {
		return 0, out, undo("start command", err)
	}
	if _, err := ops.set([]jailParam{intParam("jid", int32(jid)), {Name: "nopersist"}}, jailUpdate); err != nil {
		return 0, out, undo("clear persist (jail_set nopersist)", err)
	}
	return jid, out, nil
}
