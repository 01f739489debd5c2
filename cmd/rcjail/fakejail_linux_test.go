package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"rcjail/compat/native/linuxjail"
)

// fakeInitArgs keeps the command line fakeJail shows alive (the kernel
// reads /proc/PID/cmdline from this memory); fakeMM is the map handed to
// the kernel (package level: heap memory, which does not move).
var (
	fakeInitArgs []byte
	fakeMM       prctlMMMap
)

// prctlMMMap is the kernel's struct prctl_mm_map (linux/prctl.h).
type prctlMMMap struct {
	StartCode, EndCode, StartData, EndData, StartBrk, Brk, StartStack uint64
	ArgStart, ArgEnd, EnvStart, EnvEnd                                uint64
	Auxv                                                              uint64
	AuxvSize, ExeFD                                                   uint32
}

// fakeInitCmdline makes this process's command line the one a jail init
// of root has (linuxjail.Start's argv: InitArg0 HOSTNAME ROOT CAPMASK --
// COMMAND), so that the native host, which counts as a jail only an
// rcjail init running in its root, takes the stand-in for one. The binary
// cannot be started under that argv[0]: linuxjail's init would run.
// PR_SET_MM_MAP (checkpoint/restore) replaces the whole memory map
// description at once without CAP_SYS_RESOURCE, which containers drop:
// every field is today's, from /proc/self/stat, but the command line's.
func fakeInitCmdline(root string) error {
	st, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return err
	}
	// Fields after the command: f[0] is field 3 of proc(5).
	f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
	field := func(n int) uint64 { v, _ := strconv.ParseUint(f[n-3], 10, 64); return v }
	if len(f) < 51-2 {
		return fmt.Errorf("/proc/self/stat: %d fields", len(f)+2)
	}
	brk, _, _ := unix.Syscall(unix.SYS_BRK, 0, 0, 0)
	fakeInitArgs = []byte(strings.Join([]string{linuxjail.InitArg0, "fakejail", root, "0", "--", "sleep"}, "\x00") + "\x00")
	start := uint64(uintptr(unsafe.Pointer(&fakeInitArgs[0])))
	fakeMM = prctlMMMap{
		StartCode: field(26), EndCode: field(27), StartStack: field(28),
		StartData: field(45), EndData: field(46), StartBrk: field(47), Brk: uint64(brk),
		ArgStart: start, ArgEnd: start + uint64(len(fakeInitArgs)),
		EnvStart: field(50), EnvEnd: field(51),
		ExeFD: ^uint32(0),
	}
	return unix.Prctl(unix.PR_SET_MM, unix.PR_SET_MM_MAP, uintptr(unsafe.Pointer(&fakeMM)), unsafe.Sizeof(fakeMM), 0)
}
