package compat

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// splitWords splits a value the way the script's eval splits it (exec_start,
// exec_stop, flags, exec): blanks separate words, single and double quotes
// and backslashes are honoured and removed. rcjail never hands the value to a
// shell, so anything a shell would act on instead of passing through as text
// — a second command, a pipe, background, redirection, expansion, globbing,
// tilde, assignment, a newline — is refused: a value that looked like data
// would otherwise run host commands as root under the script and silently
// mean something else under rcjail. A "#" comment is dropped, as eval does.
func splitWords(val string) ([]string, error) {
	return splitCommand(val, wordOpts{})
}

// wordOpts relaxes splitCommand for devfs.rules lines, which rc.subr evals
// with $name references to ruleset numbers.
type wordOpts struct {
	globOK bool                              // leave glob characters as text
	param  func(name string) (string, error) // resolves $name; nil: refuse
}

func splitCommand(val string, o wordOpts) ([]string, error) {
	if i := strings.IndexFunc(val, func(r rune) bool { return r == '\n' || r == '\r' }); i >= 0 {
		return nil, fmt.Errorf("a newline would end the command and start another")
	}
	if i := strings.IndexFunc(val, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }); i >= 0 {
		return nil, fmt.Errorf("control character %q", val[i:i+1])
	}
	// The script expands the value unquoted before eval (rc.subr does the
	// same with devfs rule lines): field splitting first, then eval joins
	// the fields with single spaces and parses the result. So blanks
	// inside quotes collapse too ("a  b" is "a b").
	val = strings.Join(strings.FieldsFunc(val, func(r rune) bool { return r == ' ' || r == '\t' }), " ")
	p := syntax.NewParser(syntax.Variant(syntax.LangPOSIX))
	f, err := p.Parse(strings.NewReader(val), "")
	if err != nil {
		return nil, fmt.Errorf("not a valid shell command line: %w", err)
	}
	if len(f.Stmts) == 0 {
		return nil, nil
	}
	for _, st := range f.Stmts {
		if st.Background {
			return nil, fmt.Errorf("%q would run the command in the background and start another", "&")
		}
	}
	if len(f.Stmts) > 1 {
		return nil, fmt.Errorf("%q separates commands: a shell would run a second command", ";")
	}
	st := f.Stmts[0]
	switch {
	case st.Background:
		return nil, fmt.Errorf("%q would run the command in the background and start another", "&")
	case st.Negated:
		return nil, fmt.Errorf("%q would negate the command's status", "!")
	case st.Coprocess || st.Disown:
		return nil, fmt.Errorf("not a simple command")
	case len(st.Redirs) > 0:
		return nil, fmt.Errorf("redirection %q would make a shell open a file", st.Redirs[0].Op.String())
	}
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok {
		return nil, fmt.Errorf("%s", describeCommand(st.Cmd))
	}
	if len(call.Assigns) > 0 {
		return nil, fmt.Errorf("%q is a variable assignment to a shell", call.Assigns[0].Name.Value+"=")
	}
	words := make([]string, 0, len(call.Args))
	for _, w := range call.Args {
		s, drop, err := literalWord(w, o)
		if err != nil {
			return nil, err
		}
		if !drop {
			words = append(words, s)
		}
	}
	return words, nil
}

func describeCommand(c syntax.Command) string {
	switch c := c.(type) {
	case *syntax.BinaryCmd:
		switch c.Op {
		case syntax.AndStmt:
			return `"&&" would make a shell run a second command`
		case syntax.OrStmt:
			return `"||" would make a shell run a second command`
		default:
			return `"|" would make a shell run a pipeline`
		}
	case *syntax.Subshell:
		return `"(" would make a shell run a subshell`
	case *syntax.Block:
		return `"{" would make a shell run a command group`
	case *syntax.FuncDecl:
		return "a function definition is not a command line"
	case nil:
		return "no command"
	}
	return "a shell compound command is not a plain command line"
}

// literalWord removes the quotes of one word made only of literal text (and,
// with o.param, simple $name references). drop is true for a word that was a
// lone unquoted expansion to nothing, which a shell removes.
func literalWord(w *syntax.Word, o wordOpts) (s string, drop bool, err error) {
	var b strings.Builder
	for i, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			if i == 0 && strings.HasPrefix(p.Value, "~") {
				return "", false, fmt.Errorf("%q would be replaced by a home directory", "~")
			}
			if i+1 < len(w.Parts) && strings.HasSuffix(p.Value, "$") && !strings.HasSuffix(p.Value, "\\$") {
				// FreeBSD sh reads $'…' and $"…" as special quotes; the
				// POSIX parser sees a "$" and a quoted string.
				switch w.Parts[i+1].(type) {
				case *syntax.SglQuoted:
					return "", false, fmt.Errorf("%q quoting is not POSIX sh", "$'")
				case *syntax.DblQuoted:
					return "", false, fmt.Errorf("%q quoting is not POSIX sh", `$"`)
				}
			}
			if err := unquotedLit(&b, p.Value, o.globOK); err != nil {
				return "", false, err
			}
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false, fmt.Errorf("%q quoting is not POSIX sh", "$'")
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			if p.Dollar {
				return "", false, fmt.Errorf("%q quoting is not POSIX sh", `$"`)
			}
			for _, dp := range p.Parts {
				switch dp := dp.(type) {
				case *syntax.Lit:
					dblQuotedLit(&b, dp.Value)
				case *syntax.ParamExp:
					v, err := simpleParam(dp, o)
					if err != nil {
						return "", false, err
					}
					b.WriteString(v)
				default:
					return "", false, expansionError(dp)
				}
			}
		case *syntax.ParamExp:
			v, err := simpleParam(p, o)
			if err != nil {
				return "", false, err
			}
			if len(w.Parts) == 1 && v == "" {
				return "", true, nil
			}
			if strings.ContainsAny(v, " \t\n*?[") {
				return "", false, fmt.Errorf("$%s expands to %q, which a shell would split or glob", p.Param.Value, v)
			}
			b.WriteString(v)
		default:
			return "", false, expansionError(part)
		}
	}
	return b.String(), false, nil
}

// simpleParam resolves $name or ${name} through o.param; any other
// parameter expansion, or any at all without o.param, is refused.
func simpleParam(p *syntax.ParamExp, o wordOpts) (string, error) {
	if o.param == nil || p.Param == nil || p.Excl || p.Length || p.Width ||
		p.Index != nil || p.Slice != nil || p.Repl != nil || p.Exp != nil || p.Names != 0 {
		return "", expansionError(p)
	}
	return o.param(p.Param.Value)
}

func expansionError(p syntax.WordPart) error {
	switch p := p.(type) {
	case *syntax.ParamExp:
		name := ""
		if p.Param != nil {
			name = p.Param.Value
		}
		return fmt.Errorf("%q would be replaced by a shell variable", "$"+name)
	case *syntax.CmdSubst:
		return fmt.Errorf("command substitution would make a shell run a command")
	case *syntax.ArithmExp:
		return fmt.Errorf("arithmetic expansion %q would be evaluated by a shell", "$((")
	}
	return fmt.Errorf("a shell expansion is not plain text")
}

// unquotedLit appends an unquoted literal with its backslashes removed, and
// refuses unescaped glob characters (the shell would match them against the
// host's current directory).
func unquotedLit(b *strings.Builder, s string, globOK bool) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			// A trailing lone backslash stays, as in sh.
			if i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
			continue
		case '*', '?', '[':
			if globOK {
				break
			}
			return fmt.Errorf("glob character %q would be expanded against the host's files", string(c))
		}
		b.WriteByte(c)
	}
	return nil
}

// dblQuotedLit appends double-quoted text: a backslash only escapes $ ` " \.
func dblQuotedLit(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\", s[i+1]) >= 0 {
			i++
			c = s[i]
		}
		b.WriteByte(c)
	}
}

// splitBlanks splits a hook value (exec_prestart0 …) the way the script's
// unquoted ${out} does: on blanks only, quotes are ordinary characters. The
// script's expansion would also glob, so glob characters are refused rather
// than passed on with a different meaning.
func splitBlanks(val string) ([]string, error) {
	if i := strings.IndexFunc(val, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' || r == 0x7f }); i >= 0 {
		return nil, fmt.Errorf("control character %q", val[i:i+1])
	}
	if i := strings.IndexAny(val, "*?["); i >= 0 {
		return nil, fmt.Errorf("glob character %q: the script's unquoted expansion would expand it against the host's files", val[i:i+1])
	}
	return strings.FieldsFunc(val, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }), nil
}
