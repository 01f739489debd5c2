//go:build linux

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNativeTamperedRecord: a record entry whose mount point lies outside
// the jail root (issue 12, finding 8: stop unmounted a host mount): one
// whose root is a directory outside the jail root, one whose relative part
// climbs out of it, each carrying the real mount ID of a mount outside the
// root. Stop refuses the entry: the host mount stays, the refusal names
// it; the jail itself is stopped whole, and a start and stop after it
// converge.
func TestNativeTamperedRecord(t *testing.T) {
	if !inProofNamespace(t) {
		return
	}
	w := newProofWorld(t, "t1")
	host := filepath.Join(w.work, "hostmnt")
	cfMust(t, os.MkdirAll(host, 0o755))
	for _, c := range []struct{ name, root, rel string }{
		{"root-outside", w.work, "hostmnt"},
		{"rel-climbs", w.jails["t1"], "../../hostmnt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer w.use(t)()
			cfMust(t, unix.Mount("tmpfs", host, "tmpfs", 0, "size=1m"))
			before := w.before
			w.before = skelReadFile(t, "/proc/self/mountinfo")
			defer func() {
				_ = unix.Unmount(host, unix.MNT_DETACH)
				w.before = before
			}()
			var id uint64
			for _, l := range strings.Split(w.before, "\n") {
				if f := strings.Fields(l); len(f) > 5 && f[4] == host {
					id, _ = strconv.ParseUint(f[0], 10, 64)
				}
			}
			tr := &transcript{w: w, jail: "t1"}
			if st := tr.run(nil, "start"); st != 0 {
				t.Fatalf("start: %d\n%s", st, tr)
			}
			recPath := filepath.Join(w.root, "var/run/rcjail/t1.json")
			var rec map[string]any
			cfMust(t, json.Unmarshal([]byte(skelReadFile(t, recPath)), &rec))
			ms, _ := rec["mounts"].([]any)
			rec["mounts"] = append(ms, map[string]any{"id": id, "fstype": "tmpfs", "source": "tmpfs", "root": c.root, "rel": c.rel})
			b, err := json.Marshal(rec)
			cfMust(t, err)
			cfMust(t, os.WriteFile(recPath, b, 0o600))
			st := tr.run(nil, "stop")
			if m := mountsUnder(t, host); len(m) != 1 {
				t.Errorf("the host mount %s is gone after a stop with a tampered record\n%s", host, tr)
				w.scrub()
				return
			}
			// The jail itself is stopped whole, and the refused entry is
			// reported (a WARNING or an ERROR: the exit status is the
			// engine's call, the report is not).
			if p := procsRootedAt(w.jails["t1"]); len(p) > 0 || len(mountsUnder(t, w.jails["t1"])) > 0 || !strings.Contains(tr.log[len(tr.log)-1], "hostmnt") {
				t.Errorf("stop with a tampered record: exit %d, processes %v, mounts %v, the refused entry reported: %v\n%s",
					st, p, mountsUnder(t, w.jails["t1"]), strings.Contains(tr.log[len(tr.log)-1], "hostmnt"), tr)
			}
			// What is left beside the host mount: at most the refused
			// record, which a later start or stop may report.
			_ = os.Remove(recPath)
			tr.converge(t, "a stop with a tampered record")
		})
	}
}
