package compat

import (
	"os"
	"strings"
	"testing"
)

func TestLookupKnob(t *testing.T) {
	for _, c := range []struct {
		name, knob, jv string
		ok             bool
	}{
		{"jail_enable", "jail_enable", "", true},
		{"jail_www_rootdir", "rootdir", "www", true},
		{"jail_my_jail_exec_start", "exec_start", "my_jail", true},
		{"jail_www_exec", "exec", "www", true},
		{"jail_exec_start", "exec_start", "", true},
		{"jail_www_ip_multi12", "ip_multi", "www", true},
		{"jail_www_ip_multi", "", "", false},
		{"jail_www_exec_afterstart1", "exec_afterstart", "www", true},
		{"jail_www_parameters", "parameters", "www", true},
		{"jail_parameters", "parameters", "", true},
		{"jail_www_vnet_interface", "vnet_interface", "www", true},
		{"jail_www_set_hostname_allow", "set_hostname_allow", "www", true},
		{"jail_set_hostname_allow", "jail_set_hostname_allow", "", true},
		{"jail_www_rootdri", "", "", false},
		{"jail_rootdir", "", "", false}, // rootdir has no global form
		{"jail__rootdir", "", "", false},
		{"sshd_enable", "", "", false},
	} {
		k, jv, ok := LookupKnob(c.name)
		if ok != c.ok || k.Name != c.knob || jv != c.jv {
			t.Errorf("LookupKnob(%q) = %q, %q, %v; want %q, %q, %v", c.name, k.Name, jv, ok, c.knob, c.jv, c.ok)
		}
	}
}

// Every knob NewConfig records for a jail must be in the table, so that the
// typo lint never calls a knob rcjail reads a typo.
func TestKnobsCoverSettings(t *testing.T) {
	v := MapVars{"jail_enable": "YES", "jail_www_rootdir": "/j/www", "jail_www_hostname": "www"}
	c, err := NewConfig(v, nil, []string{"www"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.Host {
		if _, _, ok := LookupKnob(s.Var); !ok {
			t.Errorf("host setting %s is not in Knobs", s.Var)
		}
	}
	for _, s := range c.Jails["www"].Settings {
		if _, _, ok := LookupKnob(s.Var); !ok {
			t.Errorf("jail setting %s is not in Knobs", s.Var)
		}
	}
}

// doc/rcjail.8 says, for every knob of the table, which script it comes
// from: a knob added to the table must be added there too.
func TestKnobsDocumented(t *testing.T) {
	data, err := os.ReadFile("../doc/rcjail.8")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i := strings.Index(doc, ".Ss Where each knob comes from")
	if i < 0 {
		t.Fatal("doc/rcjail.8 has no section \"Where each knob comes from\"")
	}
	sec := doc[i:]
	if k := strings.Index(sec[1:], "\n.S"); k >= 0 {
		sec = sec[:k+1]
	}
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(sec, func(r rune) bool { return r == ' ' || r == '\n' || r == ',' }) {
		words[w] = true
	}
	for _, k := range Knobs {
		if !words[k.Name] {
			t.Errorf("knob %s (%s) is not in doc/rcjail.8's \"Where each knob comes from\"", k.Name, k.From)
		}
	}
}
