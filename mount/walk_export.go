package mount

// WalkError is what stopped the no-follow walk behind [OpenDir], [Resolve]
// and [MkdirAll] (and the walks inside [Mount] and [Unmount]) at one
// component: the *Error they return wraps it. It lets a caller word the
// refusal its own way, naming the component and, for a symbolic link, where
// it points, with errors.As instead of reading the text (rcjail prepare
// does). Its own text is the walker's, unchanged.
//
// What is there is told by errors.Is on the error: [ErrSymlink] (a symbolic
// link), fs.ErrNotExist (nothing), syscall.ENOTDIR (neither a directory nor
// a link); otherwise it is a directory that could not be opened, or one
// that was something else when the walk tried it (the tree is changing).
// The kernel's own errno is in the chain as well.
type WalkError struct {
	Path string // the component that stopped the walk, absolute
	Link string // a symbolic link's content (at most LinkMax bytes); "" if it is not one or could not be read
	err  error  // the walker's text, wrapping the sentinel and the errno
}

// LinkMax is how many bytes of a symbolic link's content the walker reads
// into [WalkError.Link]: a Link of that length may have been cut (Linux
// allows up to 4095; FreeBSD's PATH_MAX keeps it below 1024).
const LinkMax = 1024

func (e *WalkError) Error() string { return e.err.Error() }
func (e *WalkError) Unwrap() error { return e.err }
