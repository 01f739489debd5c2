package rcconf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzLoad: arbitrary rc.conf text never panics, never runs a program (the
// canary would leave a marker) and never reads outside the root (a host
// file's content never shows in a value or an error).
func FuzzLoad(f *testing.F) {
	for _, c := range semCases {
		f.Add(c.src)
	}
	for i, v := range fastValues {
		f.Add("v" + string(rune('a'+i%26)) + "=" + v + "\n")
	}
	for _, s := range []string{
		"x=$(rcconf-canary)\n", "rcconf-canary\n", "`rcconf-canary`\n", "f() { rcconf-canary; }; f\n",
		". SECRET\n", "read x < SECRET\n", "x=$(cat SECRET)\n", "[ -r SECRET ] && . SECRET\n",
		"echo x > OUT\n", "exec 3>OUT\n", "sleep 1 &\n", "a | b\n", ". <(x)\n",
		"while :; do :; done\n", "f() { f; }; f\n", ". /etc/rc.conf\n", "x=a; while :; do x=$x$x; done\n",
		"readonly r=1; r=2\n", "IFS=:\n", "alias a=b\n", "if then\n", "${x?y}\n", "eval 'eval \"x=1\"'\n",
		"printf '%99999s'\n", "case x in *) y=1;; esac\n", "for i in /*; do l=\"$l $i\"; done\n",
	} {
		f.Add(s)
	}
	root := f.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		f.Fatal(err)
	}
	outside := f.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("leak=FUZZSECRET\nFUZZSECRET\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(root, "etc", "rc.conf.local")); err != nil {
		f.Fatal(err)
	}
	bin := f.TempDir()
	marker := filepath.Join(bin, "ran")
	prog := filepath.Join(bin, "rcconf-canary")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\ntouch '"+marker+"'\n"), 0o755); err != nil {
		f.Fatal(err)
	}
	out := filepath.Join(outside, "out")
	f.Fuzz(func(t *testing.T, src string) {
		src = strings.NewReplacer("SECRET", secret, "OUT", out, "rcconf-canary", prog).Replace(src)
		if err := os.WriteFile(filepath.Join(root, "etc", "rc.conf"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		v, err := Load(context.Background(), Options{
			Root: root, Env: []string{"PATH=" + bin, "TMPDIR=" + outside},
			Timeout: 300 * time.Millisecond, MaxCommands: 200000, MaxDepth: 200, MaxValueLen: 1 << 20,
		})
		if _, serr := os.Stat(marker); serr == nil {
			t.Fatalf("a program ran for %q", src)
		}
		if _, serr := os.Stat(out); serr == nil {
			t.Fatalf("a file was written for %q", src)
		}
		if err != nil {
			if v != nil {
				t.Fatalf("variables returned with error %v", err)
			}
			if strings.Contains(err.Error(), "FUZZSECRET") {
				t.Fatalf("host file content in the error: %v", err)
			}
			return
		}
		for _, n := range v.Names() {
			if s, _ := v.Get(n); strings.Contains(s, "FUZZSECRET") {
				t.Fatalf("host file content in %s for %q", n, src)
			}
		}
	})
}

// FuzzFastPath: whenever the fast path takes an assignment line, it gives
// the same value (or the same failure) as the parser path.
func FuzzFastPath(f *testing.F) {
	for _, v := range fastValues {
		f.Add(v)
	}
	pre := "pre=www.example.org\nempty=\nnum=21\n"
	f.Fuzz(func(t *testing.T, val string) {
		if strings.ContainsAny(val, "\n\x00") {
			return
		}
		if _, ok := (&runner{}).fastLine("v="+val+"\n", 0, 1, false); !ok {
			return
		}
		opts := Options{Env: []string{}, Timeout: time.Second, MaxCommands: 1000}
		opts.Root = tree(t, map[string]string{"etc/rc.conf": pre + "v=" + val + "\n"})
		vf, errf := Load(context.Background(), opts)
		opts.Root = tree(t, map[string]string{"etc/rc.conf": pre + ":; v=" + val + "\n"})
		vs, errs := Load(context.Background(), opts)
		if errf == nil && errs != nil && strings.Contains(errs.Error(), "invalid UTF-8") {
			// Only in a comment after the value: the fast path skips
			// comments unread, the parser checks their encoding.
			return
		}
		if (errf == nil) != (errs == nil) {
			t.Fatalf("v=%s: fast error %v, parser error %v", val, errf, errs)
		}
		if errf != nil {
			return
		}
		if a, b := getOr(vf, "v"), getOr(vs, "v"); a != b {
			t.Fatalf("v=%s: fast %q, parser %q", val, a, b)
		}
	})
}
