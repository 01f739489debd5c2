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
//   - no program can run: there is no exec path at all; a command that is
//     neither a builtin nor a function is the error
//     FILE:LINE:COL: external command "NAME" refused, also inside $(…);
//   - files are read only below Options.Root, opened relative to a
//     descriptor of it (Linux: one openat2 with RESOLVE_IN_ROOT; FreeBSD
//     and older kernels: a component-by-component no-follow walk), with
//     absolute symlinks re-rooted at it and FIFOs and devices refused
//     without blocking; nothing is ever written (output redirections other
//     than to /dev/null are refused);
//   - a deadline, a command budget, a nesting cap, a file size cap and a
//     value size cap stop runaway input with FILE:LINE;
//   - constructs whose /bin/sh result the evaluator cannot reproduce
//     exactly are refused with an error naming them (pipelines, background
//     jobs, aliases, non-white-space IFS, bashisms…), never evaluated to a
//     different value.
//
// Plain top-level assignment lines (NAME=literal, NAME="…$other…",
// ${x:-y} and ${x#pattern} forms) skip the parser entirely (fast.go); a
// large rc.conf is otherwise parsed one statement at a time and never held
// whole as a syntax tree.
//
// rcconf knows nothing of jails; package compat gives the variables their
// rc.d/jail meaning.
package rcconf
