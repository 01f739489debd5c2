package mount

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"syscall"
)

// This file holds the pure half of FreeBSD's nmount(2) call, portable so that
// its tests run on Linux: the name/value option list the kernel takes as an
// iovec, and fsid packing. mount_freebsd.go turns the list into []unix.Iovec.

// mnameLen is FreeBSD's MNAMELEN: a longer mount path is refused by the
// kernel (ENAMETOOLONG), so it is refused up front with a clearer message.
const mnameLen = 1024

// nmountOpt is one name/value pair of the nmount iovec. A nil value is a flag
// option (name only, a zero-length value), as mount(8) passes "ro".
type nmountOpt struct {
	name  string
	value []byte // NUL-terminated string, or nil
}

// reservedOpts are set by buildNmountOpts itself; Request.Options may not.
var reservedOpts = map[string]bool{
	"fstype": true, "fspath": true, "from": true, "target": true, "errmsg": true,
	"ro": true, "rw": true, "nocover": true, "update": true,
}

// buildNmountOpts returns the option list for mounting fstype on fspath.
// from is the nullfs lower directory (passed as "target", the name every
// nullfs version understands) or the label other file systems show as
// f_mntfromname. "nocover" makes the kernel refuse to stack on a mount that
// is already there (FreeBSD 13.0+). Extra options come sorted by name, so the
// list is deterministic. The "errmsg" buffer is appended by the caller.
func buildNmountOpts(fstype, fspath, from string, ro bool, opts map[string]string) ([]nmountOpt, error) {
	for _, s := range []string{fstype, fspath, from} {
		if strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("nmount: %q contains a NUL byte: %w", s, syscall.EINVAL)
		}
	}
	if fstype == "" || fspath == "" {
		return nil, errors.New("nmount: fstype and fspath are required")
	}
	for _, p := range []string{fspath, from} {
		if len(p) >= mnameLen {
			return nil, fmt.Errorf("nmount: path of %d bytes is longer than the kernel's limit (%d): %w", len(p), mnameLen-1, syscall.ENAMETOOLONG)
		}
	}
	out := []nmountOpt{
		{"fstype", cstr(fstype)},
		{"fspath", cstr(fspath)},
	}
	if from != "" {
		name := "from"
		if fstype == NullFS {
			name = "target"
		}
		out = append(out, nmountOpt{name, cstr(from)})
	}
	if ro {
		out = append(out, nmountOpt{"ro", nil})
	}
	out = append(out, nmountOpt{"nocover", nil})
	names := make([]string, 0, len(opts))
	for k := range opts {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := opts[k]
		if reservedOpts[k] || k == "" || strings.IndexByte(k, 0) >= 0 || strings.IndexByte(v, 0) >= 0 {
			return nil, fmt.Errorf("nmount: option %q=%q is not allowed: %w", k, v, syscall.EINVAL)
		}
		out = append(out, nmountOpt{k, cstr(v)})
	}
	return out, nil
}

func cstr(s string) []byte { return append([]byte(s), 0) }

// errmsgString returns the kernel's message from an errmsg buffer.
func errmsgString(buf []byte) string {
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf)
}

// packFsid packs a FreeBSD fsid into an Entry/Mounted ID and back; the
// unmount(2) MNT_BYFSID path string is "FSID:<val0>:<val1>" with signed
// decimal values.
func packFsid(v0, v1 int32) uint64 { return uint64(uint32(v0))<<32 | uint64(uint32(v1)) }

func unpackFsid(id uint64) (v0, v1 int32) { return int32(uint32(id >> 32)), int32(uint32(id)) }

func fsidPath(id uint64) string {
	v0, v1 := unpackFsid(id)
	return fmt.Sprintf("FSID:%d:%d", v0, v1)
}
