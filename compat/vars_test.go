package compat

import (
	"io/fs"
	"strings"
	"testing"
)

// fakeVars is a Vars that knows where each variable was set: every variable
// is given as "name=value" and placed on its own line of /etc/rc.conf, in
// order, so tests can assert file:line in messages.
type fakeVars struct {
	vals  map[string]string
	lines map[string]int
	file  string
}

func rc(assigns ...string) *fakeVars {
	f := &fakeVars{vals: map[string]string{}, lines: map[string]int{}, file: "/etc/rc.conf"}
	for i, a := range assigns {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			panic("bad assignment " + a)
		}
		f.vals[k] = v
		f.lines[k] = i + 1
	}
	return f
}

func (f *fakeVars) Get(name string) (string, bool) { v, ok := f.vals[name]; return v, ok }

func (f *fakeVars) Origin(name string) (string, int, bool) {
	l, ok := f.lines[name]
	return f.file, l, ok
}

// mapFS is an FS over a map of host paths.
type mapFS map[string]string

func (m mapFS) ReadFile(name string) ([]byte, error) {
	s, ok := m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return []byte(s), nil
}

var base = []string{
	"jail_enable=YES",
	"jail_list=www",
	"jail_www_rootdir=/jails/www",
	"jail_www_hostname=www.example.org",
	"jail_www_ip=192.0.2.10",
}

func with(extra ...string) *fakeVars { return rc(append(append([]string(nil), base...), extra...)...) }

func mustConfig(t *testing.T, v Vars, fsys FS, names ...string) *Config {
	t.Helper()
	c, err := NewConfig(v, fsys, names)
	if err != nil {
		t.Fatalf("NewConfig: %v", err)
	}
	return c
}

func errStrings(j *Jail) []string {
	var out []string
	for _, e := range j.Errors {
		out = append(out, e.Error())
	}
	return out
}

// skelPaths is the paths of the skeleton entries of one list (rw: the
// skel_rwmounts entries), in mount order; nil when there are none.
func skelPaths(s Skel, rw bool) []string {
	var out []string
	for _, e := range s.Entries {
		if e.RW == rw {
			out = append(out, e.Path)
		}
	}
	return out
}
