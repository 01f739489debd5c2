package mount

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// File system types a [Request] may name. They are FreeBSD's names; on Linux
// each is mapped to its stand-in (see [Mount]).
const (
	NullFS  = "nullfs"  // Linux: a non-recursive bind mount
	DevFS   = "devfs"   // Linux: a small tmpfs holding the usual device nodes
	FdescFS = "fdescfs" // Linux: unsupported (devfs provides dev/fd -> /proc/self/fd)
	ProcFS  = "procfs"  // Linux: proc
	TmpFS   = "tmpfs"   // both: tmpfs (used by tests and for scratch space)
)

// Request is one mount to make inside a jail root. Every path below Root is
// treated as hostile: no component of Root/Target may be a symbolic link.
type Request struct {
	FSType string // one of NullFS, DevFS, FdescFS, ProcFS, TmpFS

	// Source is the absolute, clean host path to mount (nullfs only). With
	// SourceRoot empty, no component of it may be a symlink. With SourceRoot
	// set, Source must lie inside SourceRoot and relative symlinks that stay
	// inside SourceRoot are followed (a host-"/" skeleton on a merged-/usr
	// system has bin -> usr/bin); absolute or escaping ones are refused.
	Source     string
	SourceRoot string

	Root   string // the jail root: absolute, clean, not "/", no symlink component
	Target string // relative to Root, clean, not "." and without ".." ("usr/lib")

	ReadOnly bool // mount read-only (Linux: nosuid and nodev as well)

	// Create makes missing directories of Target (mode 0755) without following
	// symlinks; they are reported in Mounted.Created. Without it a missing
	// target is an error wrapping fs.ErrNotExist.
	Create bool

	// Options are extra file-system options (FreeBSD nmount name=value pairs,
	// for example "ruleset" for devfs; Linux honours "size" and "mode" for
	// tmpfs and devfs and ignores the rest).
	Options map[string]string
}

// Mounted describes a mount this package made.
type Mounted struct {
	// ID identifies the mount to the kernel: the Linux mount id (as in the
	// first field of /proc/self/mountinfo), or FreeBSD's fsid packed as
	// uint64(uint32(val[0]))<<32 | uint64(uint32(val[1])).
	ID uint64
	// UniqueID is Linux's 64-bit mount id (statx STATX_MNT_ID_UNIQUE,
	// Linux 6.8+), never reused while the system runs; 0 where there is
	// none (FreeBSD, older kernels).
	UniqueID uint64
	FSType   string   // as requested (nullfs, devfs, …)
	Source   string   // as requested (empty for non-nullfs types)
	Root     string   // the jail root
	Rel      string   // the target relative to Root
	Target   string   // the absolute mount point, Root + "/" + Rel
	Created  []string // directories Create made, absolute, parents first
}

// Expect returns what [Unmount] must find to undo m.
func (m *Mounted) Expect() Expect {
	return Expect{ID: m.ID, UniqueID: m.UniqueID, FSType: m.FSType, Source: m.Source, Root: m.Root, Target: m.Rel}
}

// Expect is what Unmount must find before it unmounts anything.
type Expect struct {
	// ID is the mount id / fsid recorded at mount time. Zero means "not known"
	// (a crashed start left no record): then the mount found at the path must
	// still match FSType and, for nullfs, Source.
	ID uint64
	// UniqueID is Mounted.UniqueID (0 = not known). The kernel never
	// reuses it, so when it matches, the mount is the very one Mount made
	// and checked: type and source are not looked at again (Linux).
	// When it does not match, nothing is unmounted (ErrNotOurs).
	UniqueID uint64
	FSType   string // as in Request
	Source   string // nullfs: the source it was mounted from ("" = not checked)
	Root     string // the jail root, absolute and clean
	Target   string // relative to Root

	// Force unmounts a busy mount: Linux MNT_DETACH (lazy: it leaves the
	// tree at once, open files keep reading it), FreeBSD MNT_FORCE (open
	// files then fail). Only as an explicit policy; the checks still apply.
	Force bool
}

// Entry is one line of the kernel's mount table.
type Entry struct {
	ID       uint64 // Linux mount id; FreeBSD fsid packed as in Mounted.ID
	Parent   uint64 // Linux parent mount id; 0 on FreeBSD
	Root     string // Linux: the root of the mount within its file system; "" on FreeBSD
	Source   string // mount source (device, "tmpfs", FreeBSD f_mntfromname)
	Target   string // mount point, decoded
	FSType   string // the kernel's type name (ext4, tmpfs, proc, nullfs, devfs …)
	Options  string // per-mount options as the kernel prints them
	ReadOnly bool
}

// ErrNotMounted means Unmount found no mount at the path: the caller may treat
// the unmount as done.
var ErrNotMounted = errors.New("not mounted")

// ErrNotOurs means the path is a mount point, but not the one Expect names
// (another id, type or source). Nothing was unmounted.
var ErrNotOurs = errors.New("mounted, but not the mount we made")

// ErrSymlink means a component of a path inside a jail root (or a source) is
// a symbolic link. The error text names the component.
var ErrSymlink = errors.New("is a symbolic link")

// ErrEscaped means that after a mount the kernel reports it somewhere other
// than the intended path (a symlink race); the mount was undone at once.
var ErrEscaped = errors.New("mount landed outside its intended path (possible symlink race)")

// Mount makes req, confined to req.Root. See the package documentation for the
// per-OS mapping. On error nothing is left mounted; directories created on the
// way are listed in the *Error's Created field so the caller can record them.
func Mount(req Request) (*Mounted, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return mount(req)
}

// Unmount removes the mount e describes, after checking — without following
// any symlink — that the path still holds exactly that mount. No mount at the
// path: an error wrapping ErrNotMounted. Another mount: ErrNotOurs. Busy: an
// error wrapping syscall.EBUSY.
//
// With a recorded identity (e.ID, and e.UniqueID where the kernel gave
// one) the mount is found by it when the path no longer holds it (a
// directory above the mount point was renamed, inside the jail root or out
// of it): [Locate] finds where it is now, the same checks are made there
// (no symlink on the way, mount root, mount id, type, source) and it is
// unmounted there; the error then wraps [ErrMoved] and names the new place
// (the unmount is done). Not found anywhere, or found but failing the
// checks: the path's error stands and nothing is touched.
func Unmount(e Expect) error {
	if err := e.validate(); err != nil {
		return err
	}
	return unmount(e)
}

// Locate finds the mount e identifies (e.ID; e.UniqueID where known) in the
// current mount table, wherever it is now: the returned Entry's Target is
// its mount point today, which differs from e.Root/e.Target when a
// directory above it was renamed. Linux: with the unique id, statmount(2)
// names exactly that mount; with the short id alone (which the kernel
// reuses), the table line must also have e's type and, for nullfs with a
// Source, the source directory as its root. FreeBSD: the fsid in getfsstat,
// with the same type and f_mntfromname. Gone: an error wrapping
// ErrNotMounted; an id now taken by another mount: ErrNotOurs. Root and
// Target of e are not looked at.
func Locate(e Expect) (Entry, error) { return locate(e) }

// Table returns the kernel's mount table (Linux: /proc/self/mountinfo;
// FreeBSD: getfsstat), in the kernel's order.
func Table() ([]Entry, error) { return table() }

// Under returns the entries of table whose mount point is dir or lies below
// it ("/j/a" is not below "/j/ab"), deepest first; entries at the same depth
// keep the reverse of their table order (the later mount is undone first).
func Under(table []Entry, dir string) []Entry {
	dir = path.Clean(dir)
	var out []Entry
	for i := len(table) - 1; i >= 0; i-- {
		t := table[i].Target
		if t == dir || dir == "/" || strings.HasPrefix(t, dir+"/") {
			out = append(out, table[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return depth(out[i].Target) > depth(out[j].Target) })
	return out
}

func depth(p string) int {
	if p == "/" {
		return 0
	}
	return strings.Count(p, "/")
}

// Resolve walks rel inside root one component at a time without following any
// symlink and returns the final component's information. A symlink anywhere
// (root's own components included) gives an error wrapping ErrSymlink naming
// it; a missing component gives one wrapping fs.ErrNotExist naming it.
func Resolve(root, rel string) (fs.FileInfo, error) {
	if err := checkRootRel("resolve", root, rel, true); err != nil {
		return nil, err
	}
	return resolve(root, rel)
}

// OpenDir opens the absolute directory p from "/" and returns its file
// descriptor (O_RDONLY|O_DIRECTORY, close-on-exec; the caller closes it),
// following no symlink in any component. A symlink on the way gives an error
// wrapping ErrSymlink and the kernel's refusal (ELOOP, EMLINK on FreeBSD, or
// ENOTDIR, which O_DIRECTORY gives for a link); a missing component one
// wrapping fs.ErrNotExist and ENOENT.
func OpenDir(p string) (int, error) {
	if !path.IsAbs(p) || path.Clean(p) != p {
		return -1, &Error{Op: "open", Target: p, Err: errors.New("not a clean absolute path")}
	}
	return openDir(p)
}

// MkdirAll creates the missing directories of rel inside root (each with perm,
// parents first) without following symlinks, and returns the absolute paths
// of those it created. A symlink or non-directory on the way is an error that
// names it; what was created before the error is still returned.
func MkdirAll(root, rel string, perm fs.FileMode) (created []string, err error) {
	if err := checkRootRel("mkdir", root, rel, true); err != nil {
		return nil, err
	}
	return mkdirAll(root, rel, perm)
}

// Error is the error of every operation in this package.
type Error struct {
	Op      string // mount, remount-ro, unmount, resolve, mkdir, verify, table
	FSType  string
	Source  string
	Target  string // absolute
	Flags   uint64 // system call flags, printed by name
	Errmsg  string // FreeBSD: the kernel's errmsg from nmount
	Err     error
	Created []string // directories made before the failure (Mount with Create)

	flagNames []flagName // the OS's flag table, for printing Flags
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.FSType != "" {
		b.WriteString(" " + e.FSType)
	}
	if e.Source != "" {
		fmt.Fprintf(&b, " %q", e.Source)
	}
	if e.Target != "" {
		if e.Source != "" {
			b.WriteString(" on")
		}
		fmt.Fprintf(&b, " %q", e.Target)
	}
	if e.Flags != 0 || e.flagNames != nil {
		b.WriteString(" (flags " + flagString(e.Flags, e.flagNames) + ")")
	}
	if e.Errmsg != "" {
		b.WriteString(": " + e.Errmsg)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

func (r *Request) validate() error {
	fail := func(format string, args ...any) error {
		return &Error{Op: "mount", FSType: r.FSType, Source: r.Source, Target: path.Join(r.Root, r.Target),
			Err: fmt.Errorf("invalid request: "+format, args...)}
	}
	switch r.FSType {
	case NullFS:
		if !isCleanAbs(r.Source) {
			return fail("source %q is not an absolute clean path", r.Source)
		}
		if r.SourceRoot != "" {
			if !isCleanAbs(r.SourceRoot) {
				return fail("source root %q is not an absolute clean path", r.SourceRoot)
			}
			if !Within(r.SourceRoot, r.Source) {
				return fail("source %q is not inside source root %q", r.Source, r.SourceRoot)
			}
		}
	case DevFS, FdescFS, ProcFS, TmpFS:
		if r.Source != "" || r.SourceRoot != "" {
			return fail("%s takes no source", r.FSType)
		}
	default:
		return fail("unknown file system type %q", r.FSType)
	}
	if err := checkRootRel("mount", r.Root, r.Target, false); err != nil {
		return err
	}
	// Root and Target are clean (checked above), Root is not "/": their
	// join is Root + "/" + Target, compared piecewise.
	if r.FSType == NullFS && withinJoined(r.Root, r.Target, r.Source) {
		return fail("source %q is inside the target", r.Source)
	}
	return nil
}

func (e *Expect) validate() error {
	if err := checkRootRel("unmount", e.Root, e.Target, false); err != nil {
		return err
	}
	switch e.FSType {
	case NullFS, DevFS, FdescFS, ProcFS, TmpFS:
	default:
		return &Error{Op: "unmount", FSType: e.FSType, Target: path.Join(e.Root, e.Target),
			Err: fmt.Errorf("unknown file system type %q", e.FSType)}
	}
	return nil
}

// checkRootRel is the lexical check shared by every entry point: it stops
// "../" escapes and absolute targets before the file system is touched.
func checkRootRel(op, root, rel string, allowDot bool) error {
	bad := func(format string, args ...any) error {
		return &Error{Op: op, Target: path.Join(root, rel), Err: fmt.Errorf(format, args...)}
	}
	if !isCleanAbs(root) || root == "/" {
		return bad("root %q is not an absolute clean path other than /", root)
	}
	if rel == "." && allowDot {
		return nil
	}
	// PlainRel says the same as the full test (empty, ".", absolute,
	// unclean, "..", "../…": each has an empty, "." or ".." component),
	// in one pass: it runs for every mount and unmount.
	if !PlainRel(rel) {
		return bad("target %q is not a clean relative path inside the root", rel)
	}
	if strings.ContainsRune(rel, 0) || strings.ContainsRune(root, 0) {
		return bad("path contains a NUL byte")
	}
	return nil
}

// isCleanAbs reports whether p is absolute and clean: "/" or "/" followed
// by a PlainRel path (any other absolute path has an empty, "." or ".."
// component, which path.Clean would remove).
func isCleanAbs(p string) bool { return p == "/" || len(p) > 1 && p[0] == '/' && PlainRel(p[1:]) }

// PlainRel reports whether s is a relative path that path.Clean leaves as
// it is and that does not climb: one or more components, none of them
// empty, "." or "..". It is the test a Request's Target passes; one pass,
// no allocation, so callers on a hot path (the native executor's record
// lookups) use it instead of comparing with path.Clean.
func PlainRel(s string) bool {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			if c := s[start:i]; c == "" || c == "." || c == ".." {
				return false
			}
			start = i + 1
		}
	}
	return true
}

// withinJoined is Within(root+"/"+rel, p) without building the join.
func withinJoined(root, rel, p string) bool {
	n, k := len(root), len(root)+1+len(rel)
	return len(p) >= k && p[:n] == root && p[n] == '/' && p[n+1:k] == rel && (len(p) == k || p[k] == '/')
}
