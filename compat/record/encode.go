package record

import (
	"encoding/json"
	"strconv"
)

// AppendJSON appends e as one journal line (with its newline), byte for
// byte what json.Marshal(e) followed by "\n" gives, without reflection: a
// line is written for every mount a start makes, and encoding/json's
// reflective walk and allocations were a tenth of the native host's own
// cost per mount. Loading still decodes with encoding/json, and
// TestEventEncoding holds the two encodings equal.
func (e *Event) AppendJSON(b []byte) []byte {
	b = append(b, `{"ev":`...)
	b = appendJSONString(b, e.Ev)
	if e.Root != "" {
		b = append(b, `,"root":`...)
		b = appendJSONString(b, e.Root)
	}
	if e.State != "" {
		b = append(b, `,"state":`...)
		b = appendJSONString(b, e.State)
	}
	if e.JID != 0 {
		b = append(b, `,"jid":`...)
		b = strconv.AppendInt(b, int64(e.JID), 10)
	}
	if m := e.M; m != nil {
		b = append(b, `,"m":{"id":`...)
		b = strconv.AppendUint(b, m.ID, 10)
		if m.UniqueID != 0 {
			b = append(b, `,"uid":`...)
			b = strconv.AppendUint(b, m.UniqueID, 10)
		}
		b = append(b, `,"fstype":`...)
		b = appendJSONString(b, m.FSType)
		if m.Source != "" {
			b = append(b, `,"source":`...)
			b = appendJSONString(b, m.Source)
		}
		b = append(b, `,"root":`...)
		b = appendJSONString(b, m.Root)
		b = append(b, `,"rel":`...)
		b = appendJSONString(b, m.Rel)
		if m.ReadOnly {
			b = append(b, `,"ro":true`...)
		}
		b = append(b, '}')
	}
	if len(e.Paths) > 0 {
		b = append(b, `,"paths":[`...)
		for i, p := range e.Paths {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, p)
		}
		b = append(b, ']')
	}
	if a := e.Addr; a != nil {
		// Addr has no json tags: its field names are its keys.
		b = append(b, `,"addr":{"Iface":`...)
		b = appendJSONString(b, a.Iface)
		b = append(b, `,"Family":`...)
		b = appendJSONString(b, a.Family)
		b = append(b, `,"Addr":`...)
		b = appendJSONString(b, a.Addr)
		b = append(b, `,"Mask":`...)
		b = appendJSONString(b, a.Mask)
		b = append(b, '}')
	}
	return append(b, '}', '\n')
}

// appendJSONString appends s as a JSON string. Printable ASCII other than
// the characters encoding/json escapes (" \ < > &) is copied as is; any
// other string goes through json.Marshal, so that control characters,
// invalid UTF-8 and the rest come out exactly as encoding/json writes them.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
