package mount

// Within reports whether the path p is dir or lies below it, lexically
// (dir and p clean and absolute; "/" contains every absolute path). It is
// rcjail's one containment test, always (container, contained): a mount
// source inside its source root, a console log inside a jail root, an
// fstab mount point below rootdir.
func Within(dir, p string) bool {
	if dir == "/" {
		return len(p) > 0 && p[0] == '/'
	}
	return p == dir || len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}
