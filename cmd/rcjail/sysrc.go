package main

import "strings"

// sysrcReplace returns line (an assignment rcvarLine matched) with its
// value replaced by value, the way sysrc(8) edits an assignment: the
// indentation and the name are kept, the old value (a double- or
// single-quoted string, or an unquoted word) is replaced by the new one in
// the same quotes (double quotes for an unquoted or empty value), and
// whatever follows the value — a trailing comment, another assignment
// after ";" — is kept as written. ok is false when the value starts with
// "`", "$" or "\": an expression sysrc does not rewrite; the caller then
// leaves the line alone and appends a new assignment, as sysrc does.
//
// Decision: an unquoted value ends at a blank or ";" (sysrc's own pattern
// also swallows a ";" glued to the word, and with it the separation from a
// following command); the ";" is kept.
func sysrcReplace(line, value string) (out string, ok bool) {
	eq := strings.IndexByte(line, '=')
	head, v := line[:eq+1], line[eq+1:]
	q := byte('"')
	var rest string
	switch {
	case v == "":
	case strings.IndexByte("`$\\", v[0]) >= 0:
		return line, false
	case v[0] == '\'':
		q = '\''
		rest = afterQuoted(v, '\'')
	case v[0] == '"':
		rest = afterQuoted(v, '"')
	default:
		rest = v[strings.IndexAny(v+" ", " \t;"):]
	}
	return head + string(q) + value + string(q) + rest, true
}

// afterQuoted returns what follows the quoted string that v starts with
// (its opening quote q at v[0]); inside double quotes a backslash escapes
// the next character. An unterminated string runs to the end of the line.
func afterQuoted(v string, q byte) string {
	for i := 1; i < len(v); i++ {
		switch {
		case q == '"' && v[i] == '\\':
			i++
		case v[i] == q:
			return v[i+1:]
		}
	}
	return ""
}
