//go:build linux || freebsd

package selftest

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"rcjail/compat/state"
)

// elfNeeds returns the interpreter and the libraries (transitively) a
// dynamic executable needs; nothing for a static one.
func elfNeeds(exe string) ([]string, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, err := io.ReadAll(p.Open())
			if err != nil {
				return nil, err
			}
			out = append(out, strings.TrimRight(string(b), "\x00"))
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	queue := []string{exe}
	seen := map[string]bool{}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		ef, err := elf.Open(cur)
		if err != nil {
			return nil, err
		}
		libs, err := ef.ImportedLibraries()
		ef.Close()
		if err != nil {
			return nil, err
		}
		for _, l := range libs {
			if seen[l] {
				continue
			}
			seen[l] = true
			found := ""
			for _, d := range libDirs {
				if st, err := os.Stat(filepath.Join(d, l)); err == nil && st.Mode().IsRegular() {
					found = filepath.Join(d, l)
					break
				}
			}
			if found == "" {
				return nil, fmt.Errorf("library %s of %s: not found in %s", l, cur, strings.Join(libDirs, " "))
			}
			if !slices.Contains(out, found) {
				out = append(out, found)
				queue = append(queue, found)
			}
		}
	}
	return out, nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return out.Close()
}

// sameName lists what the host (under root) knows of a jail named like one
// of ours: an id file of the script, a record of the native backend.
func sameName(root string) []string {
	if root == "" {
		root = "/"
	}
	fileThere := func(p string) bool { _, err := os.Lstat(p); return err == nil }
	var found []string
	for _, j := range []string{JailNullfs, JailSymlink} {
		for _, p := range []string{state.IDFile(j), state.DirPath + "/" + state.RecordName(j)} {
			if p := state.HostPath(root, p); fileThere(p) {
				found = append(found, p)
			}
		}
	}
	return found
}

// runProbe runs argv (a probe, in a jail) with a deadline and returns its
// output; errNoProbe when it printed nothing.
func runProbe(ctx context.Context, argv []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var errb bytes.Buffer
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Stderr = &errb
	out, err := c.Output()
	if err != nil {
		return out, fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(errb.String()))
	}
	if len(out) == 0 {
		return nil, errNoProbe
	}
	return out, nil
}

// skeleton fills skel: bin/ProbeName, a copy of this binary, and, when it
// is dynamic, the loader and libraries it needs, each at dst(its host path)
// (where the jail's loader looks for it). It returns the skeleton's
// read-only entries.
func skeleton(skel string, dst func(string) string) ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	if err := copyFile(exe, filepath.Join(skel, "bin", ProbeName), 0o555); err != nil {
		return nil, err
	}
	ro := []string{"bin"}
	need, err := elfNeeds(exe)
	if err != nil {
		return nil, err
	}
	for _, p := range need {
		d := dst(p)
		if err := copyFile(p, filepath.Join(skel, d), 0o555); err != nil {
			return nil, err
		}
		top, _, _ := strings.Cut(strings.TrimPrefix(d, "/"), "/")
		if !slices.Contains(ro, top) {
			ro = append(ro, top)
		}
	}
	return ro, nil
}
