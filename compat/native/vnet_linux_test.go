//go:build linux

package native

import (
	"net"
	"os/exec"
	"strings"
	"testing"

	"rcjail/compat"
	"rcjail/mount/mounttest"
)

// A vnet.interface list with a name that does not exist moves nothing: the
// interface named before it stays on the host (moved into the namespace of
// a start that then fails, a veth would be destroyed with it).
func TestVNetSetupMissingInterfaceMovesNothing(t *testing.T) {
	if !mounttest.InNamespace(t) {
		return
	}
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Fatalf("ip(8) is needed to make the veth pair: %v", err)
	}
	if out, err := exec.Command(ip, "link", "add", "vm0", "type", "veth", "peer", "name", "vm1").CombinedOutput(); err != nil {
		t.Fatalf("ip link add: %v\n%s", err, out)
	}
	ns, err := vnetSetup(compat.StartJail{Jail: "vt"}, []string{"vm0", "nosuch0"})
	if err == nil {
		ns.Close()
		t.Fatal("vnetSetup with a missing interface: no error")
	}
	if !strings.Contains(err.Error(), "jail vt") || !strings.Contains(err.Error(), "nosuch0") {
		t.Errorf("error %q does not name the jail and the interface", err)
	}
	for _, n := range []string{"vm0", "vm1"} {
		if _, err := net.InterfaceByName(n); err != nil {
			t.Errorf("%s left the host's namespace: %v", n, err)
		}
	}
}
