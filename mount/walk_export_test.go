//go:build linux || freebsd

package mount

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The walker's verdict must be reachable as a *WalkError naming the very
// component that stopped it (not the path asked for) and a link's content,
// through every entry point; its text must stay what it was before the type
// existed, since callers print it.
func TestWalkErrorNamesTheComponent(t *testing.T) {
	root, _ := walkTree(t)
	must(t, os.WriteFile(filepath.Join(root, "plain"), nil, 0o644))
	type call struct {
		name string
		run  func() error
	}
	calls := func(rel string) []call {
		return []call{
			{"OpenDir", func() error {
				fd, err := OpenDir(filepath.Join(root, rel))
				if err == nil {
					syscall.Close(fd)
				}
				return err
			}},
			{"Resolve", func() error { _, err := Resolve(root, rel); return err }},
			{"MkdirAll", func() error { _, err := MkdirAll(root, rel, 0o755); return err }},
		}
	}
	for _, tc := range []struct {
		rel, comp, link string
		is              error
		text            string // the walker's own wording of the component
	}{
		{"slash/etc", "slash", "/", ErrSymlink, `%q (-> "/") is a symbolic link`},
		{"up/lib", "up", "../outside", ErrSymlink, `%q (-> "../outside") is a symbolic link`},
		{"usr/inside/x", "usr/inside", "lib", ErrSymlink, `%q (-> "lib") is a symbolic link`},
		{"plain/x", "plain", "", syscall.ENOTDIR, `%q is not a directory: not a directory`},
	} {
		comp := filepath.Join(root, tc.comp)
		for _, c := range calls(tc.rel) {
			err := c.run()
			var w *WalkError
			if !errors.As(err, &w) {
				t.Errorf("%s(%s) = %v; want a *WalkError in the chain", c.name, tc.rel, err)
				continue
			}
			if w.Path != comp || w.Link != tc.link {
				t.Errorf("%s(%s): WalkError{Path %q, Link %q}, want {%q, %q}", c.name, tc.rel, w.Path, w.Link, comp, tc.link)
			}
			if !errors.Is(err, tc.is) || (tc.is != ErrSymlink && errors.Is(err, ErrSymlink)) {
				t.Errorf("%s(%s) = %v; want it to be %v only", c.name, tc.rel, err, tc.is)
			}
			if want := fmt.Sprintf(tc.text, comp); w.Error() != want {
				t.Errorf("%s(%s): walker text %q, want %q", c.name, tc.rel, w.Error(), want)
			}
		}
	}

	// A missing component: OpenDir names the first one that is missing,
	// wrapping fs.ErrNotExist and the kernel's ENOENT.
	_, err := OpenDir(filepath.Join(root, "nope", "deeper"))
	var w *WalkError
	if !errors.As(err, &w) || w.Path != filepath.Join(root, "nope") || w.Link != "" ||
		!errors.Is(err, fs.ErrNotExist) || !errors.Is(err, syscall.ENOENT) {
		t.Errorf("OpenDir(nope/deeper) = %v (%+v); want a WalkError at nope, ErrNotExist and ENOENT", err, w)
	}

	// The *Error around it still reads as before: operation, the path
	// asked for, then the walker's words.
	_, err = OpenDir(filepath.Join(root, "slash", "etc"))
	want := fmt.Sprintf(`open %q: %q (-> "/") is a symbolic link`, filepath.Join(root, "slash", "etc"), filepath.Join(root, "slash"))
	if err == nil || err.Error() != want {
		t.Errorf("OpenDir text = %v, want %s", err, want)
	}
}

// A link longer than LinkMax is cut there in Link; the caller can tell
// by its length (rcjail prepare then never takes it as the link it wants).
func TestWalkErrorLongLink(t *testing.T) {
	root, _ := walkTree(t)
	long := strings.Repeat("x/", 1000) // 2000 bytes
	must(t, os.Symlink(long, filepath.Join(root, "long")))
	_, err := Resolve(root, "long")
	var w *WalkError
	if !errors.As(err, &w) || len(w.Link) != LinkMax || w.Link != long[:LinkMax] {
		t.Errorf("Resolve(long) = %v; want a WalkError whose Link is the first %d bytes", err, LinkMax)
	}
}
