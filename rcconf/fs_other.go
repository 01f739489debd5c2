//go:build !linux && !freebsd

package rcconf

// oNonblock is 0 where rcjail does not run in production: opening a FIFO
// there may block until the deadline's caller gives up.
const oNonblock = 0
