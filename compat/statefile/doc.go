// Package statefile opens and reads the files rcjail keeps as state (id
// files, console logs, lock files, records) so that a hostile file in their
// place can neither hang rcjail nor flood it:
//
//   - every open adds O_NONBLOCK and O_NOFOLLOW: a FIFO planted at an id
//     file's or console log's name cannot block the open (or the read), and
//     a symlink is never followed;
//   - the type is checked before the open (fstatat, no device is opened at
//     all) and again on the descriptor (the name may have been swapped in
//     between): a state file is a regular file; a console log may also be a
//     character device (/dev/null is a common way to drop the console, and
//     the script's redirection wrote to it);
//   - reads are bounded: an id file is read through a short prefix (a jid is
//     a short decimal line), so a 1 GiB id file costs one small read;
//   - lock files exist only while held: [Lock] re-checks after flock that
//     the name still names the locked inode, and [Unlock] unlinks the file
//     while holding it, so removing it never breaks mutual exclusion.
//
// Both backends (native and command) and the status verb use it, so every
// reader of a state file behaves the same.
package statefile
