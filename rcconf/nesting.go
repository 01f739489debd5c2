package rcconf

import (
	"strings"
)

// maxNesting bounds how deeply constructs may nest in one text. The parser
// (and the evaluator) recurse once per level; about 200,000 levels of "("
// overflow the Go stack, which is a fatal error no recover can catch (the
// attack stopped: a crafted rc.conf crashing the tool).
const maxNesting = 10000

// nestingDepth estimates (up to just past maxNesting) the deepest nesting
// of ( { if/case/for/while/until and arithmetic operators (nestScan) in
// src, skipping comments,
// single-quoted text and escaped characters. It over-counts rather than
// under-counts (parentheses in double quotes count too), which is harmless
// at this limit. It returns the depth and the line where it was reached,
// except that text of at most maxNesting bytes is not scanned (depth 0):
// every level takes at least one byte, so it cannot nest past the limit.
// That spares the scan for every eval text and every small file.
func nestingDepth(src string) (depth, line int) {
	if len(src) <= maxNesting {
		return 0, 1
	}
	return nestScan(src)
}

// nestScan is nestingDepth's scan. Besides ( { and the keywords it counts
// the arithmetic forms that nest once per operator: a run of prefix
// operators (! ~ + -, blanks between them), as in $((- - - 1)), on which
// the parser recurses, and every operator of one (( … )) or $(( … )):
// $((1?1:1?1:…)) nests at each ?, and $((1+1+…)) parses into a tree as
// deep as it is long, which the walks over it (syntax.Walk in check,
// arith.go's evaluation) recurse on. Outside arithmetic a run of prefix
// operators is a few characters, far from the limit.
func nestScan(src string) (depth, line int) {
	d, maxd, ln, maxLine := 0, 0, 1, 1
	run, q := 0, 0 // the prefix run, the ?s of the arithmetic open
	arith := -1    // d before the (( that opened arithmetic, or -1
	wordStart := true
	for i := 0; i < len(src); i++ {
		c := src[i]
		if !prefixOp[c] && c != ' ' && c != '\t' && c != '\n' {
			run = 0
		}
		if !nestSpecial[c] {
			if wordStart && kwFirst[c] {
				d += keywordDelta(src[i:], d)
				if d > maxd {
					maxd, maxLine = d, ln
					if d > maxNesting {
						return maxd, maxLine
					}
				}
			}
			wordStart = false
			// The rest of the word: one table lookup per byte.
			for i+1 < len(src) && !nestSpecial[src[i+1]] {
				i++
			}
			continue
		}
		switch c {
		case '\n':
			ln++
		case '\\':
			i++
			if i < len(src) && src[i] == '\n' {
				ln++
			}
		case '\'':
			for i++; i < len(src) && src[i] != '\''; i++ {
				if src[i] == '\n' {
					ln++
				}
			}
		case '#':
			if wordStart {
				for i < len(src) && src[i] != '\n' {
					i++
				}
				i--
			}
		case '(', '{':
			if c == '(' && arith < 0 && i > 0 && src[i-1] == '(' {
				arith = d - 1
			}
			d++
			if d > maxd {
				maxd, maxLine = d, ln
				if d > maxNesting {
					return maxd, maxLine
				}
			}
		case ')', '}':
			if d > 0 {
				d--
			}
			if d <= arith {
				arith, q = -1, 0
			}
		case '!', '~', '+', '-', '?', '*', '/', '%', '<', '>', '=', '^', ',', ':', '&', '|':
			if prefixOp[c] {
				run++
			}
			if arith >= 0 {
				q++
			}
			if d+run+q > maxd {
				maxd, maxLine = d+run+q, ln
				if maxd > maxNesting {
					return maxd, maxLine
				}
			}
		}
		// An operator sits inside a word as far as keywords go.
		wordStart = c != '\\' && c != '\'' && c != '#' && c != ')' && c != '}' && !inWord[c]
	}
	return maxd, maxLine
}

// nestSpecial marks the bytes nestingDepth acts on (or that start a word);
// kwFirst the first letters of the keywords it counts.
// prefixOp the prefix operators of arithmetic, arithOp every operator
// character it counts inside arithmetic, inWord those of them that do not
// end a word (a keyword right after one is not one).
var nestSpecial, kwFirst, prefixOp, arithOp, inWord [256]bool

func init() {
	for _, c := range "\n\\'#(){} \t;&|`" {
		nestSpecial[c] = true
	}
	for _, c := range "!~+-?*/%<>=^,:&|" {
		nestSpecial[c] = true
		arithOp[c] = true
	}
	for _, c := range "!~+-" {
		prefixOp[c] = true
	}
	for _, c := range "!~+-?*/%<>=^,:" {
		inWord[c] = true
	}
	for _, c := range "icfwued" {
		kwFirst[c] = true
	}
}

// keywordDelta is +1 for an opening keyword at the start of s, -1 for a
// closing one (when d > 0), else 0.
func keywordDelta(s string, d int) int {
	word := func(kw string) bool {
		return strings.HasPrefix(s, kw) && (len(s) == len(kw) || strings.IndexByte(" \t\n;)", s[len(kw)]) >= 0)
	}
	switch s[0] {
	case 'i':
		if word("if") {
			return 1
		}
	case 'c':
		if word("case") {
			return 1
		}
	case 'f':
		if word("for") {
			return 1
		}
		if word("fi") && d > 0 {
			return -1
		}
	case 'w':
		if word("while") {
			return 1
		}
	case 'u':
		if word("until") {
			return 1
		}
	case 'e':
		if word("esac") && d > 0 {
			return -1
		}
	case 'd':
		if word("done") && d > 0 {
			return -1
		}
	}
	return 0
}
