package native

import (
	"strconv"

	"rcjail/compat"
	"rcjail/compat/record"
)

// ReadRecorded is what the record under root says of jail, read without
// the jail's lock (package record, [record.Read]): for status.
func ReadRecorded(root, jail string) (compat.Recorded, error) {
	r, err := record.Read(root, jail)
	if err != nil || r == nil {
		return compat.Recorded{}, err
	}
	out := compat.Recorded{OK: true, Root: r.Root}
	if r.JID != 0 {
		out.JID = strconv.Itoa(r.JID)
	}
	return out, nil
}
