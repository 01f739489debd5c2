package mount

import (
	"path"
	"strings"
	"testing"
)

// The one-pass lexical checks must say exactly what the path-package
// definitions they replaced say, on clean and unclean paths alike.
func TestLexicalChecksMatchPathPackage(t *testing.T) {
	comps := []string{"", ".", "..", "a", "usr", "b.c", "..x", ".x"}
	var rels []string
	for _, a := range comps {
		rels = append(rels, a)
		for _, b := range comps {
			rels = append(rels, a+"/"+b)
			for _, c := range comps {
				rels = append(rels, a+"/"+b+"/"+c)
			}
		}
	}
	rels = append(rels, "/", "//", "/a", "a//b", "a/", "/a/")
	for _, rel := range rels {
		wantRel := !(rel == "" || rel == "." || path.IsAbs(rel) || path.Clean(rel) != rel || rel == ".." || strings.HasPrefix(rel, "../"))
		if got := PlainRel(rel); got != wantRel {
			t.Errorf("PlainRel(%q) = %v, want %v", rel, got, wantRel)
		}
		abs := "/" + rel
		if got, want := isCleanAbs(abs), path.IsAbs(abs) && path.Clean(abs) == abs; got != want {
			t.Errorf("isCleanAbs(%q) = %v, want %v", abs, got, want)
		}
		if got, want := isCleanAbs(rel), path.IsAbs(rel) && path.Clean(rel) == rel; got != want {
			t.Errorf("isCleanAbs(%q) = %v, want %v", rel, got, want)
		}
	}
	within0 := func(dir, p string) bool { return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/") }
	paths := []string{"/", "/j", "/j/a", "/j/ab", "/j/a/b", "/ja", "/j/a/b/c", "/k/a"}
	for _, d := range paths {
		for _, p := range paths {
			if got, want := Within(d, p), within0(d, p); got != want {
				t.Errorf("Within(%q, %q) = %v, want %v", d, p, got, want)
			}
		}
	}
	for _, root := range []string{"/j", "/j/a"} {
		for _, rel := range []string{"a", "a/b", "b", "ab"} {
			for _, p := range paths {
				if got, want := withinJoined(root, rel, p), within0(path.Join(root, rel), p); got != want {
					t.Errorf("withinJoined(%q, %q, %q) = %v, want %v", root, rel, p, got, want)
				}
			}
		}
	}
}
