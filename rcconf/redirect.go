package rcconf

import (
	"io"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// redirect applies a statement's redirections to r.io. Nothing is ever
// written: output may only go to /dev/null or to the other standard stream
// (the attack stopped: "> /etc/rc.conf" or ">> /root/.ssh/authorized_keys"
// overwriting host files); input is read through the root.
func (r *runner) redirect(rs []*syntax.Redirect) bool {
	for _, rd := range rs {
		fd := -1
		if rd.N != nil {
			switch rd.N.Value {
			case "0":
				fd = 0
			case "1":
				fd = 1
			case "2":
				fd = 2
			default:
				// A descriptor above 2: /bin/sh opens it; the evaluator
				// ignores the redirection.
				r.unknownAt(rd.Pos(), "redirection "+nodeText(rd))
				continue
			}
		}
		switch rd.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.RdrInOut:
			target := r.literal(rd.Word)
			if r.stopped() {
				return false
			}
			if target != devNull {
				// Nothing is ever written here: the output is dropped, and
				// live mode hands the chain to /bin/sh, which writes it.
				r.unknownAt(rd.Pos(), "redirection "+nodeText(rd))
			}
			if fd == -1 {
				fd = 1
				if rd.Op == syntax.RdrInOut {
					fd = 0
				}
			}
			r.setFd(fd, io.Discard, strings.NewReader(""))
		case syntax.RdrIn:
			target := r.literal(rd.Word)
			if r.stopped() {
				return false
			}
			if fd == -1 {
				fd = 0
			}
			var data []byte
			if target != devNull {
				b, err := r.fs.readFile(target)
				if err != nil {
					r.unsup(rd.Pos(), "redirection from %q: cannot open: %v", target, err)
					return false
				}
				data = b
			}
			r.setFd(fd, io.Discard, strings.NewReader(string(data)))
		case syntax.DplOut, syntax.DplIn:
			target := r.literal(rd.Word)
			if r.stopped() {
				return false
			}
			if fd == -1 {
				fd = 1
				if rd.Op == syntax.DplIn {
					fd = 0
				}
			}
			switch target {
			case "-":
				r.setFd(fd, io.Discard, strings.NewReader(""))
			case "0":
				r.setFd(fd, io.Discard, r.io.in)
			case "1":
				r.setFd(fd, r.io.out, strings.NewReader(""))
			case "2":
				r.setFd(fd, r.io.errw, strings.NewReader(""))
			default:
				r.unknownAt(rd.Pos(), "redirection "+nodeText(rd))
				r.setFd(fd, io.Discard, strings.NewReader(""))
			}
		case syntax.Hdoc, syntax.DashHdoc:
			if fd == -1 {
				fd = 0
			}
			var body string
			if quotedDelim(rd.Word) {
				if rd.Hdoc != nil {
					var sb strings.Builder
					for _, p := range rd.Hdoc.Parts {
						if l, ok := p.(*syntax.Lit); ok {
							sb.WriteString(l.Value)
						}
					}
					body = sb.String()
				}
			} else if rd.Hdoc != nil {
				r.taint = nil
				s, err := expand.Document(r.cfg(), rd.Hdoc)
				if err != nil {
					r.expandErr(rd.Pos(), err)
					return false
				}
				body = s
			}
			r.setFd(fd, io.Discard, strings.NewReader(body))
			if fd == 0 {
				r.io.inUnk = r.taint
			}
		default:
			r.unsup(rd.Pos(), "redirection %s: not /bin/sh", rd.Op)
			return false
		}
	}
	return true
}

func (r *runner) setFd(fd int, w io.Writer, in *strings.Reader) {
	switch fd {
	case 0:
		r.io.in, r.io.inUnk = in, nil
	case 1:
		r.io.out = w
	case 2:
		r.io.errw = w
	}
}

// quotedDelim reports whether a here-document's delimiter has a quoted
// part, which makes the body literal.
func quotedDelim(w *syntax.Word) bool {
	for _, p := range w.Parts {
		if quotedPart(p) {
			return true
		}
	}
	return false
}

// quotedPart reports whether p is quoted: '…', "…", or a literal with a
// backslash escape.
func quotedPart(p syntax.WordPart) bool {
	switch p := p.(type) {
	case *syntax.SglQuoted, *syntax.DblQuoted:
		return true
	case *syntax.Lit:
		return strings.Contains(p.Value, `\`)
	}
	return false
}
