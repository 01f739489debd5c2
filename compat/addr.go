package compat

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// parseIPList parses one jail_<jv>_ip / ip_multi<N> value like the 8.x
// script's jail_handle_ips_option and jail_extract_address: a comma list of
// [iface|]addr[/len | /a.b.c.d | " netmask a.b.c.d"]. The interface falls
// back to iface (the interface knob).
//
// What the script skips is skipped (SPEC §0, §3.1): an empty element (a
// trailing comma, ",,"), and an element whose address part starts with a
// blank (" 192.0.2.2": the script cuts the address at its first blank and
// gets nothing). Blanks around an interface name are dropped, as the
// script's unquoted ${_iface} loses them to word splitting (", em1|addr"),
// and an empty interface before "|" falls back to the interface knob, as
// in the script. Each skip is returned as a warning.
//
// Anything else that is not a well-formed address refuses the jail, where
// the script warned and went on with half-parsed addresses: the address
// list becomes jail(8) and ifconfig(8) arguments, and a wrong alias on a
// host interface is hard to undo.
func parseIPList(val, iface string) ([]Addr, []string, error) {
	var out []Addr
	var warns []string
	els := strings.Split(val, ",")
	for i, el := range els {
		if el == "" {
			if i < len(els)-1 {
				// The script's loop hands the empty element to
				// jail_extract_address, which warns; a trailing comma ends
				// the loop silently.
				warns = append(warns, "jail_extract_address: called without input")
			}
			continue
		}
		a, err := parseAddr(el, iface)
		if errors.Is(err, errBlankAddr) {
			warns = append(warns, fmt.Sprintf("address %q in %q starts with a blank: skipped, as the 8.x script skips it", el, val))
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("address %q: %w", el, err)
		}
		out = append(out, a)
	}
	return out, warns, nil
}

// errBlankAddr: the address part of an element starts with a blank.
var errBlankAddr = errors.New("address starts with a blank")

// ifsBlanks are the characters the script's word splitting (default IFS)
// drops around a word.
const ifsBlanks = " \t\n"

func parseAddr(el, iface string) (Addr, error) {
	rest := el
	if i := strings.IndexByte(el, '|'); i >= 0 {
		// The script takes the interface up to the first "|" and the
		// address after the last one (${_i%%|*}, ${_i##*|}); whatever is
		// between is ignored, as there.
		if name := strings.Trim(el[:i], ifsBlanks); name != "" {
			iface = name
		}
		rest = el[strings.LastIndexByte(el, '|')+1:]
	}
	if rest != "" && strings.ContainsRune(ifsBlanks, rune(rest[0])) {
		return Addr{}, errBlankAddr
	}
	if iface != "" {
		if msg := ifaceProblem(iface); msg != "" {
			return Addr{}, fmt.Errorf("interface %q: %s", iface, msg)
		}
	}
	// The address ends at the first "/" or space, as in the script.
	cut := strings.IndexAny(rest, "/ ")
	addr, mask := rest, ""
	if cut >= 0 {
		addr, mask = rest[:cut], rest[cut:]
	}
	if addr == "" {
		return Addr{}, fmt.Errorf("no address")
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return Addr{}, fmt.Errorf("not an IPv4 or IPv6 address")
	}
	a := Addr{Iface: iface, Addr: addr}
	switch {
	case ip.Is4():
		a.Family = "inet"
		m, err := inetMask(mask)
		if err != nil {
			return Addr{}, err
		}
		a.Mask = m
	case ip.Is4In6():
		// The script's pattern match calls "::ffff:1.2.3.4" inet (it has
		// three dots) and then hands an IPv6 address to "ifconfig inet".
		return Addr{}, fmt.Errorf("IPv4-mapped IPv6 address (write the IPv4 address)")
	default:
		a.Family = "inet6"
		if z := ip.Zone(); z != "" {
			// A scope zone is an interface name; netip accepts any text
			// there, ifconfig and a shell would not.
			if msg := ifaceProblem(z); msg != "" {
				return Addr{}, fmt.Errorf("scope zone %q: %s", z, msg)
			}
		}
		switch {
		case mask == "":
			a.Mask = "/128"
		case mask[0] == '/' && validLen(mask[1:], 128):
			a.Mask = mask
		default:
			return Addr{}, fmt.Errorf("IPv6 prefix %q is not /0../128", mask)
		}
	}
	return a, nil
}

// inetMask gives the IPv4 mask exactly as the script appends it to the
// address: "/32" by default, "/N" as given, "/a.b.c.d" and " netmask a.b.c.d"
// both as " netmask a.b.c.d".
func inetMask(mask string) (string, error) {
	switch {
	case mask == "":
		return "/32", nil
	case strings.HasPrefix(mask, "/") && strings.Contains(mask, "."):
		if !validNetmask(mask[1:]) {
			return "", fmt.Errorf("netmask %q is not a contiguous IPv4 netmask", mask[1:])
		}
		return " netmask " + mask[1:], nil
	case strings.HasPrefix(mask, "/"):
		if !validLen(mask[1:], 32) {
			return "", fmt.Errorf("prefix length %q is not /0../32", mask)
		}
		return mask, nil
	case strings.HasPrefix(mask, " netmask "):
		if !validNetmask(mask[len(" netmask "):]) {
			return "", fmt.Errorf("netmask %q is not a contiguous IPv4 netmask", mask[len(" netmask "):])
		}
		return mask, nil
	}
	return "", fmt.Errorf("%q is not /len, /a.b.c.d or \" netmask a.b.c.d\"", mask)
}

func validLen(s string, max int) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(s)
	return err == nil && n <= max
}

func validNetmask(s string) bool {
	ip, err := netip.ParseAddr(s)
	if err != nil || !ip.Is4() {
		return false
	}
	b := ip.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	// Contiguous: the inverted mask plus one is a power of two.
	inv := ^v
	return inv&(inv+1) == 0
}

// ifaceProblem checks an interface name. It becomes an ifconfig(8) argument
// (and a word of a sh command line with the command backend), so only the
// characters interface names use are accepted, and no leading "-" (an option).
func ifaceProblem(s string) string {
	if s[0] == '-' {
		return "starts with \"-\""
	}
	if len(s) > 15 {
		return "longer than 15 characters (IFNAMSIZ)"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return fmt.Sprintf("contains %q", string(c))
		}
	}
	return ""
}
