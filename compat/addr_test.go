package compat

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The element forms of jail_<jv>_ip and the exact mask strings the 8.x
// script appends (reference C14 and §7.1).
func TestParseIPList(t *testing.T) {
	for _, tc := range []struct {
		in, iface string
		want      []Addr
	}{
		{"192.0.2.10", "", []Addr{{Family: "inet", Addr: "192.0.2.10", Mask: "/32"}}},
		{"192.0.2.10", "em0", []Addr{{Iface: "em0", Family: "inet", Addr: "192.0.2.10", Mask: "/32"}}},
		{"192.0.2.10,lo1|10.1.1.1/24", "em0", []Addr{
			{Iface: "em0", Family: "inet", Addr: "192.0.2.10", Mask: "/32"},
			{Iface: "lo1", Family: "inet", Addr: "10.1.1.1", Mask: "/24"}}},
		{"2001:db8::10", "em0", []Addr{{Iface: "em0", Family: "inet6", Addr: "2001:db8::10", Mask: "/128"}}},
		{"2001:db8::10/64", "", []Addr{{Family: "inet6", Addr: "2001:db8::10", Mask: "/64"}}},
		{"10.0.0.1/255.255.255.0", "em0", []Addr{{Iface: "em0", Family: "inet", Addr: "10.0.0.1", Mask: " netmask 255.255.255.0"}}},
		{"10.0.0.1 netmask 255.255.0.0", "em0", []Addr{{Iface: "em0", Family: "inet", Addr: "10.0.0.1", Mask: " netmask 255.255.0.0"}}},
		{"vlan0.100|10.0.0.1/0", "", []Addr{{Iface: "vlan0.100", Family: "inet", Addr: "10.0.0.1", Mask: "/0"}}},
		{"fe80::1%em0", "em0", []Addr{{Iface: "em0", Family: "inet6", Addr: "fe80::1%em0", Mask: "/128"}}},
		// Issue 10 item 4: what the script skips or word-splits away.
		{"192.0.2.30,192.0.2.31,", "", []Addr{{Family: "inet", Addr: "192.0.2.30", Mask: "/32"}, {Family: "inet", Addr: "192.0.2.31", Mask: "/32"}}},
		{"192.0.2.10, em1|192.0.2.11", "em0", []Addr{
			{Iface: "em0", Family: "inet", Addr: "192.0.2.10", Mask: "/32"},
			{Iface: "em1", Family: "inet", Addr: "192.0.2.11", Mask: "/32"}}},
		{"\tem1 |192.0.2.11", "", []Addr{{Iface: "em1", Family: "inet", Addr: "192.0.2.11", Mask: "/32"}}},
		{"|192.0.2.1", "em0", []Addr{{Iface: "em0", Family: "inet", Addr: "192.0.2.1", Mask: "/32"}}},
		{"192.0.2.1,,192.0.2.2", "", []Addr{{Family: "inet", Addr: "192.0.2.1", Mask: "/32"}, {Family: "inet", Addr: "192.0.2.2", Mask: "/32"}}},
		{"192.0.2.1, 192.0.2.2", "", []Addr{{Family: "inet", Addr: "192.0.2.1", Mask: "/32"}}},
		{",", "", nil},
		{"em1|junk|192.0.2.3", "", []Addr{{Iface: "em1", Family: "inet", Addr: "192.0.2.3", Mask: "/32"}}},
	} {
		got, _, err := parseIPList(tc.in, tc.iface)
		if err != nil {
			t.Errorf("parseIPList(%q): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("parseIPList(%q) (-want +got)\n%s", tc.in, d)
		}
	}
}

func TestParseIPListRefused(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{"192.0.2.300", `address "192.0.2.300": not an IPv4 or IPv6 address`},
		{"www.example.org", `address "www.example.org": not an IPv4 or IPv6 address`},
		{"192.0.2.1/33", `address "192.0.2.1/33": prefix length "/33" is not /0../32`},
		{"192.0.2.1/x", `address "192.0.2.1/x": prefix length "/x" is not /0../32`},
		{"192.0.2.1/255.0.255.0", `address "192.0.2.1/255.0.255.0": netmask "255.0.255.0" is not a contiguous IPv4 netmask`},
		{"192.0.2.1 netmask 1.2.3", `address "192.0.2.1 netmask 1.2.3": netmask "1.2.3" is not a contiguous IPv4 netmask`},
		{"192.0.2.1 junk", `address "192.0.2.1 junk": " junk" is not /len, /a.b.c.d or " netmask a.b.c.d"`},
		{"2001:db8::1/129", `address "2001:db8::1/129": IPv6 prefix "/129" is not /0../128`},
		{"2001:db8::1 prefixlen 64", `address "2001:db8::1 prefixlen 64": IPv6 prefix " prefixlen 64" is not /0../128`},
		{"::ffff:192.0.2.1", `address "::ffff:192.0.2.1": IPv4-mapped IPv6 address (write the IPv4 address)`},
		{"em0;reboot|192.0.2.1", `address "em0;reboot|192.0.2.1": interface "em0;reboot": contains ";"`},
		{"-x|192.0.2.1", `address "-x|192.0.2.1": interface "-x": starts with "-"`},
		{"/24", `address "/24": no address`},
		{`fe80::1%em0"x`, `address "fe80::1%em0\"x": scope zone "em0\"x": contains "\""`},
		{"fe80::1%-x", `address "fe80::1%-x": scope zone "-x": starts with "-"`},
	} {
		_, _, err := parseIPList(tc.in, "")
		if err == nil {
			t.Errorf("parseIPList(%q) accepted", tc.in)
			continue
		}
		if err.Error() != tc.msg {
			t.Errorf("parseIPList(%q)\n got %s\nwant %s", tc.in, err, tc.msg)
		}
	}
}

// The skips warn: an empty element inside the list as the script's
// jail_extract_address does, a blank-led address with rcjail's own words.
func TestParseIPListWarnings(t *testing.T) {
	_, w, err := parseIPList("192.0.2.1,,192.0.2.2,", "")
	if err != nil || len(w) != 1 || w[0] != "jail_extract_address: called without input" {
		t.Errorf("got %q %v", w, err)
	}
	_, w, err = parseIPList("192.0.2.1, 192.0.2.2", "")
	if err != nil || len(w) != 1 || w[0] != `address " 192.0.2.2" in "192.0.2.1, 192.0.2.2" starts with a blank: skipped, as the 8.x script skips it` {
		t.Errorf("got %q %v", w, err)
	}
	_, w, err = parseIPList("192.0.2.30,192.0.2.31,", "")
	if err != nil || len(w) != 0 {
		t.Errorf("trailing comma: got %q %v", w, err)
	}
	// A blank inside an interface name is two words for the script's
	// ifconfig: refused.
	if _, _, err := parseIPList("em 1|192.0.2.1", ""); err == nil {
		t.Errorf("em 1 accepted")
	}
}

// An invalid address refuses the jail with the variable, file:line and the
// element named.
func TestIPErrorNamesVariable(t *testing.T) {
	j := mustConfig(t, with("jail_www_ip_multi0=192.0.2.11,10.0.0.999"), nil).Jails["www"]
	want := []string{`/etc/rc.conf:6: jail www: jail_www_ip_multi0="192.0.2.11,10.0.0.999": address "10.0.0.999": not an IPv4 or IPv6 address`}
	if d := cmp.Diff(want, errStrings(j)); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	// A bad interface knob names the interface variable.
	j = mustConfig(t, with("jail_interface=em0 em1"), nil).Jails["www"]
	if got := strings.Join(errStrings(j), "\n"); !strings.Contains(got, `/etc/rc.conf:6: jail www: jail_interface="em0 em1": interface contains " "`) {
		t.Errorf("interface error: %s", got)
	}
}

// FuzzParseIPList: whatever is accepted is one of the forms the script
// produces, and never carries a character ifconfig or a shell would act on.
func FuzzParseIPList(f *testing.F) {
	for _, s := range []string{"192.0.2.10", "192.0.2.10,lo1|10.1.1.1/24", "2001:db8::10", "10.0.0.1/255.255.255.0",
		"10.0.0.1 netmask 255.0.0.0", "a|b|c", ",", "1.2.3.4/", "::/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		as, _, err := parseIPList(s, "em0")
		if err != nil {
			return
		}
		for _, a := range as {
			if a.Family != "inet" && a.Family != "inet6" {
				t.Fatalf("%q: family %q", s, a.Family)
			}
			if strings.ContainsAny(a.Iface+a.Addr, " ;|&$`'\"\\\n") {
				t.Fatalf("%q: unsafe %+v", s, a)
			}
			if !strings.HasPrefix(a.Mask, "/") && !strings.HasPrefix(a.Mask, " netmask ") {
				t.Fatalf("%q: mask %q", s, a.Mask)
			}
		}
	})
}
