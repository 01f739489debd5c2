package native

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"rcjail/compat"
)

// A VNET jail on Linux (the modern script's vnet and vnet.interface
// parameters, SPEC §1 "Modern additions"): the jail gets a network
// namespace of its own and each vnet.interface is moved into it before the
// jail's init starts, as jail(8) moves the interfaces into a VNET jail.

// vnetParams splits a jail's parameters into the VNET ones and the rest.
func vnetParams(params []string) (vnet bool, ifaces, rest []string) {
	for _, p := range params {
		switch {
		case p == "vnet" || p == "vnet=new":
			vnet = true
		case strings.HasPrefix(p, "vnet.interface="):
			ifaces = append(ifaces, strings.TrimPrefix(p, "vnet.interface="))
		default:
			rest = append(rest, p)
		}
	}
	return vnet, ifaces, rest
}

// vnetSetup makes the jail's network namespace and moves ifaces into it.
// The caller starts the jail in it (linuxjail.Spec.NetNS) and closes it.
func vnetSetup(s compat.StartJail, ifaces []string) (*os.File, error) {
	// Every name is looked up before any interface moves: a misspelt
	// second name must not leave the first in a namespace that dies with
	// the failed start (a veth or vlan is destroyed with it, not returned).
	idx := make([]int, len(ifaces))
	for k, i := range ifaces {
		ifi, err := net.InterfaceByName(i)
		if err != nil {
			return nil, fmt.Errorf("start jail %s: vnet.interface %s: %w", s.Jail, i, err)
		}
		idx[k] = ifi.Index
	}
	ns, err := newNetNS()
	if err != nil {
		return nil, fmt.Errorf("start jail %s: vnet: %w", s.Jail, err)
	}
	for k, i := range ifaces {
		if err := moveLink(idx[k], ns); err != nil {
			ns.Close()
			return nil, fmt.Errorf("start jail %s: vnet.interface %s: %w", s.Jail, i, err)
		}
	}
	return ns, nil
}

// newNetNS creates a network namespace and returns a descriptor of it; the
// calling thread is back in its own namespace when it returns.
func newNetNS() (*os.File, error) {
	runtime.LockOSThread()
	host, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("open this thread's network namespace: %w", err)
	}
	defer host.Close()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("unshare network namespace: %w", err)
	}
	ns, nerr := os.Open("/proc/thread-self/ns/net")
	if err := unix.Setns(int(host.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread stays locked and in the new namespace: it exits with
		// this goroutine instead of serving others from the wrong network.
		if nerr == nil {
			ns.Close()
		}
		return nil, fmt.Errorf("return to the host network namespace: %w", err)
	}
	runtime.UnlockOSThread()
	if nerr != nil {
		return nil, fmt.Errorf("open the new network namespace: %w", nerr)
	}
	return ns, nil
}

// moveLink moves the interface of index into the network namespace ns,
// as `ip link set NAME netns FD`: an RTM_NEWLINK with IFLA_NET_NS_FD.
func moveLink(index int, ns *os.File) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	// nlmsghdr (16) + ifinfomsg (16) + rtattr IFLA_NET_NS_FD u32 (8).
	const size = unix.SizeofNlMsghdr + unix.SizeofIfInfomsg + 8
	b := make([]byte, size)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], size)
	ne.PutUint16(b[4:], unix.RTM_NEWLINK)
	ne.PutUint16(b[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK)
	ne.PutUint32(b[8:], 1) // sequence
	o := unix.SizeofNlMsghdr
	b[o] = unix.AF_UNSPEC
	ne.PutUint32(b[o+4:], uint32(index))
	o += unix.SizeofIfInfomsg
	ne.PutUint16(b[o:], 8)
	ne.PutUint16(b[o+2:], unix.IFLA_NET_NS_FD)
	ne.PutUint32(b[o+4:], uint32(ns.Fd()))
	if err := unix.Sendto(fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink send: %w", err)
	}
	rb := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, rb, 0)
	if err != nil {
		return fmt.Errorf("netlink receive: %w", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(rb[:n])
	if err != nil {
		return fmt.Errorf("netlink reply: %w", err)
	}
	for _, m := range msgs {
		if m.Header.Type == unix.NLMSG_ERROR && len(m.Data) >= 4 {
			if e := int32(ne.Uint32(m.Data[0:4])); e != 0 {
				return fmt.Errorf("move to the jail's network namespace: %w", unix.Errno(-e))
			}
			return nil
		}
	}
	return fmt.Errorf("netlink: no acknowledgement")
}
