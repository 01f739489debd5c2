package compat

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func modernJail(t *testing.T, v MapVars) *Jail {
	t.Helper()
	base := MapVars{"jail_enable": "YES", "jail_www_rootdir": "/j/www", "jail_www_hostname": "www"}
	for k, x := range v {
		base[k] = x
	}
	c, err := NewConfig(base, nil, []string{"www"})
	if err != nil {
		t.Fatal(err)
	}
	return c.Jails["www"]
}

func TestModernParams(t *testing.T) {
	for _, c := range []struct {
		name string
		v    MapVars
		want []string
		vnet bool
	}{
		{"legacy only", MapVars{"jail_www_ip": "192.0.2.1", "jail_sysvipc_allow": "YES", "jail_set_hostname_allow": "NO"}, nil, false},
		{"parameters per jail over global", MapVars{"jail_www_ip": "192.0.2.1", "jail_parameters": "allow.mlock", "jail_www_parameters": "allow.raw_sockets=1; a.b+=c"},
			[]string{"allow.raw_sockets=1", "a.b+=c"}, false},
		{"global parameters", MapVars{"jail_www_ip": "192.0.2.1", "jail_parameters": "allow.mlock"}, []string{"allow.mlock"}, false},
		{"booleans", MapVars{"jail_www_ip": "192.0.2.1", "jail_www_socket_unixiproute_only": "NO", "jail_www_set_hostname_allow": "no", "jail_www_sysvipc_allow": "yes"},
			[]string{"allow.raw_sockets=1", "allow.set_hostname=0", "allow.sysvipc=1"}, false},
		{"vnet", MapVars{"jail_www_vnet_interface": "epair0b  epair1b", "jail_www_socket_unixiproute_only": "NO"},
			[]string{"vnet", "vnet.interface=epair0b", "vnet.interface=epair1b"}, true},
		{"vnet ignored with an address", MapVars{"jail_www_ip": "192.0.2.1", "jail_vnet_interface": "epair0b"}, nil, false},
		{"no address, no vnet_interface: 8.x", MapVars{}, nil, false},
		{"statfs and release", MapVars{"jail_enforce_statfs": "0", "jail_www_osrelease": "12.4-RELEASE", "jail_osreldate": "1204000"},
			[]string{"enforce_statfs=0", "osreldate=1204000", "osrelease=12.4-RELEASE"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := modernJail(t, c.v)
			if len(j.Errors) > 0 {
				t.Fatalf("errors: %v", j.Errors)
			}
			if diff := cmp.Diff(c.want, j.Params); diff != "" {
				t.Errorf("Params (-want +got):\n%s", diff)
			}
			if j.VNet != c.vnet {
				t.Errorf("VNet = %v, want %v", j.VNet, c.vnet)
			}
		})
	}
}

func TestModernRefusals(t *testing.T) {
	for _, c := range []struct {
		v   MapVars
		msg string
	}{
		{MapVars{"jail_www_parameters": "path=/"}, "jail_www_rootdir"},
		{MapVars{"jail_www_parameters": "allow.mount command=/bin/sh"}, "exec_start"},
		{MapVars{"jail_www_parameters": "=1"}, "no parameter name"},
		{MapVars{"jail_www_parameters": "a$b=1"}, "not a jail(8) parameter name"},
		{MapVars{"jail_www_enforce_statfs": "3"}, "not 0, 1 or 2"},
		{MapVars{"jail_www_vnet_interface": "bad/if"}, "vnet interface"},
	} {
		j := modernJail(t, c.v)
		if len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error(), c.msg) {
			t.Errorf("%v: errors %v, want one containing %q", c.v, j.Errors, c.msg)
		}
	}
}

func TestJailArgvParamForm(t *testing.T) {
	s := StartJail{J: "www", Flags: []string{"-l", "-U", "root"}, Root: "/j/www", Hostname: "www.example.org",
		IPs: []string{"192.0.2.1", "2001:db8::1", "192.0.2.2"}, Command: []string{"/bin/sh", "/etc/rc"}, Fib: "2"}
	legacy := strings.Join(JailArgv(s), " ")
	if want := "setfib -F 2 jail -l -U root -i /j/www www.example.org 192.0.2.1,2001:db8::1,192.0.2.2 /bin/sh /etc/rc"; legacy != want {
		t.Errorf("legacy form:\n got %s\nwant %s", legacy, want)
	}
	s.Params = []string{"allow.raw_sockets=1"}
	got := strings.Join(JailArgv(s), " ")
	want := "setfib -F 2 jail -l -U root -i -c name=www path=/j/www host.hostname=www.example.org ip4.addr=192.0.2.1,192.0.2.2 ip6.addr=2001:db8::1 allow.raw_sockets=1 command=/bin/sh /etc/rc"
	if got != want {
		t.Errorf("parameter form:\n got %s\nwant %s", got, want)
	}
}

func TestChoices(t *testing.T) {
	j := modernJail(t, MapVars{"jail_www_mount_enable": "NO"})
	got := strings.Join(Choices(j), "\n")
	for _, w := range []string{"no jail_www_ip", "exec_stop"} {
		if !strings.Contains(got, w) {
			t.Errorf("Choices lack %q:\n%s", w, got)
		}
	}
	j = modernJail(t, MapVars{"jail_www_vnet_interface": "e0", "jail_www_exec_stop": "/bin/true"})
	if got := Choices(j); len(got) != 0 {
		t.Errorf("Choices of a VNET jail with its own exec_stop = %q, want none", got)
	}
}

func TestConfWarn(t *testing.T) {
	for _, c := range []struct {
		v    string
		warn bool
	}{{"", false}, {"NO", false}, {"YES", true}} {
		v := MapVars{"jail_enable": "YES", "jail_list": "www", "jail_www_rootdir": "/j/www", "jail_www_hostname": "www", "jail_confwarn": c.v}
		cfg, err := NewConfig(v, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var errb strings.Builder
		r := &Runner{Config: cfg, X: &DryRun{W: io.Discard}, Stdout: io.Discard, Stderr: &errb, Name: "rcjail"}
		r.Run(context.Background(), "start", nil)
		if got := strings.Contains(errb.String(), "jail_confwarn"); got != c.warn {
			t.Errorf("jail_confwarn=%q: warned %v, want %v:\n%s", c.v, got, c.warn, errb.String())
		}
	}
}
