//go:build !linux && !freebsd

package mount

import (
	"errors"
	"testing"
)

func TestUnsupportedEverywhereElse(t *testing.T) {
	root := t.TempDir()
	if _, err := Mount(Request{FSType: TmpFS, Root: root, Target: "x"}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Mount = %v", err)
	}
	if err := Unmount(Expect{FSType: TmpFS, Root: root, Target: "x"}); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Unmount = %v", err)
	}
	if _, err := Table(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Table = %v", err)
	}
	if _, err := Resolve(root, "x"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Resolve = %v", err)
	}
	if _, err := MkdirAll(root, "x", 0o755); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("MkdirAll = %v", err)
	}
}
