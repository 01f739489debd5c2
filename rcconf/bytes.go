package rcconf

import (
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

// byteRune is the first of the 128 private-use characters (U+10FF80 to
// U+10FFFF) that stand for the bytes 0x80 to 0xFF that are not part of valid
// UTF-8, while the parser reads a text (it refuses such bytes; /bin/sh reads
// bytes).
const byteRune = 0x10FF00

// mapBytes returns text with every byte that is not part of valid UTF-8
// replaced by its private-use character; false when the text already holds
// one of those characters (it could not be told apart).
func mapBytes(text []byte) ([]byte, bool) {
	out := make([]byte, 0, len(text)+len(text)/8)
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRune(text[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = utf8.AppendRune(out, byteRune+rune(text[i]))
		case r >= byteRune+0x80 && r <= byteRune+0xFF:
			return nil, false
		default:
			out = append(out, text[i:i+n]...)
		}
		i += n
	}
	return out, true
}

// unmapBytes turns the private-use characters of mapBytes back into their
// bytes in every literal of the statement.
func unmapBytes(s *syntax.Stmt) {
	syntax.Walk(s, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Lit:
			n.Value = unmapString(n.Value)
		case *syntax.SglQuoted:
			n.Value = unmapString(n.Value)
		}
		return true
	})
}

func unmapString(s string) string {
	if !strings.Contains(s, "\xf4\x8f") {
		return s
	}
	var sb strings.Builder
	for _, r := range s {
		if r >= byteRune+0x80 && r <= byteRune+0xFF {
			sb.WriteByte(byte(r - byteRune))
		} else {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}
