package rcconf

import (
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// printf implements printf(1) with C semantics for the conversions
// d i u o x X c s b e E f F g G and %%, flags "-+ #0", width and precision
// (expand.Format lacks %X, precision and floating point). A "*" width is
// refused rather than guessed.
func (r *runner) printf(pos syntax.Pos, a []string) int {
	if len(a) == 0 {
		r.unsup(pos, "printf: usage: printf format [arguments]")
		return 2
	}
	if a[0] == "--" {
		a = a[1:]
		if len(a) == 0 {
			r.unsup(pos, "printf: usage: printf format [arguments]")
			return 2
		}
	}
	format, args := a[0], a[1:]
	var sb strings.Builder
	for {
		used, st := r.printfOnce(pos, &sb, format, args)
		if st != 0 {
			return st
		}
		args = args[used:]
		if used == 0 || len(args) == 0 {
			break
		}
	}
	r.out(sb.String())
	return 0
}

func (r *runner) printfOnce(pos syntax.Pos, sb *strings.Builder, format string, args []string) (int, int) {
	used := 0
	next := func() (string, bool) {
		if used < len(args) {
			used++
			return args[used-1], true
		}
		return "", false
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '\\' {
			s, n, stop := escape(format[i+1:], false)
			sb.WriteString(s)
			i += n
			if stop {
				return len(args), 0
			}
			continue
		}
		if c != '%' {
			sb.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0", format[j]) >= 0 {
			j++
		}
		for j < len(format) && format[j] >= '0' && format[j] <= '9' {
			j++
		}
		if j < len(format) && format[j] == '.' {
			j++
			for j < len(format) && format[j] >= '0' && format[j] <= '9' {
				j++
			}
		}
		if j >= len(format) {
			r.unsup(pos, "printf: format %q: incomplete conversion", format)
			return 0, 2
		}
		spec, conv := format[i:j], format[j]
		i = j
		if digitsOver(spec, 5) {
			// A width like %999999999s would allocate gigabytes.
			r.unsup(pos, "printf: format %q: width or precision over 99999 refused", format)
			return 0, 2
		}
		if strings.Contains(spec, "*") {
			r.unsup(pos, "printf: format %q: * width is not supported", format)
			return 0, 2
		}
		switch conv {
		case '%':
			sb.WriteByte('%')
		case 's':
			s, _ := next()
			sb.WriteString(padStr(spec, s))
		case 'b':
			s, _ := next()
			out, _, stop := escapeAll(s)
			sb.WriteString(padStr(spec, out))
			if stop {
				return len(args), 0
			}
		case 'c':
			s, _ := next()
			if s != "" {
				sb.WriteString(padStr(spec, s[:1]))
			} else {
				sb.WriteString(padStr(spec, ""))
			}
		case 'd', 'i':
			s, _ := next()
			n, ok := r.printfInt(pos, s)
			if !ok {
				return 0, 1
			}
			fmt.Fprintf(sb, spec+"d", n)
		case 'u', 'o', 'x', 'X':
			s, _ := next()
			n, ok := r.printfInt(pos, s)
			if !ok {
				return 0, 1
			}
			v := conv
			if v == 'u' {
				v = 'd'
			}
			fmt.Fprintf(sb, spec+string(v), uint64(n))
		case 'e', 'E', 'f', 'F', 'g', 'G':
			s, _ := next()
			f := 0.0
			if s != "" {
				var err error
				f, err = strconv.ParseFloat(strings.TrimSpace(s), 64)
				if err != nil {
					r.unsup(pos, "printf: %q: not a number", s)
					return 0, 1
				}
			}
			sp := spec
			if !strings.Contains(sp, ".") {
				sp += ".6" // C's default precision; Go's %g would print all digits
			}
			v := conv
			if v == 'F' {
				v = 'f'
			}
			fmt.Fprintf(sb, sp+string(v), f)
		default:
			r.unsup(pos, "printf: format %q: conversion %%%c not supported", format, conv)
			return 0, 2
		}
	}
	return used, 0
}

// printfInt reads a numeric printf argument as dash does: decimal, 0x hex,
// 0 octal, or 'c for a character code.
func (r *runner) printfInt(pos syntax.Pos, s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	if s[0] == '\'' || s[0] == '"' {
		if len(s) > 1 {
			return int64(s[1]), true
		}
		return 0, true
	}
	n, err := strconv.ParseInt(strings.TrimLeft(s, " \t"), 0, 64)
	if err != nil {
		r.unsup(pos, "printf: %q: not a number", s)
		return 0, false
	}
	return n, true
}

// escape decodes one backslash escape at the start of s (after the
// backslash); it returns the text, the bytes consumed and whether it was \c.
func escape(s string, bmode bool) (string, int, bool) {
	if s == "" {
		return `\`, 0, false
	}
	switch s[0] {
	case '\\':
		return `\`, 1, false
	case 'a':
		return "\a", 1, false
	case 'b':
		return "\b", 1, false
	case 'f':
		return "\f", 1, false
	case 'n':
		return "\n", 1, false
	case 'r':
		return "\r", 1, false
	case 't':
		return "\t", 1, false
	case 'v':
		return "\v", 1, false
	case '"', '\'':
		if !bmode {
			return s[:1], 1, false
		}
	case 'c':
		if bmode {
			return "", 1, true
		}
	case '0', '1', '2', '3', '4', '5', '6', '7':
		start, max := 0, 3
		if bmode && s[0] == '0' {
			start, max = 1, 4
		}
		j := start
		v := 0
		for j < len(s) && j < max && s[j] >= '0' && s[j] <= '7' {
			v = v*8 + int(s[j]-'0')
			j++
		}
		return string([]byte{byte(v)}), j, false
	}
	return `\` + s[:1], 1, false
}

func escapeAll(s string) (string, int, bool) {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			sb.WriteByte(s[i])
			continue
		}
		t, n, stop := escape(s[i+1:], true)
		sb.WriteString(t)
		i += n
		if stop {
			return sb.String(), i, true
		}
	}
	return sb.String(), len(s), false
}

// padStr applies a %s spec's width and precision counting bytes, as C does
// (Go's fmt counts runes).
func padStr(spec, s string) string {
	left := strings.Contains(spec, "-")
	body := strings.TrimLeft(spec[1:], "-+ #0")
	w, p, hasP := body, "", false
	if i := strings.IndexByte(body, '.'); i >= 0 {
		w, p, hasP = body[:i], body[i+1:], true
	}
	if hasP {
		n, _ := strconv.Atoi(p)
		if n < len(s) {
			s = s[:n]
		}
	}
	width, _ := strconv.Atoi(w)
	if len(s) >= width {
		return s
	}
	pad := strings.Repeat(" ", width-len(s))
	if left {
		return s + pad
	}
	return pad + s
}

// digitsOver reports whether spec has a run of more than n digits.
func digitsOver(spec string, n int) bool {
	run := 0
	for i := 0; i < len(spec); i++ {
		if spec[i] >= '0' && spec[i] <= '9' {
			run++
			if run > n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
