package main

import "testing"

// TestSysrcReplace: enable/disable change only the value of the assignment,
// as sysrc(8) does; the indentation and whatever follows the value (a
// comment, another command) stay as the administrator wrote them.
func TestSysrcReplace(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{`jail_enable="NO"`, `jail_enable="YES"`, true},
		{`jail_enable="NO"   # second`, `jail_enable="YES"   # second`, true},
		{"\t  jail_enable='NO' # quoted", "\t  jail_enable='YES' # quoted", true},
		{`jail_enable=NO # bare`, `jail_enable="YES" # bare`, true},
		{`jail_enable=NO; jail_list="www"`, `jail_enable="YES"; jail_list="www"`, true},
		{`jail_enable=`, `jail_enable="YES"`, true},
		{`jail_enable= # empty`, `jail_enable="YES" # empty`, true},
		{`jail_enable="N\"O" # escaped`, `jail_enable="YES" # escaped`, true},
		{`jail_enable="NO`, `jail_enable="YES"`, true},
		{`jail_enable=$(echo NO) # computed`, `jail_enable=$(echo NO) # computed`, false},
		{"jail_enable=`echo NO`", "jail_enable=`echo NO`", false},
		{`jail_enable=\NO`, `jail_enable=\NO`, false},
	} {
		got, ok := sysrcReplace(c.in, "YES")
		if got != c.want || ok != c.ok {
			t.Errorf("sysrcReplace(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
