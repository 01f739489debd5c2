package rcconf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// dumpEnd is the record the dump ends with: without it /bin/sh stopped
// before the end of the chain (exit, a syntax error, a fatal error).
const dumpEnd = "__rcjail_end"

// dumpScript prints every variable set at the end of the chain to file
// descriptor 3 as NAME=VALUE records each ended by a NUL byte, byte for byte
// (a value can hold any byte but NUL, newlines included). The names come
// from the set builtin's listing: every variable starts a line of it; a
// line of a value that merely looks like NAME=… names a variable that is
// either set (and then is one) or skipped by the ${NAME+s} test. The dump's
// own variables start with __rcjail_ and are left out. command keeps
// functions the chain may have defined (printf, read) out of the way; it
// runs with set +eu so that the chain's options cannot stop it.
const dumpScript = `
set +eu
__rcjail_vars=$(set)
while IFS= command read -r __rcjail_l; do
	case $__rcjail_l in
	[A-Za-z_]*=*)
		__rcjail_n=${__rcjail_l%%=*}
		case $__rcjail_n in
		*[!A-Za-z0-9_]*|__rcjail_*) ;;
		*) eval "case \${$__rcjail_n+s} in s) command printf '%s=%s\\0' \"\$__rcjail_n\" \"\$$__rcjail_n\" >&3;; esac" ;;
		esac
		;;
	esac
done <<__RCJAIL_EOF__
$__rcjail_vars
__RCJAIL_EOF__
command printf '` + dumpEnd + `=\0' >&3
`

// ShellScript is the text live mode gives /bin/sh: the loader of [Driver]
// with descriptor 3 closed (so that no program it starts holds the dump's
// pipe open), then the dump.
func ShellScript(service string) string {
	// "{ " on the driver's first line keeps its line numbers (in the
	// shell's own messages) those of Driver.
	return "{ " + Driver(service) + "} 3>&-\n" + dumpScript
}

// shellOwn are variables a shell sets up for itself; taken from /bin/sh
// only when the chain (or the environment) set them too.
var shellOwn = map[string]bool{"PPID": true, "PS1": true, "PS2": true, "PS4": true,
	"OPTIND": true, "PWD": true, "OLDPWD": true, "LINENO": true, "IFS": true,
	"HISTSIZE": true, "MAIL": true, "MAILCHECK": true}

// runShell hands the chain to opts.Shell, as rc.subr's load_rc_config has
// /bin/sh source it, and takes the shell's values of every variable. in is
// the in-process evaluation (for provenance and diagnostics).
func runShell(ctx context.Context, opts Options, env []string, in *runner) (*Vars, error) {
	limit := opts.ShellTimeout
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, &Error{File: driverName, Line: 1, Col: 1, Msg: fmt.Sprintf("run %s: %v", opts.Shell, err), Err: err}
	}
	defer pr.Close()
	cmd := exec.CommandContext(ctx, opts.Shell, "-c", ShellScript(opts.Service), driverName)
	// The environment rc gives scripts, nothing of rcjail's own.
	cmd.Env = append([]string{}, env...)
	cmd.Dir = "/"
	var tail tailWriter
	out := opts.Stderr
	if out == nil {
		out = os.Stderr
	}
	// The chain's own output goes to stderr, as diagnostics: stdout is
	// rcjail's (vars --json).
	w := io.MultiWriter(out, &tail)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.ExtraFiles = []*os.File{pw}
	// A process group of its own, so that a hang is ended with everything
	// it started ($(sleep 1000) is a child of the shell).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		pw.Close()
		return nil, &Error{File: driverName, Line: 1, Col: 1, Msg: fmt.Sprintf("run %s: %v", opts.Shell, err), Err: err}
	}
	pw.Close()
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	maxDump := int64(64*opts.MaxValueLen) + 1<<20
	go func() {
		b, err := io.ReadAll(io.LimitReader(pr, maxDump+1))
		done <- result{b, err}
	}()
	werr := cmd.Wait()
	var res result
	select {
	case res = <-done:
	case <-time.After(time.Second):
		// Only a process that escaped the group could hold the pipe.
		res.err = errors.New("dump pipe still open")
	}
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		e := &Error{File: driverName, Line: 1, Col: 1, Err: context.DeadlineExceeded}
		var where []string
		for _, s := range in.runs {
			where = append(where, s.String())
		}
		if len(in.runs) > 0 {
			e.File, e.Line = in.runs[0].file, in.runs[0].line
		}
		e.Msg = fmt.Sprintf("%s did not finish the rc.conf chain within %v (stopped after %v); what it runs: %s",
			opts.Shell, limit, time.Since(start).Round(time.Millisecond), strings.Join(where, "; "))
		return nil, e
	}
	if res.err != nil {
		return nil, &Error{File: driverName, Line: 1, Col: 1, Msg: fmt.Sprintf("read the values from %s: %v", opts.Shell, res.err), Err: res.err}
	}
	if int64(len(res.b)) > maxDump {
		return nil, &Error{File: driverName, Line: 1, Col: 1, Msg: fmt.Sprintf("%s printed over %d bytes of variables", opts.Shell, maxDump)}
	}
	recs := bytes.Split(res.b, []byte{0})
	if len(recs) < 2 || string(recs[len(recs)-2]) != dumpEnd+"=" {
		// The shell stopped inside the chain: what it said names the file
		// and line.
		msg := strings.TrimSpace(tail.String())
		if msg == "" {
			msg = fmt.Sprint(werr)
		}
		return nil, &Error{File: driverName, Line: 1, Col: 1, Msg: fmt.Sprintf("%s stopped in the rc.conf chain (%v): %s", opts.Shell, werr, msg), Err: werr}
	}
	m := make(map[string]variable, len(recs))
	for _, rec := range recs[:len(recs)-2] {
		name, val, ok := strings.Cut(string(rec), "=")
		if !ok || !validName(name) {
			continue
		}
		prev, had := in.vars[name]
		if shellOwn[name] && !had {
			continue
		}
		v := variable{value: val, file: "sh", exported: prev.exported, readonly: prev.readonly}
		if had && prev.unk == nil && prev.value == val {
			// The evaluator placed this value: keep where.
			v.file, v.line = prev.file, prev.line
		}
		m[name] = v
	}
	return &Vars{m: m, files: in.files, shell: true}, nil
}

// tailWriter keeps the last 4 KiB written, for an error message.
type tailWriter struct{ b []byte }

func (t *tailWriter) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = append(t.b[:0], t.b[len(t.b)-4096:]...)
	}
	return len(p), nil
}

func (t *tailWriter) String() string {
	s := string(t.b)
	if i := strings.LastIndexByte(strings.TrimRight(s, "\n"), '\n'); i >= 0 && len(s)-i > 1 {
		// The last line is the shell's own complaint.
		return strings.TrimSpace(s[i+1:])
	}
	return s
}
