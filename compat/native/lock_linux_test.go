package native

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestLockKeyedByVariableName: "a-b" and "a_b" read the same jail_a_b_*
// variables, so they are one jail and take one lock (issue 12, item 4); a
// jail of another variable name is not held up.
func TestLockKeyedByVariableName(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	a, err := New(Options{Root: root, LockWait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := New(Options{Root: root, LockWait: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.LockJail(ctx, "a-b"); err != nil {
		t.Fatalf("lock a-b: %v", err)
	}
	if err := b.LockJail(ctx, "a_b"); err == nil || !strings.Contains(err.Error(), "another rcjail") {
		t.Errorf("lock a_b while a-b is held: %v, want a refusal", err)
	}
	if err := b.LockJail(ctx, "a.b"); err == nil {
		t.Errorf("lock a.b while a-b is held: no refusal")
	}
	if err := b.LockJail(ctx, "ab"); err != nil {
		t.Errorf("lock ab: %v", err)
	}
	a.Release("a-b")
	if err := b.LockJail(ctx, "a_b"); err != nil {
		t.Errorf("lock a_b after a-b's release: %v", err)
	}
}
