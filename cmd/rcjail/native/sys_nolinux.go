//go:build !linux

package native

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"rcjail/compat"
	"rcjail/mount"
)

// The native executor's system layer exists for Linux only so far; on
// FreeBSD the same Executor needs jail(8)/jexec/ifconfig runners and the
// mount package's nmount layer (not written yet).
func supported() error {
	return fmt.Errorf("native backend on %s: %w", runtime.GOOS, errors.ErrUnsupported)
}

var errNo = fmt.Errorf("native backend on %s: %w", runtime.GOOS, errors.ErrUnsupported)

func sysctlGet(x *Executor, mib string) (string, error)                      { return "", errNo }
func sysctlSet(x *Executor, mib, value string) error                         { return errNo }
func isMounted(dir, fstype string) (bool, error)                             { return false, errNo }
func kernelFSType(e mount.Entry) string                                      { return e.FSType }
func adoptable(e mount.Entry, req mount.Request) bool                        { return false }
func fdescfsIsLink() bool                                                    { return false }
func fdLinkOK(root, r string) bool                                           { return false }
func rmdirStrict(root, r string) error                                       { return errNo }
func symlinkStrict(target, p string) error                                   { return errNo }
func readlinkStrict(p string) (string, error)                                { return "", errNo }
func holders(dir string) []string                                            { return nil }
func aliasAdd(ctx context.Context, x *Executor, a compat.Addr) (bool, error) { return false, errNo }
func aliasRemove(ctx context.Context, x *Executor, a compat.Addr) error      { return errNo }
func startJail(ctx context.Context, x *Executor, s compat.StartJail) (int, []byte, error) {
	return 0, nil, errNo
}
func (x *Executor) openState(p string, create, appendTo bool) (*os.File, error) { return nil, errNo }
func (x *Executor) readState(p string) ([]byte, bool, error)                    { return nil, false, errNo }
func (x *Executor) removeState(p string) error                                  { return errNo }

func dirExistsStrict(p string) bool { return false }
