// Package rcconf evaluates a FreeBSD rc.conf chain the way rc.subr's
// load_rc_config does, and returns every variable set at the end, each with
// the file and line of the assignment that produced its final value.
//
// # Design
//
// Load runs the loader text of [Driver] (the same text the dash confirm
// tests run) with rcconf's own statement evaluator: mvdan.cc/sh/v3/syntax
// parses, mvdan.cc/sh/v3/expand expands words (the expansion code interp
// uses), and every command, builtin and variable write goes through this
// package. It does not use mvdan.cc/sh/v3/interp, because interp has no hook
// on assignments (provenance for eval, functions, for loops, ${x:=y}, read
// or setvar would be guesswork), cannot share state with a fast path, reads
// the host for PATH and TMPDIR, and differs from /bin/sh on readonly
// variables, syntax errors in sourced files, quoted pattern characters and
// special-builtin prefix assignments. Here:
//
//   - provenance is exact: the single variable store records FILE:LINE on
//     every write (code from eval text is attributed to the eval command);
//   - the evaluator itself never starts a program: a command that is
//     neither a builtin nor a function, $(…) that runs one, a pipeline, a
//     background job, and every construct whose /bin/sh result it cannot
//     reproduce exactly (aliases, [^…], ${#*}, echo with backslashes,
//     printf %*, $$, bashisms…) make UNKNOWN only what depends on them
//     (unknown.go): the variable assigned from them, what a branch, loop
//     or && / || list controlled by a program's status or output assigns
//     (its branches run "speculatively" and are rolled back, every name
//     they would change becoming unknown), and everything computed from
//     those. A command whose status nothing uses changes nothing (the
//     stray "name = value" line). What may assign names not written in
//     the text (. or eval of a computed argument, an alias) makes every
//     variable unknown from there on (Vars.UnknownAll). Real errors where
//     /bin/sh itself stops (a syntax error in a sourced file, readonly
//     violations, ${x?}, exit, . of a missing file) stay an *Error;
//   - live mode (Root "/", the rc.d/jail of the host): the result must be
//     exactly what the host's /bin/sh computes, so a chain that needs
//     anything the evaluator does not do (anything unknown above, or an
//     error the host's shell may not share, since dash and FreeBSD sh
//     differ on some) is handed whole to Options.Shell (/bin/sh) running
//     the same Driver text under a time limit, in the process environment
//     (nothing of rcjail's), and the shell's values are taken, dumped as
//     NUL-terminated NAME=VALUE records (shell.go), byte for byte. Whole
//     chain rather than command by command, because a program's effects
//     (files it writes, what it prints to stderr, the order of everything)
//     are only right when the shell runs it in place; the in-process pass
//     before it stays the fast path (no process at all for a chain that
//     needs none) and keeps FILE:LINE for every value it placed equal to
//     the shell's; the rest say "sh". A hang ends at the time limit with an
//     error naming the places that run programs. A simple program found in
//     the shell's PATH is run by the evaluator itself (exec.go), so a
//     hostname=$(hostname) line keeps the fast path; and so that no
//     program ever runs twice (once here, once in /bin/sh), a chain with
//     programs is first evaluated without running anything: if any
//     construct in it (in any branch) needs /bin/sh, the shell gets the
//     chain before a program has run;
//   - inspection (any other Root) runs nothing, reads nothing outside the
//     root and writes nothing: output redirected to a file is dropped;
//   - files are read only below Options.Root, opened relative to a
//     descriptor of it (Linux: one openat2 with RESOLVE_IN_ROOT; FreeBSD
//     and older kernels: a component-by-component no-follow walk), with
//     absolute symlinks re-rooted at it and FIFOs and devices refused
//     without blocking;
//   - a deadline, a command budget, a nesting cap, a file size cap and a
//     value size cap stop runaway input with FILE:LINE (in live mode too:
//     these are not handed to the shell);
//   - field splitting is /bin/sh's for any IFS (ifs.go: non-white-space
//     IFS characters delimit empty fields too, which expand drops).
//
// Plain top-level assignment lines (NAME=literal, NAME="…$other…",
// ${x:-y} and ${x#pattern} forms) skip the parser entirely (fast.go); a
// large rc.conf is otherwise parsed one statement at a time and never held
// whole as a syntax tree.
//
// rcconf knows nothing of jails; package compat gives the variables their
// rc.d/jail meaning.
package rcconf
