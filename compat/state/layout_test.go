package state

import "testing"

func TestLayoutNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{IDFile("www"), "/var/run/jail_www.id"},
		{ConsoleLog("a_b"), "/var/log/jail_a_b_console.log"},
		{Key("../x"), "___x"},
		{Key(""), "_"},
		{Key("a-b"), "a_b"},
		{Key("a.b/c@d"), "a_b_c_d"},
		{Key("é"), "__"}, // two bytes
		{LockName("www"), "www.lock"},
		{RecordName("a/b"), "a_b.json"},
		{JournalName(".."), "__.journal"},
		{SysctlName("security.jail.sysvipc_allowed"), "sysctl.security.jail.sysvipc_allowed"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	for _, c := range []struct {
		name, j string
		ok      bool
	}{
		{"jail_www.id", "www", true},
		{"jail_.id", "", false},
		{"jail_x.idx", "", false},
		{"xjail_x.id", "", false},
	} {
		if j, ok := IDFileJail(c.name); j != c.j || ok != c.ok {
			t.Errorf("IDFileJail(%q) = %q, %v; want %q, %v", c.name, j, ok, c.j, c.ok)
		}
	}
	for _, c := range []struct {
		name, k string
		ok      bool
	}{
		{"www.json", "www", true},
		{"www.json.tmp", "", false},
		{".json", "", false},
		{"a.b.json", "a.b", false}, // not a Key: not a record of ours
	} {
		if k, ok := RecordKey(c.name); ok != c.ok || ok && k != c.k {
			t.Errorf("RecordKey(%q) = %q, %v; want %q, %v", c.name, k, ok, c.k, c.ok)
		}
	}
	for p, want := range map[string]bool{"/var/run/jail_www.id": true, "/var/run/x/jail_www.id": false, "/var/run/jail_.id": false, "/run/jail_www.id": false} {
		if IsIDFile(p) != want {
			t.Errorf("IsIDFile(%q) = %v", p, !want)
		}
	}
}
