package mount

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

// Security.md §7 case 3: while a goroutine keeps exchanging the real target
// directory with a symlink to a directory outside the root
// (renameat2(RENAME_EXCHANGE), atomic), mount and unmount until 500 mounts
// have succeeded. After every attempt the kernel's table must show no mount
// anywhere but the intended path, and nothing outside the root may change.
func TestRaceSwapTargetForSymlink(t *testing.T) {
	forEachAPI(t, func(t *testing.T) {
		swapRace(t, Mount, Unmount)
	})
}

// swapRace runs the race of TestRaceSwapTargetForSymlink with the given
// mount and unmount functions and
// fails t unless at least 500 mounts succeeded while the swapper really ran
// and no mount ever landed anywhere but the target.
func swapRace(t *testing.T, mountFn func(Request) (*Mounted, error), unmountFn func(Expect) error) {
	t.Helper()
	const want = 500
	tr := newTree(t)
	target := filepath.Join(tr.root, "t")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(tr.outside, filepath.Join(tr.root, "l")); err != nil {
		t.Fatal(err)
	}
	outBefore := listTree(t, tr.outside)
	rootfd, err := unix.Open(tr.root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(rootfd)

	var stop atomic.Bool
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if unix.Renameat2(rootfd, "t", rootfd, "l", unix.RENAME_EXCHANGE) == nil {
				swaps.Add(1)
			}
		}
	}()
	defer func() { stop.Store(true); wg.Wait() }()

	req := Request{FSType: NullFS, Source: filepath.Join(tr.skel, "usr/lib"), Root: tr.root, Target: "t", ReadOnly: true}
	var ok, symlink, escaped, other int
	for attempt := 0; ok < want && attempt < 100*want; attempt++ {
		m, err := mountFn(req)
		for _, p := range mountsUnder(t, tr.dir) {
			if p != target {
				t.Fatalf("attempt %d: a mount landed on %q (Mount: %v)", attempt, p, err)
			}
		}
		switch {
		case err == nil:
			ok++
			// A mount point cannot be renamed, so the swapper is
			// stuck until we unmount.
			if err := unmountFn(m.Expect()); err != nil {
				t.Fatalf("unmount after success %d: %v", ok, err)
			}
		case errors.Is(err, ErrSymlink), errors.Is(err, unix.ELOOP), errors.Is(err, unix.ENOTDIR):
			// refused: a symlink (or, an instant earlier, a
			// non-directory) was on the path when it was opened
			symlink++
		case errors.Is(err, ErrEscaped):
			escaped++ // landed on the moved directory, caught and undone
		default:
			other++
			if other < 5 {
				t.Logf("other failure: %v", err)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d mounts, %d refused (symlink seen), %d caught after landing elsewhere, %d other; %d swaps",
		ok, symlink, escaped, other, swaps.Load())
	if ok < want {
		t.Fatalf("only %d successful mounts", ok)
	}
	if swaps.Load() < int64(want) {
		t.Fatalf("only %d swaps: the race did not really run", swaps.Load())
	}
	if got := mountsUnder(t, tr.dir); len(got) != 0 {
		t.Fatalf("mounts left: %v", got)
	}
	if after := listTree(t, tr.outside); !slices.Equal(outBefore, after) {
		t.Fatalf("the outside directory changed: %v", after)
	}
}
