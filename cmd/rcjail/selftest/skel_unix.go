//go:build linux || freebsd

package selftest

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
