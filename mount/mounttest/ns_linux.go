package mounttest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

const envMarker = "RCJAIL_MOUNTTEST_NS"

// InNamespace runs the calling test again in a child process that has its own
// mount and network namespaces (Go remounts / recursively private there), and
// reports whether the caller is that child. Use it as the first line of a root
// test:
//
//	if !mounttest.InNamespace(t) {
//		return // the child ran the test body; its result is already reported
//	}
//
// In the parent it checks that the host's /proc/self/mountinfo is the same
// before and after, which proves the test left the host untouched.
func InNamespace(t *testing.T) bool {
	t.Helper()
	RequireRoot(t)
	if os.Getenv(envMarker) == t.Name() {
		return true
	}
	before := readMountinfo(t)
	cmd := exec.Command(os.Args[0], "-test.run=^"+anchoredName(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), envMarker+"="+t.Name())
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWNET}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil || bytes.Contains(out.Bytes(), []byte("--- FAIL")) {
		t.Errorf("test in private namespace failed: %v\n%s", err, out.String())
	} else if testing.Verbose() {
		t.Logf("private namespace output:\n%s", out.String())
	}
	if !bytes.Contains(out.Bytes(), []byte("--- PASS")) && err == nil {
		t.Errorf("test in private namespace ran nothing:\n%s", out.String())
	}
	if after := readMountinfo(t); after != before {
		t.Errorf("host mount table changed by the test:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	return false
}

func readMountinfo(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatalf("read mount table: %v", err)
	}
	return string(b)
}

// anchoredName turns a (sub)test name into a -test.run pattern that matches it
// alone: each level is quoted and anchored.
func anchoredName(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = regexpQuote(p)
	}
	return strings.Join(parts, "$/^")
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
