//go:build !linux && !freebsd

package native

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"rcjail/compat"
	"rcjail/compat/state"
	"rcjail/mount"
)

// The native backend exists for Linux (sys_linux.go) and FreeBSD
// (sys_freebsd.go); anywhere else New fails with an error wrapping
// errors.ErrUnsupported, and nothing below is ever reached.
func supported() error {
	return fmt.Errorf("native backend on %s: %w (use -b command)", runtime.GOOS, errors.ErrUnsupported)
}

var errNo = fmt.Errorf("native backend on %s: %w", runtime.GOOS, errors.ErrUnsupported)

type sysState struct{}

func newSysState(Options) sysState { return sysState{} }

const defaultStartTimeout = 60 * time.Second

func sysctlGet(ctx context.Context, x *Executor, mib string) (string, error) { return "", errNo }
func sysctlSet(ctx context.Context, x *Executor, mib, value string) error    { return errNo }
func isMounted(dir, fstype string) (bool, error)                             { return false, errNo }
func kernelFSType(e mount.Entry) string                                      { return e.FSType }
func adoptable(e mount.Entry, req mount.Request) bool                        { return false }
func fdescfsIsLink() bool                                                    { return false }
func fdLinkOK(root, r string) bool                                           { return false }
func rmdirStrict(root, r string) error                                       { return errNo }
func symlinkStrict(target, p string) error                                   { return errNo }
func readlinkStrict(p string) (string, error)                                { return "", errNo }
func holders(dir string) []string                                            { return nil }
func aliasAdd(ctx context.Context, x *Executor, a compat.Addr) (bool, error) {
	return false, errNo
}
func aliasRemove(ctx context.Context, x *Executor, a compat.Addr) error { return errNo }
func startJail(ctx context.Context, x *Executor, s compat.StartJail, created func(int) error) (int, []byte, error) {
	return 0, nil, errNo
}
func settle(*Executor, int, string)                                          {}
func jailAt(context.Context, *Executor, string) (int, bool)                  { return 0, false }
func jailRoot(x *Executor, jid int) (string, bool)                           { return "", false }
func stopJail(x *Executor, jid int, root string) error                       { return errNo }
func jailRunning(ctx context.Context, x *Executor, jid string) (bool, error) { return false, errNo }
func jexec(ctx context.Context, x *Executor, s compat.Jexec, jid int) error  { return errNo }
func devfsStep(ctx context.Context, x *Executor, s compat.Step) error        { return errNo }
func jailConf(ctx context.Context, x *Executor, s compat.JailConf) error     { return errNo }
func unmountExpect(e mount.Expect) error                                     { return errNo }
func fstabProgram(ctx context.Context, x *Executor, s compat.FstabMount) (bool, error) {
	return true, errNo
}
func fstabRequest(root, r string, e compat.FstabEntry) (mount.Request, error) {
	return mount.Request{}, errNo
}

func (x *Executor) openState(p string, create, appendTo bool, kind state.Kind) (*os.File, error) {
	return nil, errNo
}
func (x *Executor) readID(p string) (string, bool, error)      { return "", false, errNo }
func (x *Executor) checkState(p string, kind state.Kind) error { return errNo }
func (x *Executor) removeState(p string) error                 { return errNo }

func devfsMountedWith(*Executor, string, int) {}

func jailConfAll(context.Context, *Executor, compat.JailConfAll) ([]byte, error) { return nil, errNo }
func listJails(context.Context, *Executor) ([]compat.RunningJail, error)         { return nil, errNo }
