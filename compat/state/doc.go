// Package state is rcjail's one state layer: where the files rcjail keeps
// as state live (the layout, under the -R root), and how they are opened.
//
// The layout (layout.go) is defined here and nowhere else: the script's id
// file /var/run/jail_<j>.id, the console log default
// /var/log/jail_<j>_console.log, and rcjail's own state directory
// /var/run/rcjail holding each jail's lock (<key>.lock), record
// (<key>.json) and journal (<key>.journal), where <key> is [Key] of the
// jail's variable name. Both backends, the engine, status, prepare and
// check name these files through it.
//
// Host state directories (/var/run, /var/log, /var/run/rcjail) belong to
// root and may be symlinks (every systemd Linux has /var/run -> /run), so
// [ResolveDir] and [ResolveFile] follow them, inside the -R root, as if it
// were "/" (SPEC §3.8); only paths inside a jail root are never followed
// (SPEC §3.4), and that is package mount's walker, not this package.
//
// Opens are safe against a hostile file in a state file's place, so that it
// can neither hang rcjail nor flood it nor redirect it:
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
//     a short decimal line), so a 1 GiB id file costs one small read; a
//     record through [ReadAll]'s limit;
//   - lock files exist only while held: [Lock] re-checks after flock that
//     the name still names the locked inode, and [Unlock] unlinks the file
//     while holding it, so removing it never breaks mutual exclusion;
//   - the state directory ([OpenDir]) is a directory owned by us, mode
//     0700: nobody else can plant files beside the locks and records.
package state
