// Package inspect looks at the host for the command line's read-only
// verbs: what `rcjail check` finds on the file system of a skeleton jail
// (its skel_root, rootdir, sources and mount points; [Skeletons]), what a
// Linux host cannot take of a jail (its host name and command lengths;
// [Limits], [StartLimits]), a base tree's userland version
// ([UserlandVersion]), and whether a jail runs and what it has mounted
// ([Status]). Nothing here changes the host: every path is examined
// without following a symlink (package mount's walker, or Lstat one
// component at a time), and files are read bounded and without blocking
// on a FIFO.
//
// cmd/rcjail formats what these functions return; the system calls, the
// kernel's mount table and the jail records are read here, so the command
// line holds none of them.
package inspect
