package compat

import (
	"strings"
	"testing"
)

// unknownVars is a MapVars where some names hold values not known without
// running something (rcconf under -R).
type unknownVars struct {
	MapVars
	unk map[string]string
}

func (u unknownVars) Unknown(name string) (string, bool) { why, ok := u.unk[name]; return why, ok }

// TestUnknownKnobRefusesOnlyThatJail: a jail whose knob (per-jail, or the
// global it falls back to) is unknown is refused naming the variable and the
// reason; a jail that does not read it goes on; an unknown value is never
// taken as unset (no fallback to the global or the default).
func TestUnknownKnobRefusesOnlyThatJail(t *testing.T) {
	v := unknownVars{
		MapVars: MapVars{"jail_enable": "YES", "jail_list": "a b c",
			"jail_a_rootdir": "/j/a", "jail_a_hostname": "a", "jail_a_ip": "",
			"jail_b_rootdir": "/j/b", "jail_b_hostname": "b", "jail_b_ip": "192.0.2.2", "jail_b_fib": "1",
			"jail_c_rootdir": "/j/c", "jail_c_hostname": "c", "jail_c_ip": "192.0.2.3", "jail_fib": ""},
		unk: map[string]string{"jail_a_ip": "command substitution $(cat /etc/ip.a) at /etc/rc.conf:5",
			"jail_fib": "command \"sysctl\" at /etc/rc.conf:9"},
	}
	c, err := NewConfig(v, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	errs := func(j *Jail) string {
		var s []string
		for _, e := range j.Errors {
			s = append(s, e.Error())
		}
		return strings.Join(s, "\n")
	}
	a := c.Jails["a"]
	if e := errs(a); !strings.Contains(e, `jail_a_ip="": value unknown without running the rc.conf chain: command substitution $(cat /etc/ip.a) at /etc/rc.conf:5`) {
		t.Errorf("jail a errors = %v, want the unknown jail_a_ip named with its reason", a.Errors)
	}
	if b := c.Jails["b"]; len(b.Errors) != 0 {
		t.Errorf("jail b sets its own fib and must go on: %v", b.Errors)
	}
	cj := c.Jails["c"]
	if e := errs(cj); !strings.Contains(e, "jail_fib") {
		t.Errorf("jail c falls back to the unknown jail_fib: errors %v", cj.Errors)
	}
	v.unk = map[string]string{"jail_list": "command substitution $(ls /etc/jails.d) at /etc/rc.conf:2"}
	c, err = NewConfig(v, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(c.Warnings, "\n"), "jail_list: value unknown") {
		t.Errorf("an unknown jail_list gives no warning: %q", c.Warnings)
	}
}

// TestUnknownRequiredKnobOneError: an unknown rootdir or hostname is one
// error, the unknown one; it is not also "no … has been defined" (it is
// defined, by something -R does not run) nor a path problem of "".
func TestUnknownRequiredKnobOneError(t *testing.T) {
	v := unknownVars{
		MapVars: MapVars{"jail_enable": "YES", "jail_list": "a b",
			"jail_a_rootdir": "/j/a", "jail_a_hostname": "", "jail_a_ip": "192.0.2.1",
			"jail_b_rootdir": "", "jail_b_hostname": "b", "jail_b_ip": "192.0.2.2"},
		unk: map[string]string{"jail_a_hostname": "command substitution $(hostname -s) at /etc/rc.conf:3",
			"jail_b_rootdir": "command substitution $(zfs get -H -o value mountpoint z/b) at /etc/rc.conf:6"},
	}
	c, err := NewConfig(v, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		j := c.Jails[n]
		if len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error(), "value unknown without running the rc.conf chain") {
			t.Errorf("jail %s: errors %v, want exactly the unknown value's", n, j.Errors)
		}
	}
}
