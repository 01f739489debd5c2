package mount

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// parseMountinfo reads the Linux /proc/<pid>/mountinfo format (proc(5)):
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//
// id, parent, major:minor, root, mount point, per-mount options, optional
// fields up to "-", fstype, source, super options. Paths are octal-escaped by
// the kernel; they are decoded here. It is portable so its tests run anywhere.
func parseMountinfo(r io.Reader) ([]Entry, error) {
	var out []Entry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" {
			continue
		}
		e, err := parseMountinfoLine(line)
		if err != nil {
			return nil, fmt.Errorf("mountinfo line %d: %w", n, err)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	return out, nil
}

func parseMountinfoLine(line string) (Entry, error) {
	f := strings.Split(line, " ")
	sep := -1
	for i := 6; i < len(f); i++ {
		if f[i] == "-" {
			sep = i
			break
		}
	}
	if len(f) < 10 || sep < 0 || len(f) < sep+4 {
		return Entry{}, fmt.Errorf("malformed: %q", line)
	}
	id, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return Entry{}, fmt.Errorf("mount id %q: %w", f[0], err)
	}
	parent, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return Entry{}, fmt.Errorf("parent id %q: %w", f[1], err)
	}
	e := Entry{
		ID:      id,
		Parent:  parent,
		Root:    UnescapeOctal(f[3]),
		Target:  UnescapeOctal(f[4]),
		Options: f[5],
		FSType:  UnescapeOctal(f[sep+1]),
		Source:  UnescapeOctal(f[sep+2]),
	}
	for _, o := range strings.Split(f[5], ",") {
		if o == "ro" {
			e.ReadOnly = true
		}
	}
	return e, nil
}

// UnescapeOctal decodes the \ooo escapes of the kernel's mountinfo and of
// fstab and mount -p (getfsent(3)): space \040, tab \011, newline \012,
// backslash \134. Anything else, an escape beyond a byte included, is kept
// as it is.
func UnescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] <= '3' && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
