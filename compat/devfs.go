package compat

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
)

// defaultDevfsRulesets is rc.conf's devfs_rulesets default.
const defaultDevfsRulesets = "/etc/defaults/devfs.rules /etc/devfs.rules"

// devfsRules is what loading the devfs_rulesets files yields: the ruleset
// names defined by [name=N] headers, every `devfs rule -s N …` call in file
// order, or the first problem found (which refuses every jail with devfs).
type devfsRules struct {
	names map[string]int
	rules []DevfsRule
	err   *devfsError
}

type devfsError struct {
	file string
	line int
	msg  string
}

var devfsHeader = regexp.MustCompile(`^\[(.*)=([0-9]*)\]`)

// loadDevfsRules reads the files like rc.subr's devfs_rulesets_from_file:
// missing files are skipped; lines are read like `read line` (blanks trimmed,
// backslash escapes and continuations removed); "#" lines are comments; a
// "[name=N]" header defines name=N and clears ruleset N (delset); every other
// line is eval'd as the arguments of `devfs rule -s N`, so quotes are removed,
// a "#" word starts a comment and $name refers to a ruleset defined earlier.
// The ruleset number carries over from one file to the next, as the shell
// variable does.
func loadDevfsRules(fsys FS, files []string) *devfsRules {
	d := &devfsRules{names: map[string]int{}}
	cur := -1
	for _, file := range files {
		data, err := fsys.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			d.err = &devfsError{file: file, msg: fmt.Sprintf("cannot read devfs rules: %v", err)}
			return d
		}
		lines := strings.Split(string(data), "\n")
		for i := 0; i < len(lines); i++ {
			lineNo := i + 1
			raw := lines[i]
			// read(1) without -r: a trailing backslash joins the next line.
			for strings.HasSuffix(raw, "\\") && !strings.HasSuffix(raw, "\\\\") && i+1 < len(lines) {
				i++
				raw = raw[:len(raw)-1] + lines[i]
			}
			line := readLine(raw)
			switch {
			case line == "" || strings.HasPrefix(line, "#"):
				continue
			case strings.HasPrefix(line, "[") && strings.Contains(line[1:], "]"):
				m := devfsHeader.FindStringSubmatch(line)
				if m == nil || m[2] == "" {
					d.err = &devfsError{file, lineNo, fmt.Sprintf("cannot extract rule number from %q", line)}
					return d
				}
				if !isShellName(m[1]) {
					// rc.subr evals "name=N": anything but a plain name
					// would be run as shell code.
					d.err = &devfsError{file, lineNo, fmt.Sprintf("ruleset name %q is not a valid name", m[1])}
					return d
				}
				n, err := strconv.Atoi(m[2])
				if err != nil || n > 65535 {
					d.err = &devfsError{file, lineNo, fmt.Sprintf("ruleset number %q out of range", m[2])}
					return d
				}
				d.names[m[1]] = n
				cur = n
				d.rules = append(d.rules, DevfsRule{Ruleset: n, Args: []string{"delset"}})
			default:
				args, err := splitCommand(line, wordOpts{globOK: true, param: func(name string) (string, error) {
					if n, ok := d.names[name]; ok {
						return strconv.Itoa(n), nil
					}
					return "", fmt.Errorf("$%s is not a ruleset defined above", name)
				}})
				if err != nil {
					d.err = &devfsError{file, lineNo, fmt.Sprintf("rule %q: %v", line, err)}
					return d
				}
				if len(args) == 0 {
					continue // only a comment
				}
				if cur < 0 {
					d.err = &devfsError{file, lineNo, fmt.Sprintf("rule %q comes before any [name=N] header", line)}
					return d
				}
				d.rules = append(d.rules, DevfsRule{Ruleset: cur, Args: args})
			}
		}
	}
	return d
}

// readLine does what `read line` does to a line: trims blanks at both ends
// and removes backslash escapes.
func readLine(s string) string {
	s = strings.Trim(s, " \t")
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isShellName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '_' {
			return false
		}
	}
	return true
}

// resolveRuleset turns devfs_ruleset into a number: a number is used as a
// number (the script dereferenced it as a variable name and silently gave an
// unfiltered /dev, SPEC §3.6), a name must be defined by a header.
func resolveRuleset(v string, d *devfsRules) (int, error) {
	if v != "" && strings.Trim(v, "0123456789") == "" {
		n, err := strconv.Atoi(v)
		if err != nil || n > 65535 {
			return 0, fmt.Errorf("devfs ruleset number out of range (1..65535)")
		}
		if n == 0 {
			// Ruleset 0 hides nothing: every host device would be visible
			// inside the jail.
			return 0, fmt.Errorf("devfs ruleset 0 hides no device (the jail would see every host device)")
		}
		return n, nil
	}
	if !isShellName(v) {
		return 0, fmt.Errorf("devfs ruleset is neither a number nor a ruleset name")
	}
	n, ok := d.names[v]
	if !ok {
		return 0, fmt.Errorf("unknown devfs ruleset (not defined by a [%s=N] header in devfs_rulesets)", v)
	}
	return n, nil
}
